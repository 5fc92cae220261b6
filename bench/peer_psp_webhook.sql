-- The peer of kobatela.psp_webhook (src/api/psp.cpp, src/core/webhook.cpp, src/store/webhook_store.cpp,
-- src/store/payment_store.cpp, src/core/payout_plan.cpp, src/core/transitions.cpp): the same rules as
-- a DBA would write them in plain PL/pgSQL with pgcrypto's hmac() and digest(), on tables with the
-- generic to_jsonb audit trigger. Needs bench/peer_spend.sql and bench/peer_common.sql loaded first
-- (peer.agreement, peer.agreement_event) and the extension pgcrypto. Measured against
-- bench/psp_webhook.pgbench by bench/peer_psp_webhook.pgbench (bench/run.sh).
--
-- Rules peer.psp_webhook checks, in Kobatela's order:
--   * the secret configured (PSP_SECRET_MISSING: the setting peer.psp_webhook_secret, set for the
--     database below; peer.psp_webhook_secret_previous, when set, is accepted too, as Kobatela's
--     rotation); the body at most 256 KiB, signature and timestamp at most 256 bytes;
--   * the signature: present, the timestamp present and a Unix time in seconds (digits, optional
--     fraction), within peer.psp_webhook_skew_s (default 300, Kobatela's) of the transaction's
--     start, and HMAC-SHA256(secret, ts || '.' || body) in hex equal to the signature, for the
--     secret or the previous one (INVALID_SIGNATURE);
--   * the body a JSON object (INVALID_JSON; parsed in a subtransaction, as Kobatela parses outside
--     JSON); the event id: body id, else event_id, else the SHA-1 of the body; the kind: type, else
--     event, else 'unknown', kept to 50 characters; the payment: psp_ref, else payment_reference;
--     values of only spaces count as absent; under PostgREST, X-PSP-Event-Id and X-PSP-Ref headers
--     must name what the signed body names (INVALID_ARGUMENT); the event id at most 100 characters;
--   * a replay (the event id seen before, also by a concurrent delivery that committed first)
--     answers the stored event's processed_at and writes nothing;
--   * the event stored (audited); payment.settled / payment_succeeded settles, payment.failed /
--     payment_failed fails, any other kind is only recorded;
--   * the payment the event names, if any, with its escrow locked first, then the payment: the
--     status table (PENDING, SENT or ERROR -> SETTLED; PENDING or SENT -> ERROR; SETTLED or ERROR
--     again change nothing; a contradiction — failed after settled, anything after REFUNDED — keeps
--     the status and raises an alert); the escrow's counters moved by what the payment's money
--     becomes (paid, to_repay); a PENDING payment's change is an escrow event; a failure raises a
--     PAYMENT_TO_REPAY alert, a settlement beyond the deposits ESCROW_OVERDRAWN;
--   * the answer {"ok": true, "event_id": ..., "processed_at": ...}.
-- Not modelled: the JSON nesting limit (32) and the retry bookkeeping of failed payments
-- (retry_payment), which the benchmark's settled payments never reach.

CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE TABLE peer.psp_payment (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  escrow_id bigint NOT NULL REFERENCES peer.agreement, amount numeric(18,2) NOT NULL CHECK (amount > 0),
  status text NOT NULL, psp_ref text UNIQUE, idempotency_key text UNIQUE, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ON peer.psp_payment (escrow_id);
CREATE TABLE peer.webhook_event (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id text NOT NULL UNIQUE,
  psp_ref text, kind text NOT NULL, raw jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz);
CREATE TABLE peer.alert (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, type text NOT NULL, message text NOT NULL,
  payload jsonb, created_at timestamptz NOT NULL DEFAULT now());
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON peer.psp_payment FOR EACH ROW EXECUTE FUNCTION peer.audit_trg();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON peer.webhook_event FOR EACH ROW EXECUTE FUNCTION peer.audit_trg();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON peer.alert FOR EACH ROW EXECUTE FUNCTION peer.audit_trg();

-- A string or number field of the body, NULL when absent or only spaces.
CREATE FUNCTION peer.body_field(b jsonb, f text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN jsonb_typeof(b -> f) IN ('string', 'number') AND btrim(b ->> f) <> '' THEN b ->> f END
$$;

-- A header that names another value than the signed body's (or one the body lacks) is refused.
CREATE FUNCTION peer.require_header_backed(headers jsonb, header text, body_value text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE h text := nullif(btrim(headers ->> header), '');
BEGIN
  IF h IS NOT NULL AND h IS DISTINCT FROM body_value THEN
    RAISE EXCEPTION 'INVALID_ARGUMENT' USING ERRCODE = 'PT400', DETAIL = header || ' is not backed by the signed body';
  END IF;
END $$;

CREATE FUNCTION peer.webhook_answer(p_event_id text, p_processed_at timestamptz) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('ok', true, 'event_id', p_event_id,
    'processed_at', to_char(p_processed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'))
$$;

-- What a payment's money is in its escrow's counters: (paid, to_repay).
CREATE FUNCTION peer.payment_money(p_status text, p_amount numeric, OUT paid numeric, OUT to_repay numeric)
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_status IN ('SENT', 'SETTLED') THEN p_amount ELSE 0 END, CASE WHEN p_status = 'ERROR' THEN p_amount ELSE 0 END
$$;

CREATE FUNCTION peer.psp_webhook(p_body text, p_signature text DEFAULT NULL, p_ts text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE secret text := nullif(current_setting('peer.psp_webhook_secret', true), '');
        previous text := nullif(current_setting('peer.psp_webhook_secret_previous', true), '');
        skew int := coalesce(nullif(current_setting('peer.psp_webhook_skew_s', true), '')::int, 300);
        headers jsonb; b jsonb; ev_id text; kind text; ref text; processed timestamptz; expected text;
        e peer.agreement; p peer.psp_payment; to_status text; before_m record; after_m record;
BEGIN
  IF secret IS NULL THEN RAISE EXCEPTION 'PSP_SECRET_MISSING' USING ERRCODE = 'PT500'; END IF;
  IF p_body IS NULL THEN RAISE EXCEPTION 'INVALID_ARGUMENT' USING ERRCODE = 'PT400'; END IF;
  IF octet_length(p_body) > 262144 THEN RAISE EXCEPTION 'PAYLOAD_TOO_LARGE' USING ERRCODE = 'PT413'; END IF;
  IF octet_length(p_signature) > 256 OR octet_length(p_ts) > 256 THEN RAISE EXCEPTION 'INVALID_SIGNATURE' USING ERRCODE = 'PT401'; END IF;
  IF coalesce(p_signature, '') = '' THEN RAISE EXCEPTION 'INVALID_SIGNATURE' USING ERRCODE = 'PT401', DETAIL = 'signature-missing'; END IF;
  IF coalesce(p_ts, '') = '' THEN RAISE EXCEPTION 'INVALID_SIGNATURE' USING ERRCODE = 'PT401', DETAIL = 'timestamp-missing'; END IF;
  IF p_ts !~ '^[0-9]{1,20}(\.[0-9]+)?$' THEN RAISE EXCEPTION 'INVALID_SIGNATURE' USING ERRCODE = 'PT401', DETAIL = 'timestamp-invalid'; END IF;
  IF abs(p_ts::numeric - extract(epoch FROM now())) > skew THEN
    RAISE EXCEPTION 'INVALID_SIGNATURE' USING ERRCODE = 'PT401', DETAIL = 'timestamp-skew';
  END IF;
  expected := encode(hmac(p_ts || '.' || p_body, secret, 'sha256'), 'hex');
  IF lower(p_signature) <> expected
     AND (previous IS NULL OR lower(p_signature) <> encode(hmac(p_ts || '.' || p_body, previous, 'sha256'), 'hex')) THEN
    RAISE EXCEPTION 'INVALID_SIGNATURE' USING ERRCODE = 'PT401', DETAIL = 'hmac-mismatch';
  END IF;

  BEGIN
    b := p_body::jsonb;
  EXCEPTION WHEN invalid_text_representation THEN
    RAISE EXCEPTION 'INVALID_JSON' USING ERRCODE = 'PT400';
  END;
  IF jsonb_typeof(b) <> 'object' THEN RAISE EXCEPTION 'INVALID_JSON' USING ERRCODE = 'PT400'; END IF;
  ev_id := coalesce(peer.body_field(b, 'id'), peer.body_field(b, 'event_id'), encode(digest(p_body, 'sha1'), 'hex'));
  kind := left(coalesce(peer.body_field(b, 'type'), peer.body_field(b, 'event'), 'unknown'), 50);
  IF btrim(kind) = '' THEN kind := 'unknown'; END IF;
  ref := coalesce(peer.body_field(b, 'psp_ref'), peer.body_field(b, 'payment_reference'));
  IF coalesce(current_setting('request.headers', true), '') <> '' THEN
    headers := current_setting('request.headers', true)::jsonb;
    PERFORM peer.require_header_backed(headers, 'x-psp-event-id', coalesce(peer.body_field(b, 'id'), peer.body_field(b, 'event_id')));
    PERFORM peer.require_header_backed(headers, 'x-psp-ref', ref);
  END IF;
  IF char_length(ev_id) > 100 THEN RAISE EXCEPTION 'INVALID_ARGUMENT' USING ERRCODE = 'PT400', DETAIL = 'event_id'; END IF;

  SELECT processed_at INTO processed FROM peer.webhook_event WHERE event_id = ev_id;
  IF FOUND THEN RETURN peer.webhook_answer(ev_id, processed); END IF;
  INSERT INTO peer.webhook_event (event_id, psp_ref, kind, raw, processed_at) VALUES (ev_id, ref, kind, b, now())
    ON CONFLICT (event_id) DO NOTHING RETURNING processed_at INTO processed;
  IF NOT FOUND THEN   -- a concurrent delivery stored it first, and committed
    SELECT processed_at INTO processed FROM peer.webhook_event WHERE event_id = ev_id;
    RETURN peer.webhook_answer(ev_id, processed);
  END IF;

  IF kind IN ('payment.settled', 'payment_succeeded') THEN to_status := 'SETTLED';
  ELSIF kind IN ('payment.failed', 'payment_failed') THEN to_status := 'ERROR';
  END IF;
  IF to_status IS NULL OR ref IS NULL THEN RETURN peer.webhook_answer(ev_id, processed); END IF;
  SELECT * INTO p FROM peer.psp_payment WHERE psp_ref = ref;
  IF NOT FOUND THEN RETURN peer.webhook_answer(ev_id, processed); END IF;
  SELECT * INTO e FROM peer.agreement WHERE id = p.escrow_id FOR UPDATE;
  SELECT * INTO p FROM peer.psp_payment WHERE id = p.id FOR UPDATE;
  IF p.status = to_status THEN
    NULL;   -- settled or failed again: nothing changes
  ELSIF p.status = 'REFUNDED' OR (p.status = 'SETTLED' AND to_status = 'ERROR') THEN
    INSERT INTO peer.alert (type, message, payload) VALUES ('PSP_EVENT_CONTRADICTS_PAYMENT',
      'A PSP event contradicts the payment''s final status; the status was kept.',
      jsonb_build_object('event_id', ev_id, 'psp_ref', ref, 'kind', kind, 'payment_id', p.id, 'payment_status', p.status));
  ELSE
    before_m := peer.payment_money(p.status, p.amount);
    after_m := peer.payment_money(to_status, p.amount);
    UPDATE peer.psp_payment SET status = to_status WHERE id = p.id;
    IF before_m IS DISTINCT FROM after_m THEN
      UPDATE peer.agreement SET paid = paid + after_m.paid - before_m.paid, to_repay = to_repay + after_m.to_repay - before_m.to_repay,
                                updated_at = now()
        WHERE id = e.id RETURNING * INTO e;
    END IF;
    IF p.status = 'PENDING' THEN
      INSERT INTO peer.agreement_event (escrow_id, kind, data) VALUES (e.id, CASE to_status WHEN 'SETTLED' THEN 'PAYMENT_SETTLED' ELSE 'PAYMENT_FAILED' END,
        jsonb_build_object('payment_id', p.id, 'amount', p.amount, 'psp_ref', ref, 'from', p.status));
    END IF;
    IF to_status = 'ERROR' THEN
      INSERT INTO peer.alert (type, message, payload) VALUES ('PAYMENT_TO_REPAY', 'A payment failed: its amount is to be repaid.',
        jsonb_build_object('event_id', ev_id, 'escrow_id', e.id, 'payment_id', p.id, 'amount', p.amount, 'escrow_status', e.status));
    ELSIF after_m.paid > before_m.paid AND e.paid > e.deposited THEN
      INSERT INTO peer.alert (type, message, payload) VALUES ('ESCROW_OVERDRAWN', 'A settled payment took the escrow beyond its deposits.',
        jsonb_build_object('event_id', ev_id, 'escrow_id', e.id, 'payment_id', p.id, 'deposited_amount', e.deposited, 'paid_amount', e.paid));
    END IF;
  END IF;
  RETURN peer.webhook_answer(ev_id, processed);
END $$;

-- Data shaped like bench/setup.sql's: 1 000 FUNDED escrows of 1.00, each with a SENT payment of
-- 1.00 (the one spend they paid), to be settled by signed events.
DO $$ BEGIN
  EXECUTE format('ALTER DATABASE %I SET peer.psp_webhook_secret = %L', current_database(), 'bench-psp-secret');
END $$;
CREATE TABLE peer.bench_psp (n int PRIMARY KEY, psp_ref text NOT NULL);
WITH e AS (
  INSERT INTO peer.agreement (client_id, provider_id, amount_total, currency, status, deadline_at, deposited, paid)
  SELECT n, n + 1000, 1.00, 'USD', 'FUNDED', now() + interval '1 day', 1.00, 1.00 FROM generate_series(1, 1000) n RETURNING id),
p AS (
  INSERT INTO peer.psp_payment (escrow_id, amount, status, psp_ref) SELECT id, 1.00, 'SENT', 'PSP-' || gen_random_uuid() FROM e
  RETURNING psp_ref)
INSERT INTO peer.bench_psp SELECT row_number() OVER (), psp_ref FROM p;
CREATE SEQUENCE peer.event_seq;        -- fresh event ids 'peer-evt-<n>'
