-- data_model.sql — the data model of spec.md §1 as a contract.
--
-- The rules are checked through catalog queries over every table of schema kobatela, so a table or
-- column added later is held to the same rules without touching this file. Constraint behaviour is
-- checked with plain INSERTs (the test runs as superuser, in a transaction that is rolled back).
BEGIN;
SELECT plan(69);

-- ---------------------------------------------------------------------------------------------
-- Tables and enums
-- ---------------------------------------------------------------------------------------------
SELECT tables_are('kobatela', ARRAY[
    'users', 'api_keys', 'audit_log', 'alerts', 'transactions', 'allowed_recipients',
    'certified_accounts', 'escrow_agreements', 'escrow_deposits', 'escrow_events', 'milestones',
    'proofs', 'payments', 'psp_webhook_events', 'usage_mandates', 'allowed_payees',
    'spend_categories', 'merchants', 'allowed_usages', 'purchases', 'currencies', 'purchase_refunds', 'events',
    'payout_transmissions'],
    'schema kobatela has exactly the 20 tables of spec.md §1, currencies, purchase_refunds (issue 14), events and payout_transmissions (issue 16)');

SELECT enums_are('kobatela', ARRAY[
    'api_scope', 'certification_level', 'transaction_status', 'escrow_status', 'milestone_status',
    'proof_status', 'payment_status', 'mandate_status', 'purchase_status', 'payment_kind', 'transmission_state'],
    'schema kobatela has exactly the 9 enum types of spec.md §1, payment_kind (issue 14) and transmission_state (issue 16)');

SELECT enum_has_labels('kobatela', 'api_scope', ARRAY['sender', 'support', 'admin', 'worker'],
    'api_scope labels, in order (worker since 0.8.0)');
SELECT enum_has_labels('kobatela', 'certification_level', ARRAY['BASIC', 'GOLD'],
    'certification_level labels, in order');
SELECT enum_has_labels('kobatela', 'transaction_status', ARRAY['PENDING', 'COMPLETED', 'REJECTED', 'FAILED'],
    'transaction_status labels, in order');
SELECT enum_has_labels('kobatela', 'escrow_status',
    ARRAY['DRAFT', 'FUNDED', 'RELEASABLE', 'RELEASED', 'REFUNDED', 'CANCELLED'],
    'escrow_status labels, in order');
SELECT enum_has_labels('kobatela', 'milestone_status',
    ARRAY['WAITING', 'PENDING_REVIEW', 'APPROVED', 'REJECTED', 'PAYING', 'PAID', 'RELEASED', 'CANCELLED'],
    'milestone_status labels, in order (RELEASED and CANCELLED since 0.6.0)');
SELECT enum_has_labels('kobatela', 'proof_status', ARRAY['PENDING', 'APPROVED', 'REJECTED'],
    'proof_status labels, in order');
SELECT enum_has_labels('kobatela', 'payment_status', ARRAY['PENDING', 'SENT', 'SETTLED', 'ERROR', 'REFUNDED'],
    'payment_status labels, in order');
SELECT enum_has_labels('kobatela', 'payment_kind', ARRAY['MILESTONE', 'PAYEE', 'RELEASE', 'REFUND'],
    'payment_kind labels, in order');
SELECT enum_has_labels('kobatela', 'transmission_state', ARRAY['QUEUED', 'CLAIMED', 'TRANSMITTED', 'ABANDONED'],
    'transmission_state labels, in order');
SELECT enum_has_labels('kobatela', 'mandate_status', ARRAY['ACTIVE', 'EXPIRED', 'CONSUMED'],
    'mandate_status labels, in order');
SELECT enum_has_labels('kobatela', 'purchase_status', ARRAY['AUTHORIZED', 'COMPLETED', 'REJECTED'],
    'purchase_status labels, in order');

-- ---------------------------------------------------------------------------------------------
-- Column types, over every table (catalog queries)
-- ---------------------------------------------------------------------------------------------
-- Every user column of every kobatela table, with its type resolved through domains.
CREATE TEMP VIEW kobatela_columns AS
SELECT c.relname::text                                    AS table_name,
       a.attname::text                                    AS column_name,
       -- a domain's column as its base type (kobatela.positive_money: numeric(18,2))
       CASE WHEN t.typbasetype <> 0 THEN format_type(t.typbasetype, t.typtypmod)
            ELSE format_type(a.atttypid, a.atttypmod) END AS column_type,
       a.atttypid                                         AS type_oid,
       coalesce(nullif(t.typbasetype, 0), t.oid)::regtype AS base_type,
       a.attnotnull                                       AS not_null,
       a.attidentity                                      AS identity,
       pg_get_expr(d.adbin, d.adrelid)                    AS default_expr
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
 WHERE c.relnamespace = 'kobatela'::regnamespace
   AND c.relkind IN ('r', 'p');

SELECT is_empty(
    $$SELECT table_name, column_name, column_type FROM kobatela_columns
       WHERE column_name IN ('amount', 'total_amount', 'amount_total', 'daily_limit', 'total_limit',
                             'spent_today', 'spent_total', 'total_spent')
         AND column_type <> 'numeric(18,2)'$$,
    'every money column (amount, total_amount, amount_total, limits, spent_*) of every table is numeric(18,2)');

SELECT set_has(
    $$SELECT table_name, column_name FROM kobatela_columns
       WHERE column_name IN ('amount', 'total_amount', 'amount_total', 'daily_limit', 'total_limit',
                             'spent_today', 'spent_total', 'total_spent')$$,
    $$VALUES ('transactions', 'amount'), ('escrow_agreements', 'amount_total'),
             ('escrow_deposits', 'amount'), ('milestones', 'amount'), ('payments', 'amount'),
             ('usage_mandates', 'total_amount'), ('usage_mandates', 'total_spent'),
             ('allowed_payees', 'daily_limit'), ('allowed_payees', 'total_limit'),
             ('allowed_payees', 'spent_today'), ('allowed_payees', 'spent_total'),
             ('purchases', 'amount'), ('purchase_refunds', 'amount')$$,
    'the money columns of spec.md §1 (and of purchase_refunds) are all found by the catalog query');

SELECT is_empty(
    $$SELECT table_name, column_name, column_type FROM kobatela_columns
       WHERE base_type = 'numeric'::regtype AND column_type <> 'numeric(18,2)'$$,
    'no numeric column of any table has another precision than numeric(18,2)');

SELECT is_empty(
    $$SELECT table_name, column_name, column_type FROM kobatela_columns
       WHERE base_type IN ('real'::regtype, 'double precision'::regtype, 'money'::regtype)
         AND NOT (table_name = 'milestones'
                  AND column_name IN ('geofence_lat', 'geofence_lng', 'geofence_radius_m'))$$,
    'no column is float4/float8/money except the geofence coordinates of milestones');

SELECT is_empty(
    $$SELECT table_name, column_name, column_type FROM kobatela_columns
       WHERE base_type = 'json'::regtype
         AND NOT (table_name = 'audit_log' AND column_name = 'changes')$$,
    'JSON columns are jsonb, never json, but the audit record''s changes (json keeps the bytes that are hashed)');

SELECT is_empty(
    $$SELECT c.relname FROM pg_class c
       WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind IN ('r', 'p')
         AND (NOT EXISTS (SELECT FROM kobatela_columns k
                           WHERE k.table_name = c.relname AND k.column_name = 'id'
                             AND k.column_type = 'bigint' AND k.identity = 'a')
              OR NOT EXISTS (SELECT FROM pg_index i JOIN pg_attribute a
                                  ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                              WHERE i.indrelid = c.oid AND i.indisprimary AND i.indnatts = 1
                                AND a.attname = 'id'))$$,
    'every table has id bigint GENERATED ALWAYS AS IDENTITY as its primary key');

SELECT is_empty(
    $$SELECT table_name, column_name, column_type FROM kobatela_columns
       WHERE column_name = 'currency'
         AND NOT EXISTS (
             SELECT FROM pg_constraint k
              WHERE k.conrelid = ('kobatela.' || table_name)::regclass AND k.contype = 'c'
                AND pg_get_constraintdef(k.oid) LIKE '%currency ~ ''^[A-Z]{3}$''%')
         AND NOT EXISTS (
             SELECT FROM pg_constraint k
              WHERE k.contypid = type_oid AND pg_get_constraintdef(k.oid) LIKE '%VALUE ~ ''^[A-Z]{3}$''%')$$,
    'every currency column is checked as 3 upper-case letters (by a CHECK or its domain)');

-- The tables every hot path writes carry their single-column rules as domains (sql/types.sql,
-- docs/performance.md "CHECK constraints"): only the rules that span two columns are CHECKs.
SELECT set_eq(
    $$SELECT conname::text FROM pg_constraint WHERE contype = 'c' AND conrelid = ANY (ARRAY[
          'kobatela.payments', 'kobatela.escrow_agreements', 'kobatela.escrow_deposits', 'kobatela.purchases',
          'kobatela.usage_mandates', 'kobatela.allowed_payees', 'kobatela.escrow_events',
          'kobatela.psp_webhook_events']::regclass[])$$,
    ARRAY['escrow_agreements_deposited_amount_check', 'payments_kind_check', 'usage_mandates_total_spent_check'],
    'the hot tables keep only their two-column CHECKs');
SELECT is_empty(
    $$SELECT table_name, column_name FROM kobatela_columns
       WHERE table_name IN ('payments', 'escrow_agreements', 'escrow_deposits', 'purchases', 'usage_mandates',
                            'allowed_payees', 'escrow_events', 'psp_webhook_events')
         AND (column_name IN ('amount', 'amount_total', 'total_amount', 'deposited_amount', 'paid_amount',
                              'refunded_amount', 'to_repay_amount', 'reserved_amount', 'daily_limit',
                              'total_limit', 'spent_today', 'spent_total', 'total_spent', 'currency',
                              'idempotency_key', 'payout_key', 'payee_ref', 'label', 'kind', 'event_id')
              OR (table_name = 'payments' AND column_name = 'psp_ref'))
         AND NOT (table_name = 'payments' AND column_name = 'kind')  -- an enum
         AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.contypid = type_oid)$$,
    'every column of the hot tables that had a single-column CHECK has a checked domain');
-- What each domain refuses, as the CHECK it replaces did.
SELECT throws_ok($$SELECT 0::kobatela.positive_money$$, '23514', NULL, 'positive_money refuses 0');
SELECT throws_ok($$SELECT (-0.01)::kobatela.nonnegative_money$$, '23514', NULL, 'nonnegative_money refuses -0.01');
SELECT throws_ok($$SELECT 'usd'::kobatela.currency_code$$, '23514', NULL, 'currency_code refuses lower case');
SELECT throws_ok($$SELECT '   '::kobatela.nonblank_text_64$$, '23514', NULL, 'nonblank_text_64 refuses blanks');
SELECT throws_ok($$SELECT repeat('x', 65)::kobatela.nonblank_text_64$$, '23514', NULL,
    'nonblank_text_64 refuses 65 characters');

-- ---------------------------------------------------------------------------------------------
-- created_at / updated_at and the touch_updated_at trigger, over every table
-- ---------------------------------------------------------------------------------------------
SELECT is_empty(
    $$SELECT c.relname, w.col FROM pg_class c
       CROSS JOIN (VALUES ('created_at'), ('updated_at')) AS w (col)
       WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind IN ('r', 'p')
         AND c.relname <> 'audit_log'
         AND NOT EXISTS (SELECT FROM kobatela_columns k
                          WHERE k.table_name = c.relname AND k.column_name = w.col
                            AND k.column_type = 'timestamp with time zone' AND k.not_null
                            AND k.default_expr = 'now()')$$,
    'every table but audit_log has created_at and updated_at timestamptz NOT NULL DEFAULT now()');

CREATE TEMP VIEW tables_without_touch AS
SELECT c.relname::text AS table_name
  FROM pg_class c
 WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind IN ('r', 'p')
   AND c.relname <> 'audit_log'
   AND NOT EXISTS (
       SELECT FROM pg_trigger g
        WHERE g.tgrelid = c.oid AND NOT g.tgisinternal AND g.tgenabled <> 'D'
          AND g.tgfoid = 'kobatela.touch_updated_at()'::regprocedure
          AND (g.tgtype & 1) = 1     -- FOR EACH ROW
          AND (g.tgtype & 2) = 2     -- BEFORE
          AND (g.tgtype & 16) = 16); -- UPDATE

SELECT is_empty('SELECT table_name FROM tables_without_touch',
    'no table but audit_log lacks a BEFORE UPDATE FOR EACH ROW trigger calling kobatela.touch_updated_at()');

SELECT is(
    (SELECT count(DISTINCT g.tgrelid)::int FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
      WHERE c.relnamespace = 'kobatela'::regnamespace
        AND g.tgfoid = 'kobatela.touch_updated_at()'::regprocedure
        AND (g.tgtype & 19) = 19),
    23,
    '23 tables (all but audit_log) carry the touch_updated_at trigger');

-- The event feed's trigger (sql/functions_events.sql) is on exactly the business tables of
-- core::event_sources() (src/core/events.cpp): AFTER, FOR EACH ROW, INSERT (and UPDATE OF status
-- where the table has a status).
SELECT set_eq(
    $$SELECT c.relname::text || CASE WHEN (g.tgtype & 16) = 16 THEN ' +status' ELSE '' END
      FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
      WHERE g.tgfoid = 'kobatela.event_row()'::regprocedure AND g.tgname = 'events' AND (g.tgtype & 7) = 5$$,
    ARRAY['users', 'transactions +status', 'escrow_agreements +status', 'escrow_deposits', 'milestones +status',
          'proofs +status', 'payments +status', 'usage_mandates +status', 'purchases +status', 'purchase_refunds'],
    'the events trigger: AFTER INSERT on every business table, OR UPDATE OF status where it has a status');

SELECT hasnt_column('kobatela', 'audit_log', 'updated_at',
    'audit_log (append-only) has no updated_at column');

-- ---------------------------------------------------------------------------------------------
-- pg_dump: every table and its identity sequence are extension configuration
-- ---------------------------------------------------------------------------------------------
SELECT is_empty(
    $$SELECT c.oid::regclass FROM pg_class c
       WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind IN ('r', 'p')
         AND NOT EXISTS (SELECT FROM pg_extension e
                          WHERE e.extname = 'kobatela' AND c.oid = ANY (e.extconfig))$$,
    'every table of schema kobatela is registered with pg_extension_config_dump');

SELECT is_empty(
    $$SELECT c.oid::regclass, pg_get_serial_sequence(c.oid::regclass::text, 'id')
        FROM pg_class c
       WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind IN ('r', 'p')
         AND NOT EXISTS (
             SELECT FROM pg_extension e
              WHERE e.extname = 'kobatela'
                AND pg_get_serial_sequence(c.oid::regclass::text, 'id')::regclass = ANY (e.extconfig))$$,
    'the identity sequence of every table is registered with pg_extension_config_dump');

SELECT is(
    (SELECT count(*)::int FROM pg_extension e, unnest(e.extconfig) AS r (oid)
      WHERE e.extname = 'kobatela'),
    (SELECT count(*)::int FROM pg_class c
      WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind IN ('r', 'p', 'S')),
    'extconfig holds exactly the tables and sequences of schema kobatela (no stray entry)');

-- ---------------------------------------------------------------------------------------------
-- Constraints at work
-- ---------------------------------------------------------------------------------------------
-- The rows below are written by hand, to see the constraints (and touch_updated_at) at work on
-- their own. Money rows are refused by hand (the audit trigger's books' guard, BOOKS_WRITE_REFUSED:
-- test/sql/books_guard.sql): the guarded tables written here have their audit trigger disabled, the
-- superuser's documented escape hatch, inside this transaction (rolled back at the end).
ALTER TABLE kobatela.escrow_agreements DISABLE TRIGGER audit;
ALTER TABLE kobatela.transactions DISABLE TRIGGER audit;
ALTER TABLE kobatela.usage_mandates DISABLE TRIGGER audit;
ALTER TABLE kobatela.milestones DISABLE TRIGGER audit;
INSERT INTO kobatela.users (username, email) VALUES
    ('tap_alice', 'tap_alice@example.com'), ('tap_bob', 'tap_bob@example.com');
INSERT INTO kobatela.spend_categories (code, label) VALUES ('TAP_FOOD', 'Food');
INSERT INTO kobatela.merchants (name) VALUES ('TAP Market');
INSERT INTO kobatela.escrow_agreements (client_id, provider_id, amount_total, currency, release_conditions, deadline_at)
SELECT a.id, b.id, 500, 'USD', '{}', now() + interval '30 days'
  FROM kobatela.users a, kobatela.users b WHERE a.username = 'tap_alice' AND b.username = 'tap_bob';

CREATE TEMP TABLE fx AS
SELECT (SELECT id FROM kobatela.users WHERE username = 'tap_alice')      AS alice,
       (SELECT id FROM kobatela.users WHERE username = 'tap_bob')        AS bob,
       (SELECT id FROM kobatela.spend_categories WHERE code = 'TAP_FOOD') AS food,
       (SELECT id FROM kobatela.merchants WHERE name = 'TAP Market')     AS market,
       (SELECT id FROM kobatela.escrow_agreements
         WHERE client_id = (SELECT id FROM kobatela.users WHERE username = 'tap_alice')) AS escrow;

-- transactions
SELECT throws_ok(
    $$INSERT INTO kobatela.transactions (sender_id, receiver_id, amount) SELECT alice, bob, 0 FROM fx$$,
    '23514', 'new row for relation "transactions" violates check constraint "transactions_amount_check"',
    'transactions: a zero amount violates transactions_amount_check');
SELECT throws_ok(
    $$INSERT INTO kobatela.transactions (sender_id, receiver_id, amount) SELECT alice, bob, -0.01 FROM fx$$,
    '23514', 'new row for relation "transactions" violates check constraint "transactions_amount_check"',
    'transactions: a negative amount violates transactions_amount_check');
SELECT throws_ok(
    $$INSERT INTO kobatela.transactions (sender_id, receiver_id, amount, currency) SELECT alice, bob, 1, 'usd' FROM fx$$,
    '23514', 'new row for relation "transactions" violates check constraint "transactions_currency_check"',
    'transactions: currency ''usd'' (lower case) violates transactions_currency_check');
SELECT lives_ok(
    $$INSERT INTO kobatela.transactions (sender_id, receiver_id, amount) SELECT alice, bob, 0.01 FROM fx$$,
    'transactions: the smallest positive amount 0.01 with the default currency is accepted');
SELECT is(
    (SELECT currency || ' ' || status FROM kobatela.transactions WHERE amount = 0.01),
    'USD PENDING',
    'transactions: currency defaults to USD and status to PENDING');
INSERT INTO kobatela.transactions (sender_id, receiver_id, amount, idempotency_key)
SELECT alice, bob, 12345678901234.56, 'tap-big' FROM fx;
SELECT is(
    (SELECT amount::text FROM kobatela.transactions WHERE idempotency_key = 'tap-big'),
    '12345678901234.56',
    'transactions: a 16-digit amount is stored exactly');

-- users: case-insensitive uniqueness
SELECT throws_ok(
    $$INSERT INTO kobatela.users (username, email) VALUES ('TAP_Alice', 'other@example.com')$$,
    '23505', 'duplicate key value violates unique constraint "users_username_key"',
    'users: username is unique case-insensitively');
SELECT throws_ok(
    $$INSERT INTO kobatela.users (username, email) VALUES ('tap_other', 'TAP_ALICE@Example.COM')$$,
    '23505', 'duplicate key value violates unique constraint "users_email_key"',
    'users: email is unique case-insensitively');
SELECT throws_ok(
    $$INSERT INTO kobatela.users (username, email) VALUES ('tap_other', 'not-an-address')$$,
    '23514', 'new row for relation "users" violates check constraint "users_email_check"',
    'users: an email that does not look like an address is refused');
SELECT is(
    (SELECT is_active FROM kobatela.users WHERE username = 'tap_alice'), true,
    'users: is_active defaults to true');

-- usage_mandates: partial unique index on ACTIVE mandates
INSERT INTO kobatela.usage_mandates (sender_id, beneficiary_id, total_amount, expires_at)
SELECT alice, bob, 100, now() + interval '1 day' FROM fx;
SELECT throws_ok(
    $$INSERT INTO kobatela.usage_mandates (sender_id, beneficiary_id, total_amount, expires_at)
      SELECT alice, bob, 50, now() + interval '2 days' FROM fx$$,
    '23505', 'duplicate key value violates unique constraint "usage_mandates_active_key"',
    'usage_mandates: a second ACTIVE mandate for the same (sender, beneficiary, currency) is refused');
SELECT lives_ok(
    $$INSERT INTO kobatela.usage_mandates (sender_id, beneficiary_id, total_amount, currency, expires_at)
      SELECT alice, bob, 50, 'EUR', now() + interval '2 days' FROM fx$$,
    'usage_mandates: an ACTIVE mandate in another currency is allowed');
UPDATE kobatela.usage_mandates SET status = 'EXPIRED' WHERE currency = 'USD' AND total_amount = 100;
SELECT lives_ok(
    $$INSERT INTO kobatela.usage_mandates (sender_id, beneficiary_id, total_amount, expires_at)
      SELECT alice, bob, 50, now() + interval '2 days' FROM fx$$,
    'usage_mandates: a new ACTIVE mandate is allowed once the first one is EXPIRED');
SELECT throws_ok(
    $$UPDATE kobatela.usage_mandates SET status = 'ACTIVE' WHERE status = 'EXPIRED'$$,
    '23505', 'duplicate key value violates unique constraint "usage_mandates_active_key"',
    'usage_mandates: the EXPIRED mandate cannot become ACTIVE again beside the new one');
SELECT throws_ok(
    $$UPDATE kobatela.usage_mandates SET total_spent = 50.01 WHERE currency = 'USD' AND status = 'ACTIVE'$$,
    '23514', 'new row for relation "usage_mandates" violates check constraint "usage_mandates_total_spent_check"',
    'usage_mandates: total_spent may not exceed total_amount');
SELECT is(
    (SELECT total_spent::text || ' ' || status FROM kobatela.usage_mandates WHERE currency = 'EUR'),
    '0.00 ACTIVE',
    'usage_mandates: total_spent defaults to 0.00 and status to ACTIVE');

-- allowed_usages: exactly one target
SELECT throws_ok(
    $$INSERT INTO kobatela.allowed_usages (owner_id) SELECT bob FROM fx$$,
    '23514', 'new row for relation "allowed_usages" violates check constraint "allowed_usages_target_check"',
    'allowed_usages: a rule with no target is refused');
SELECT throws_ok(
    $$INSERT INTO kobatela.allowed_usages (owner_id, merchant_id, category_id) SELECT bob, market, food FROM fx$$,
    '23514', 'new row for relation "allowed_usages" violates check constraint "allowed_usages_target_check"',
    'allowed_usages: a rule with both a merchant and a category is refused');
SELECT lives_ok(
    $$INSERT INTO kobatela.allowed_usages (owner_id, merchant_id) SELECT bob, market FROM fx;
      INSERT INTO kobatela.allowed_usages (owner_id, category_id) SELECT bob, food FROM fx$$,
    'allowed_usages: a merchant rule and a category rule for the same owner are both accepted');
SELECT throws_ok(
    $$INSERT INTO kobatela.allowed_usages (owner_id, merchant_id) SELECT bob, market FROM fx$$,
    '23505', 'duplicate key value violates unique constraint "allowed_usages_owner_id_sender_id_merchant_id_key"',
    'allowed_usages: the same (owner, merchant) rule twice is refused');

-- milestones: geofence all three or none, in range
SELECT throws_ok(
    $$INSERT INTO kobatela.milestones (escrow_id, idx, label, amount, geofence_lat)
      SELECT escrow, 1, 'lat only', 10, 5.3210 FROM fx$$,
    '23514', 'new row for relation "milestones" violates check constraint "milestones_geofence_check"',
    'milestones: a geofence with only a latitude is refused');
SELECT throws_ok(
    $$INSERT INTO kobatela.milestones (escrow_id, idx, label, amount, geofence_lat, geofence_lng)
      SELECT escrow, 1, 'no radius', 10, 5.3210, -4.0123 FROM fx$$,
    '23514', 'new row for relation "milestones" violates check constraint "milestones_geofence_check"',
    'milestones: a geofence without a radius is refused');
SELECT throws_ok(
    $$INSERT INTO kobatela.milestones (escrow_id, idx, label, amount, geofence_lat, geofence_lng, geofence_radius_m)
      SELECT escrow, 1, 'north of the pole', 10, 90.5, -4.0123, 200 FROM fx$$,
    '23514', 'new row for relation "milestones" violates check constraint "milestones_geofence_lat_check"',
    'milestones: a latitude above 90 is refused');
SELECT throws_ok(
    $$INSERT INTO kobatela.milestones (escrow_id, idx, label, amount, geofence_lat, geofence_lng, geofence_radius_m)
      SELECT escrow, 1, 'NaN radius', 10, 5.3210, -4.0123, 'NaN' FROM fx$$,
    '23514', 'new row for relation "milestones" violates check constraint "milestones_geofence_radius_m_check"',
    'milestones: a NaN radius is refused');
SELECT lives_ok(
    $$INSERT INTO kobatela.milestones (escrow_id, idx, label, amount, geofence_lat, geofence_lng, geofence_radius_m)
      SELECT escrow, 1, 'fenced', 10, 5.3210, -4.0123, 200 FROM fx$$,
    'milestones: a complete geofence is accepted');
SELECT lives_ok(
    $$INSERT INTO kobatela.milestones (escrow_id, idx, label, amount) SELECT escrow, 2, 'unfenced', 10 FROM fx$$,
    'milestones: no geofence at all is accepted');
SELECT throws_ok(
    $$INSERT INTO kobatela.milestones (escrow_id, idx, label, amount) SELECT escrow, 0, 'zero', 10 FROM fx$$,
    '23514', 'new row for relation "milestones" violates check constraint "milestones_idx_check"',
    'milestones: idx must be at least 1');
SELECT throws_ok(
    $$INSERT INTO kobatela.milestones (escrow_id, idx, label, amount) SELECT escrow, 2, 'again', 10 FROM fx$$,
    '23505', 'duplicate key value violates unique constraint "milestones_escrow_id_idx_key"',
    'milestones: idx is unique per escrow');
SELECT is(
    (SELECT proof_type || ' ' || validator || ' ' || status FROM kobatela.milestones WHERE label = 'unfenced'),
    'PHOTO SENDER WAITING',
    'milestones: proof_type, validator and status default to PHOTO, SENDER, WAITING');

-- ---------------------------------------------------------------------------------------------
-- updated_at is maintained by the trigger
-- ---------------------------------------------------------------------------------------------
INSERT INTO kobatela.users (username, email, created_at, updated_at)
VALUES ('tap_old', 'tap_old@example.com', now() - interval '2 days', now() - interval '2 days');
UPDATE kobatela.users SET is_active = false WHERE username = 'tap_old';
SELECT ok(
    (SELECT updated_at > now() AND updated_at <= clock_timestamp() FROM kobatela.users WHERE username = 'tap_old'),
    'users: an UPDATE moves updated_at forward to the moment of the change (after the transaction''s start)');
SELECT is(
    (SELECT created_at FROM kobatela.users WHERE username = 'tap_old'), now() - interval '2 days',
    'users: an UPDATE leaves created_at alone');
UPDATE kobatela.users SET updated_at = now() - interval '1 day' WHERE username = 'tap_old';
SELECT ok(
    (SELECT updated_at > now() AND updated_at <= clock_timestamp() FROM kobatela.users WHERE username = 'tap_old'),
    'users: an explicit updated_at in an UPDATE is overridden by the trigger');

INSERT INTO kobatela.alerts (type, message, created_at, updated_at)
VALUES ('TAP_OLD', 'An old alert.', now() - interval '3 days', now() - interval '3 days');
UPDATE kobatela.alerts SET message = 'An old alert, edited.' WHERE type = 'TAP_OLD';
SELECT ok(
    (SELECT updated_at > now() AND updated_at <= clock_timestamp() FROM kobatela.alerts WHERE type = 'TAP_OLD'),
    'alerts: an UPDATE moves updated_at forward to the moment of the change');
UPDATE kobatela.escrow_agreements SET status = 'FUNDED', updated_at = '2000-01-01'
 WHERE id = (SELECT escrow FROM fx);
SELECT ok(
    (SELECT updated_at > now() AND updated_at <= clock_timestamp() FROM kobatela.escrow_agreements
      WHERE id = (SELECT escrow FROM fx)),
    'escrow_agreements: after an UPDATE, updated_at is the moment of the change');

SELECT * FROM finish();
ROLLBACK;
