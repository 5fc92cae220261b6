-- Copied from /work/shared/bench/peer_spend.sql (the project's peer baseline; CI clones have no /work/shared).
-- Everything below this header is byte-identical to that file: update both together.
-- The peer: the spend rule written the way a DBA would in plain PL/pgSQL, with a generic to_jsonb
-- audit trigger (the common wiki-style design). Measured beside kobatela.spend in one run.
DROP SCHEMA IF EXISTS peer CASCADE;
CREATE SCHEMA peer;
CREATE TABLE peer.escrow (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, status text NOT NULL DEFAULT 'FUNDED',
  deposited numeric(18,2) NOT NULL DEFAULT 0, paid numeric(18,2) NOT NULL DEFAULT 0, updated_at timestamptz DEFAULT now());
CREATE TABLE peer.payee (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, escrow_id bigint NOT NULL REFERENCES peer.escrow,
  payee_ref text NOT NULL, daily_limit numeric(18,2), total_limit numeric(18,2), spent_today numeric(18,2) NOT NULL DEFAULT 0,
  spent_total numeric(18,2) NOT NULL DEFAULT 0, last_reset_at date, UNIQUE (escrow_id, payee_ref));
CREATE TABLE peer.payment (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, escrow_id bigint NOT NULL REFERENCES peer.escrow,
  amount numeric(18,2) NOT NULL CHECK (amount > 0), status text NOT NULL, psp_ref text UNIQUE, idempotency_key text UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE peer.event (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, escrow_id bigint NOT NULL REFERENCES peer.escrow,
  kind text NOT NULL, data jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ON peer.event (escrow_id, at);
CREATE TABLE peer.audit (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, actor text, action text, entity text,
  entity_id bigint, data jsonb, at timestamptz DEFAULT now());
CREATE FUNCTION peer.audit_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO peer.audit (actor, action, entity, entity_id, data)
  VALUES (current_user, TG_OP, TG_TABLE_NAME, (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END),
          CASE WHEN TG_OP = 'UPDATE' THEN jsonb_build_object('old', to_jsonb(OLD), 'new', to_jsonb(NEW))
               WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END);
  RETURN NULL;
END $$;
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON peer.escrow FOR EACH ROW EXECUTE FUNCTION peer.audit_trg();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON peer.payee FOR EACH ROW EXECUTE FUNCTION peer.audit_trg();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON peer.payment FOR EACH ROW EXECUTE FUNCTION peer.audit_trg();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON peer.event FOR EACH ROW EXECUTE FUNCTION peer.audit_trg();

CREATE FUNCTION peer.spend(p_escrow bigint, p_payee text, p_amount numeric, p_note text, p_key text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE e peer.escrow; p peer.payee; pay_id bigint;
BEGIN
  IF p_amount IS NULL OR p_amount <= 0 THEN RAISE EXCEPTION 'BAD_AMOUNT' USING ERRCODE = 'PT400'; END IF;
  IF p_key IS NOT NULL THEN
    SELECT id INTO pay_id FROM peer.payment WHERE idempotency_key = p_key;
    IF FOUND THEN RETURN pay_id; END IF;
  END IF;
  SELECT * INTO e FROM peer.escrow WHERE id = p_escrow FOR UPDATE;
  IF NOT FOUND THEN RAISE EXCEPTION 'ESCROW_NOT_FOUND' USING ERRCODE = 'PT404'; END IF;
  IF e.status IN ('RELEASED', 'REFUNDED', 'CANCELLED') THEN RAISE EXCEPTION 'ESCROW_NOT_ACTIVE' USING ERRCODE = 'PT409'; END IF;
  SELECT * INTO p FROM peer.payee WHERE escrow_id = p_escrow AND payee_ref = p_payee FOR UPDATE;
  IF NOT FOUND THEN RAISE EXCEPTION 'PAYEE_NOT_ALLOWED' USING ERRCODE = 'PT403'; END IF;
  IF p.last_reset_at IS DISTINCT FROM current_date THEN p.spent_today := 0; END IF;
  IF p.daily_limit IS NOT NULL AND p.spent_today + p_amount > p.daily_limit THEN RAISE EXCEPTION 'DAILY_LIMIT_REACHED' USING ERRCODE = 'PT409'; END IF;
  IF p.total_limit IS NOT NULL AND p.spent_total + p_amount > p.total_limit THEN RAISE EXCEPTION 'TOTAL_LIMIT_REACHED' USING ERRCODE = 'PT409'; END IF;
  IF e.deposited - e.paid < p_amount THEN RAISE EXCEPTION 'INSUFFICIENT_ESCROW_BALANCE' USING ERRCODE = 'PT409'; END IF;
  INSERT INTO peer.payment (escrow_id, amount, status, psp_ref, idempotency_key)
    VALUES (p_escrow, p_amount, 'SENT', 'PSP-' || gen_random_uuid(), p_key) RETURNING id INTO pay_id;
  UPDATE peer.payee SET spent_today = p.spent_today + p_amount, spent_total = spent_total + p_amount, last_reset_at = current_date WHERE id = p.id;
  UPDATE peer.escrow SET paid = paid + p_amount, updated_at = now() WHERE id = p_escrow;
  INSERT INTO peer.event (escrow_id, kind, data)
    VALUES (p_escrow, 'USAGE_SPEND', jsonb_build_object('payment_id', pay_id, 'amount', p_amount, 'payee_ref', p_payee, 'note', p_note, 'idempotency_key', p_key));
  RETURN pay_id;
END $$;

CREATE SEQUENCE peer.bench_seq;
CREATE TABLE peer.bench_payee (n int PRIMARY KEY, escrow_id bigint, payee_ref text);
INSERT INTO peer.escrow (deposited) SELECT 1000000000.00 FROM generate_series(1, 100);
INSERT INTO peer.payee (escrow_id, payee_ref) SELECT e, 'P' || e || '-' || j FROM generate_series(1, 100) e, generate_series(1, 10) j;
INSERT INTO peer.bench_payee SELECT (escrow_id - 1) * 10 + row_number() OVER (PARTITION BY escrow_id ORDER BY id), escrow_id, payee_ref FROM peer.payee;
