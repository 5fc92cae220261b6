-- The peer of kobatela.create_purchase (src/api/purchases.cpp, src/store/mandate_store.cpp,
-- src/core/purchase_plan.cpp, src/core/spend_rules.cpp): the same rules as a DBA would write them in
-- plain PL/pgSQL, on tables with the generic to_jsonb audit trigger. Needs bench/peer_spend.sql and
-- bench/peer_common.sql loaded first. Measured against bench/create_purchase.pgbench by
-- bench/peer_create_purchase.pgbench (bench/run.sh).
--
-- Rules peer.create_purchase checks, in Kobatela's order:
--   * sender, merchant, amount and currency given (INVALID_ARGUMENT); the amount > 0, two decimals at
--     most, 16 integer digits at most (INVALID_AMOUNT); the currency enabled (UNSUPPORTED_CURRENCY)
--     and the amount no finer than its minor unit (FRACTIONAL_AMOUNT); the beneficiary is the
--     sender when not given; the idempotency key non-blank, at most 64 characters;
--   * the key's purchase, if any: a replay returns it when it asked for the same purchase (mandate
--     sender, beneficiary, merchant, amount, currency, and category when one is given), else
--     IDEMPOTENCY_CONFLICT; keys are unique per owner (NULL: the platform, as for a superuser);
--   * the merchant exists (MERCHANT_NOT_FOUND), a given category exists (CATEGORY_NOT_FOUND); the
--     purchase's category is the given one, else the merchant's;
--   * the covering mandate: the sender's ACTIVE mandate for the beneficiary in this currency that
--     has not expired (MANDATE_REQUIRED); its merchant restriction (MANDATE_MERCHANT_FORBIDDEN), its
--     category restriction (MANDATE_CATEGORY_FORBIDDEN);
--   * a certified merchant, or an allowed-usage rule of the beneficiary, of the platform or of the
--     mandate's sender, naming the merchant or the category (UNAUTHORIZED_USAGE);
--   * the mandate locked (purchases under one mandate run one at a time); under the lock, a purchase
--     with this key committed meanwhile is a replay (or a conflict); the mandate judged at the
--     moment the lock was granted: not ACTIVE, expired, or less left than the amount
--     (MANDATE_CONFLICT); spending exactly what was left makes it CONSUMED;
--   * the purchase inserted COMPLETED (ON CONFLICT on the key: a concurrent twin is judged again),
--     the mandate's total_spent and status updated: two audited writes, as Kobatela's.
-- Not modelled: API keys, scopes and the party check (the benchmark runs as a superuser, for which
-- Kobatela's check reads session state only), PostgREST's Idempotency-Key header.

CREATE TABLE peer.category (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code text NOT NULL UNIQUE, label text NOT NULL);
CREATE TABLE peer.merchant (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL UNIQUE,
  category_id bigint REFERENCES peer.category, is_certified boolean NOT NULL DEFAULT false);
CREATE TABLE peer.mandate (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sender_id bigint NOT NULL REFERENCES peer.app_user, beneficiary_id bigint NOT NULL REFERENCES peer.app_user,
  total_amount numeric(18,2) NOT NULL CHECK (total_amount > 0), total_spent numeric(18,2) NOT NULL DEFAULT 0,
  currency text NOT NULL REFERENCES peer.currency (code), allowed_category_id bigint REFERENCES peer.category,
  allowed_merchant_id bigint REFERENCES peer.merchant, expires_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'ACTIVE', CHECK (total_spent >= 0 AND total_spent <= total_amount));
-- One ACTIVE mandate per (sender, beneficiary, currency), and the covering mandate's look-up.
CREATE UNIQUE INDEX ON peer.mandate (sender_id, beneficiary_id, currency) WHERE status = 'ACTIVE';
CREATE TABLE peer.allowed_usage (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner_id bigint NOT NULL REFERENCES peer.app_user, sender_id bigint REFERENCES peer.app_user,
  merchant_id bigint REFERENCES peer.merchant, category_id bigint REFERENCES peer.category,
  CHECK (num_nonnulls(merchant_id, category_id) = 1));
CREATE INDEX ON peer.allowed_usage (owner_id);
CREATE TABLE peer.purchase (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  beneficiary_id bigint NOT NULL REFERENCES peer.app_user, merchant_id bigint NOT NULL REFERENCES peer.merchant,
  category_id bigint REFERENCES peer.category, mandate_id bigint REFERENCES peer.mandate,
  amount numeric(18,2) NOT NULL CHECK (amount > 0), currency text NOT NULL, status text NOT NULL,
  idempotency_key text, idempotency_owner bigint, created_at timestamptz NOT NULL DEFAULT now());
CREATE UNIQUE INDEX purchase_key ON peer.purchase (idempotency_key, idempotency_owner) NULLS NOT DISTINCT
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX ON peer.purchase (mandate_id);
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON peer.category FOR EACH ROW EXECUTE FUNCTION peer.audit_trg();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON peer.merchant FOR EACH ROW EXECUTE FUNCTION peer.audit_trg();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON peer.mandate FOR EACH ROW EXECUTE FUNCTION peer.audit_trg();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON peer.allowed_usage FOR EACH ROW EXECUTE FUNCTION peer.audit_trg();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON peer.purchase FOR EACH ROW EXECUTE FUNCTION peer.audit_trg();

-- The key's purchase, if it asked for the same one (else IDEMPOTENCY_CONFLICT); NULL when none.
CREATE FUNCTION peer.purchase_replay(p_key text, p_sender bigint, p_beneficiary bigint, p_merchant bigint,
                                     p_amount numeric, p_currency text, p_category bigint) RETURNS peer.purchase
LANGUAGE plpgsql AS $$
DECLARE f peer.purchase; mandate_sender bigint;
BEGIN
  IF p_key IS NULL THEN RETURN NULL; END IF;
  SELECT * INTO f FROM peer.purchase WHERE idempotency_key = p_key AND idempotency_owner IS NULL;
  IF NOT FOUND THEN RETURN NULL; END IF;
  SELECT sender_id INTO mandate_sender FROM peer.mandate WHERE id = f.mandate_id;
  IF f.beneficiary_id <> p_beneficiary OR f.merchant_id <> p_merchant OR f.amount <> p_amount OR f.currency <> p_currency
     OR (p_category IS NOT NULL AND f.category_id IS DISTINCT FROM p_category) OR mandate_sender IS DISTINCT FROM p_sender THEN
    RAISE EXCEPTION 'IDEMPOTENCY_CONFLICT' USING ERRCODE = 'PT409';
  END IF;
  RETURN f;
END $$;

CREATE FUNCTION peer.create_purchase(p_sender bigint, p_merchant bigint, p_amount numeric, p_currency text DEFAULT 'USD',
                                     p_category bigint DEFAULT NULL, p_beneficiary bigint DEFAULT NULL,
                                     p_key text DEFAULT NULL) RETURNS peer.purchase
LANGUAGE plpgsql AS $$
DECLARE cur peer.currency; mer peer.merchant; m peer.mandate; f peer.purchase; cat bigint; now_at timestamptz;
        spent numeric; attempt int;
BEGIN
  IF p_sender IS NULL OR p_merchant IS NULL OR p_currency IS NULL THEN RAISE EXCEPTION 'INVALID_ARGUMENT' USING ERRCODE = 'PT400'; END IF;
  SELECT * INTO cur FROM peer.currency WHERE code = p_currency AND enabled;
  IF NOT FOUND THEN RAISE EXCEPTION 'UNSUPPORTED_CURRENCY' USING ERRCODE = 'PT400'; END IF;
  PERFORM peer.check_amount(p_amount, cur.minor_units);
  p_beneficiary := coalesce(p_beneficiary, p_sender);
  PERFORM peer.check_key(p_key);
  FOR attempt IN 1 .. 2 LOOP
    f := peer.purchase_replay(p_key, p_sender, p_beneficiary, p_merchant, p_amount, p_currency, p_category);
    IF f.id IS NOT NULL THEN RETURN f; END IF;
    SELECT * INTO mer FROM peer.merchant WHERE id = p_merchant;
    IF NOT FOUND THEN RAISE EXCEPTION 'MERCHANT_NOT_FOUND' USING ERRCODE = 'PT404'; END IF;
    IF p_category IS NOT NULL AND NOT EXISTS (SELECT 1 FROM peer.category WHERE id = p_category) THEN
      RAISE EXCEPTION 'CATEGORY_NOT_FOUND' USING ERRCODE = 'PT404';
    END IF;
    cat := coalesce(p_category, mer.category_id);
    SELECT * INTO m FROM peer.mandate WHERE sender_id = p_sender AND beneficiary_id = p_beneficiary AND currency = p_currency
      AND status = 'ACTIVE' AND expires_at > clock_timestamp() ORDER BY expires_at, id LIMIT 1;
    IF NOT FOUND THEN RAISE EXCEPTION 'MANDATE_REQUIRED' USING ERRCODE = 'PT403'; END IF;
    IF m.allowed_merchant_id IS NOT NULL AND m.allowed_merchant_id <> p_merchant THEN
      RAISE EXCEPTION 'MANDATE_MERCHANT_FORBIDDEN' USING ERRCODE = 'PT403';
    END IF;
    IF m.allowed_category_id IS NOT NULL AND cat IS DISTINCT FROM m.allowed_category_id THEN
      RAISE EXCEPTION 'MANDATE_CATEGORY_FORBIDDEN' USING ERRCODE = 'PT403';
    END IF;
    IF NOT mer.is_certified AND NOT EXISTS (
         SELECT 1 FROM peer.allowed_usage u WHERE u.owner_id = p_beneficiary AND (u.sender_id IS NULL OR u.sender_id = p_sender)
           AND (u.merchant_id = p_merchant OR u.category_id = cat)) THEN
      RAISE EXCEPTION 'UNAUTHORIZED_USAGE' USING ERRCODE = 'PT403';
    END IF;
    -- Under the mandate's lock, as the previous holder left it, judged at the moment it was granted.
    SELECT * INTO m FROM peer.mandate WHERE id = m.id FOR UPDATE;
    now_at := clock_timestamp();
    f := peer.purchase_replay(p_key, p_sender, p_beneficiary, p_merchant, p_amount, p_currency, p_category);
    IF f.id IS NOT NULL THEN RETURN f; END IF;
    IF m.status <> 'ACTIVE' OR now_at >= m.expires_at THEN RAISE EXCEPTION 'MANDATE_CONFLICT' USING ERRCODE = 'PT409'; END IF;
    spent := m.total_spent + p_amount;
    IF spent > m.total_amount THEN RAISE EXCEPTION 'MANDATE_CONFLICT' USING ERRCODE = 'PT409'; END IF;
    INSERT INTO peer.purchase (beneficiary_id, merchant_id, category_id, mandate_id, amount, currency, status,
                               idempotency_key, created_at)
      VALUES (p_beneficiary, p_merchant, cat, m.id, p_amount, p_currency, 'COMPLETED', p_key, now_at)
      ON CONFLICT (idempotency_key, idempotency_owner) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING * INTO f;
    IF f.id IS NOT NULL THEN
      UPDATE peer.mandate SET total_spent = spent, status = CASE WHEN spent = total_amount THEN 'CONSUMED' ELSE status END
        WHERE id = m.id;
      RETURN f;
    END IF;
  END LOOP;
  RAISE EXCEPTION 'IDEMPOTENCY_CONFLICT' USING ERRCODE = 'PT409';
END $$;

-- Data shaped like bench/spend_setup.sql's: a groceries category, 10 grocers in it (not certified,
-- so every purchase reads the beneficiary's rules), 1 000 mandates of 1 000 000 000.00 USD for five
-- years, one per (sender n, beneficiary n + 1000), each beneficiary allowed the category.
INSERT INTO peer.category (code, label) VALUES ('BENCH_GROCERIES', 'Groceries (benchmark)');
INSERT INTO peer.merchant (name, category_id) SELECT 'bench grocer ' || k, c.id FROM peer.category c, generate_series(1, 10) k;
INSERT INTO peer.mandate (sender_id, beneficiary_id, total_amount, currency, allowed_category_id, expires_at)
SELECT n, n + 1000, 1000000000.00, 'USD', c.id, now() + interval '5 years' FROM peer.category c, generate_series(1, 1000) n;
INSERT INTO peer.allowed_usage (owner_id, category_id) SELECT n + 1000, c.id FROM peer.category c, generate_series(1, 1000) n;
CREATE SEQUENCE peer.purchase_seq;     -- fresh idempotency keys 'p<n>'
CREATE TABLE peer.bench_mandate (n int PRIMARY KEY, sender_id bigint NOT NULL, beneficiary_id bigint NOT NULL, merchant_id bigint NOT NULL);
INSERT INTO peer.bench_mandate
SELECT n, n, n + 1000, (SELECT id FROM peer.merchant WHERE name = 'bench grocer ' || (1 + n % 10)) FROM generate_series(1, 1000) n;
