-- The peer of kobatela.escrow_deposit (src/api/escrow.cpp, src/store/escrow_store.cpp,
-- src/core/escrow_plan.cpp, src/core/transitions.cpp): the same rules as a DBA would write them in
-- plain PL/pgSQL, on tables with the generic to_jsonb audit trigger. Needs bench/peer_spend.sql and
-- bench/peer_common.sql loaded first (peer.agreement, peer.agreement_event). Measured against
-- bench/escrow_deposit.pgbench by bench/peer_escrow_deposit.pgbench (bench/run.sh).
--
-- Rules peer.escrow_deposit checks, in Kobatela's order:
--   * escrow and amount given (INVALID_ARGUMENT); the amount > 0, two decimals at most, 16 integer
--     digits at most (INVALID_AMOUNT); the idempotency key non-blank, at most 64 characters;
--   * the escrow locked (ESCROW_NOT_FOUND): deposits into one escrow run one at a time;
--   * the amount no finer than the escrow currency's minor unit (FRACTIONAL_AMOUNT);
--   * the key's deposit, if any: the same escrow and amount is a replay (the escrow returned as it
--     is, nothing written), anything else IDEMPOTENCY_CONFLICT; keys are unique per owner, across
--     escrows (NULL owner: the platform, as for a superuser);
--   * the status: RELEASED, REFUNDED or CANCELLED take no money (ESCROW_NOT_ACTIVE), only DRAFT and
--     FUNDED take deposits (INVALID_TRANSITION otherwise); then the total: deposits beyond the
--     escrow's amount are DEPOSIT_EXCEEDS_TOTAL; a DRAFT escrow whose deposits reach it is FUNDED;
--   * the deposit inserted (ON CONFLICT on the key: a concurrent twin into another escrow is judged
--     again), the escrow's status and deposited counter updated, a DEPOSIT event with the amount and
--     the key: three audited writes, as Kobatela's; the escrow row returned.
-- Not modelled: API keys, scopes and the client-party check (the benchmark runs as a superuser),
-- PostgREST's Idempotency-Key header.

CREATE TABLE peer.deposit (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  escrow_id bigint NOT NULL REFERENCES peer.agreement, amount numeric(18,2) NOT NULL CHECK (amount > 0),
  idempotency_key text, idempotency_owner bigint, created_at timestamptz NOT NULL DEFAULT now());
CREATE UNIQUE INDEX deposit_key ON peer.deposit (idempotency_key, idempotency_owner) NULLS NOT DISTINCT
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX ON peer.deposit (escrow_id);
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON peer.deposit FOR EACH ROW EXECUTE FUNCTION peer.audit_trg();

CREATE FUNCTION peer.escrow_deposit(p_escrow bigint, p_amount numeric, p_key text DEFAULT NULL) RETURNS peer.agreement
LANGUAGE plpgsql AS $$
DECLARE e peer.agreement; prior peer.deposit; minor int; total numeric; dep_id bigint; attempt int;
BEGIN
  IF p_escrow IS NULL THEN RAISE EXCEPTION 'INVALID_ARGUMENT' USING ERRCODE = 'PT400'; END IF;
  PERFORM peer.check_amount(p_amount, 2);
  PERFORM peer.check_key(p_key);
  FOR attempt IN 1 .. 2 LOOP
    SELECT * INTO e FROM peer.agreement WHERE id = p_escrow FOR UPDATE;
    IF NOT FOUND THEN RAISE EXCEPTION 'ESCROW_NOT_FOUND' USING ERRCODE = 'PT404'; END IF;
    SELECT minor_units INTO minor FROM peer.currency WHERE code = e.currency;
    IF p_amount <> round(p_amount, minor) THEN RAISE EXCEPTION 'FRACTIONAL_AMOUNT' USING ERRCODE = 'PT400'; END IF;
    IF p_key IS NOT NULL THEN
      SELECT * INTO prior FROM peer.deposit WHERE idempotency_key = p_key AND idempotency_owner IS NULL;
      IF FOUND THEN
        IF prior.escrow_id <> p_escrow OR prior.amount <> p_amount THEN
          RAISE EXCEPTION 'IDEMPOTENCY_CONFLICT' USING ERRCODE = 'PT409';
        END IF;
        RETURN e;
      END IF;
    END IF;
    IF e.status IN ('RELEASED', 'REFUNDED', 'CANCELLED') THEN RAISE EXCEPTION 'ESCROW_NOT_ACTIVE' USING ERRCODE = 'PT409'; END IF;
    IF e.status NOT IN ('DRAFT', 'FUNDED') THEN RAISE EXCEPTION 'INVALID_TRANSITION' USING ERRCODE = 'PT409'; END IF;
    total := e.deposited + p_amount;
    IF total > e.amount_total THEN RAISE EXCEPTION 'DEPOSIT_EXCEEDS_TOTAL' USING ERRCODE = 'PT409'; END IF;
    INSERT INTO peer.deposit (escrow_id, amount, idempotency_key) VALUES (p_escrow, p_amount, p_key)
      ON CONFLICT (idempotency_key, idempotency_owner) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id INTO dep_id;
    IF dep_id IS NOT NULL THEN
      UPDATE peer.agreement SET status = CASE WHEN total >= amount_total THEN 'FUNDED' ELSE status END, deposited = total,
                                updated_at = now()
        WHERE id = p_escrow RETURNING * INTO e;
      INSERT INTO peer.agreement_event (escrow_id, kind, data)
        VALUES (p_escrow, 'DEPOSIT', jsonb_build_object('amount', p_amount, 'idempotency_key', p_key));
      RETURN e;
    END IF;
  END LOOP;
  RAISE EXCEPTION 'IDEMPOTENCY_CONFLICT' USING ERRCODE = 'PT409';
END $$;

-- Data shaped like bench/escrow_deposit_setup.sql's: 1 000 DRAFT escrows of 1 000 000 000.00 USD
-- (client n, provider n + 1000), each deposit far from the total.
INSERT INTO peer.agreement (client_id, provider_id, amount_total, currency, deadline_at)
SELECT n, n + 1000, 1000000000.00, 'USD', now() + interval '5 years' FROM generate_series(1, 1000) n;
CREATE TABLE peer.bench_deposit (n int PRIMARY KEY, escrow_id bigint NOT NULL);
INSERT INTO peer.bench_deposit SELECT row_number() OVER (ORDER BY id), id FROM peer.agreement;
CREATE SEQUENCE peer.deposit_seq;      -- fresh idempotency keys 'd<n>'
