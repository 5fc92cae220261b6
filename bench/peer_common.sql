-- What the PL/pgSQL peers of create_purchase, escrow_deposit and psp_webhook share
-- (bench/peer_create_purchase.sql, bench/peer_escrow_deposit.sql, bench/peer_psp_webhook.sql): users,
-- currencies, escrow agreements with Kobatela's counters and their events, the money checks every
-- call makes, and the data both sides are given. Loaded after bench/peer_spend.sql, whose schema
-- `peer`, audit table `peer.audit` and generic to_jsonb audit trigger `peer.audit_trg()` every peer
-- table uses (peer_spend.sql's own escrow, payee, payment and event tables are spend's alone: that
-- file is the project's shared baseline and stays byte-identical to it).
--
-- The tables have what a DBA would give them: primary keys, the foreign keys and uniqueness the
-- rules rely on, the indexes the calls read by, and the few CHECKs that keep money sane; every one
-- carries the audit trigger.
CREATE SCHEMA IF NOT EXISTS peer;

CREATE TABLE peer.app_user (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, username text NOT NULL UNIQUE,
  is_active boolean NOT NULL DEFAULT true);
CREATE TABLE peer.currency (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code text NOT NULL UNIQUE, minor_units int NOT NULL, enabled boolean NOT NULL DEFAULT true);
CREATE TABLE peer.agreement (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  client_id bigint NOT NULL REFERENCES peer.app_user, provider_id bigint NOT NULL REFERENCES peer.app_user,
  amount_total numeric(18,2) NOT NULL CHECK (amount_total > 0), currency text NOT NULL REFERENCES peer.currency (code),
  status text NOT NULL DEFAULT 'DRAFT', deadline_at timestamptz NOT NULL,
  deposited numeric(18,2) NOT NULL DEFAULT 0, paid numeric(18,2) NOT NULL DEFAULT 0,
  refunded numeric(18,2) NOT NULL DEFAULT 0, to_repay numeric(18,2) NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (deposited >= 0 AND deposited <= amount_total));
CREATE INDEX ON peer.agreement (client_id);
CREATE TABLE peer.agreement_event (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  escrow_id bigint NOT NULL REFERENCES peer.agreement, kind text NOT NULL, data jsonb NOT NULL,
  at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ON peer.agreement_event (escrow_id, at);
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON peer.app_user FOR EACH ROW EXECUTE FUNCTION peer.audit_trg();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON peer.currency FOR EACH ROW EXECUTE FUNCTION peer.audit_trg();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON peer.agreement FOR EACH ROW EXECUTE FUNCTION peer.audit_trg();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON peer.agreement_event FOR EACH ROW EXECUTE FUNCTION peer.audit_trg();

-- An amount as Kobatela's arguments take it: not NULL, > 0, at most two decimals (never rounded),
-- at most 16 integer digits (INVALID_AMOUNT), and no finer than its currency's minor unit
-- (FRACTIONAL_AMOUNT).
CREATE FUNCTION peer.check_amount(p_amount numeric, p_minor_units int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_amount IS NULL OR p_amount <= 0 OR p_amount <> round(p_amount, 2) OR p_amount >= 1e16 THEN
    RAISE EXCEPTION 'INVALID_AMOUNT' USING ERRCODE = 'PT400';
  END IF;
  IF p_amount <> round(p_amount, p_minor_units) THEN RAISE EXCEPTION 'FRACTIONAL_AMOUNT' USING ERRCODE = 'PT400'; END IF;
END $$;

-- An idempotency key: NULL, or non-blank text of at most 64 characters.
CREATE FUNCTION peer.check_key(p_key text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_key IS NOT NULL AND (btrim(p_key) = '' OR char_length(p_key) > 64) THEN
    RAISE EXCEPTION 'INVALID_ARGUMENT' USING ERRCODE = 'PT400', DETAIL = 'idempotency_key';
  END IF;
END $$;

INSERT INTO peer.currency (code, minor_units) VALUES ('USD', 2), ('EUR', 2);
-- Users: 1 000 senders and 1 000 receivers (ids n and n + 1000), as bench/setup.sql makes them.
INSERT INTO peer.app_user (username) SELECT 'sender' || n FROM generate_series(1, 1000) n;
INSERT INTO peer.app_user (username) SELECT 'receiver' || n FROM generate_series(1, 1000) n;
