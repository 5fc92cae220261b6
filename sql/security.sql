-- Roles, privileges and row-level security (docs/security.md). Runs last, when every table and
-- function exists.
--
-- Writes happen only through the API functions (running as the extension owner, search_path pinned), which
-- check the caller's scope and parties in C++. Tables are granted for reading only, and RLS
-- decides which rows each scope sees: admin and support every row, a sender every row unless its
-- key is bound to a user, then only the rows where that user is a party.

-- One NOLOGIN role per scope, plus PostgREST's anonymous role. Roles belong to the cluster, not
-- to the database: existing ones (another database's Kobatela, a reinstall) are reused.
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['kobatela_admin', 'kobatela_sender', 'kobatela_support', 'kobatela_worker',
                                     'kobatela_anon'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
        END IF;
    END LOOP;
END $$;

-- PUBLIC gets nothing.
REVOKE ALL ON SCHEMA kobatela FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA kobatela FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA kobatela FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA kobatela FROM PUBLIC;
REVOKE ALL ON TYPE kobatela.api_key_info FROM PUBLIC;

GRANT USAGE ON SCHEMA kobatela TO kobatela_admin, kobatela_sender, kobatela_support, kobatela_worker, kobatela_anon;

-- Each role may execute exactly the functions its scope needs (docs/security.md, "Privileges"):
--   * kobatela_anon is PostgREST's role for every request: the key a request authenticates may have
--     any scope, so it gets every function that checks the caller's key or signature itself (the
--     business, key-management, maintenance and audit functions, the webhook) and the identity
--     functions row-level security calls, but nothing that answers without such a check;
--   * kobatela_sender, kobatela_support and kobatela_admin get what their scope may call, plus the
--     pure helpers (geo_distance_m, within_geofence, verify_hmac_sha256);
--   * kobatela_worker (0.8.0) gets the payout hand-off (claim_payouts and its two reports) and what
--     every caller needs (the entry and identity functions), nothing else, and no table;
--   * trigger functions are nobody's: a trigger fires without EXECUTE, and without it no role can
--     attach Kobatela's triggers to a table of its own (they also refuse to run for one).
-- Every function of the schema is listed here, and the install fails when one is not;
-- test/pgtap/privileges.sql holds the same matrix, written out independently.
DO $$
DECLARE
    grant_rule record;
    listed oid[] := '{}';
    unlisted text;
BEGIN
    FOR grant_rule IN
    SELECT f.fn::regprocedure AS fn, c.roles
    FROM (VALUES
        -- who: the roles of each kind of function
        ('entry',    ARRAY['kobatela_anon', 'kobatela_sender', 'kobatela_support', 'kobatela_worker', 'kobatela_admin']),
        ('identity', ARRAY['kobatela_anon', 'kobatela_sender', 'kobatela_support', 'kobatela_worker', 'kobatela_admin']),
        ('write',    ARRAY['kobatela_anon', 'kobatela_sender', 'kobatela_admin']),
        ('read',     ARRAY['kobatela_anon', 'kobatela_sender', 'kobatela_support', 'kobatela_admin']),
        ('audit',    ARRAY['kobatela_anon', 'kobatela_support', 'kobatela_admin']),
        ('admin',    ARRAY['kobatela_anon', 'kobatela_admin']),
        ('webhook',  ARRAY['kobatela_anon', 'kobatela_admin']),
        ('worker',   ARRAY['kobatela_anon', 'kobatela_worker', 'kobatela_admin']),
        ('helper',   ARRAY['kobatela_sender', 'kobatela_support', 'kobatela_admin']),
        ('trigger',  ARRAY[]::text[])
    ) AS c(kind, roles)
    JOIN (VALUES
        -- entry points and what a caller asks before authenticating
        ('kobatela.authenticate(text)', 'entry'),
        ('kobatela.pre_request()', 'entry'),
        ('kobatela.health()', 'entry'),
        ('kobatela.error_catalogue()', 'entry'),
        -- read by the row-level security policies (as the querying role)
        ('kobatela.current_scope()', 'identity'),
        ('kobatela.current_user_id()', 'identity'),
        ('kobatela.current_actor()', 'identity'),
        -- business calls that write (scope sender or admin)
        ('kobatela.create_user(text, text, boolean, jsonb)', 'write'),
        ('kobatela.add_to_allowlist(bigint, bigint)', 'write'),
        ('kobatela.add_certification(bigint, text)', 'write'),
        ('kobatela.create_transaction(bigint, bigint, numeric, text, text, jsonb)', 'write'),
        ('kobatela.create_escrow(bigint, bigint, numeric, text, jsonb, timestamptz)', 'write'),
        ('kobatela.create_escrow(bigint, bigint, numeric, text, jsonb, timestamptz, text, jsonb)', 'write'),
        ('kobatela.add_milestone(bigint, integer, text, numeric, text, text, float8, float8, float8)', 'write'),
        ('kobatela.escrow_deposit(bigint, numeric, text)', 'write'),
        ('kobatela.escrow_mark_delivered(bigint, text, text)', 'write'),
        ('kobatela.escrow_client_approve(bigint, text)', 'write'),
        ('kobatela.escrow_client_reject(bigint, text)', 'write'),
        ('kobatela.escrow_check_deadline(bigint)', 'write'),
        ('kobatela.submit_proof(bigint, integer, text, text, text, jsonb)', 'write'),
        ('kobatela.decide_proof(bigint, text, text)', 'write'),
        ('kobatela.execute_payment(bigint)', 'write'),
        ('kobatela.retry_payment(bigint)', 'write'),
        ('kobatela.create_spend_category(text, text)', 'write'),
        ('kobatela.create_merchant(text, bigint, boolean)', 'write'),
        ('kobatela.allow_usage(bigint, bigint, bigint, bigint)', 'write'),
        ('kobatela.create_mandate(bigint, bigint, numeric, text, bigint, bigint, timestamptz)', 'write'),
        ('kobatela.expire_mandates()', 'write'),
        ('kobatela.create_purchase(bigint, bigint, numeric, text, bigint, bigint, text)', 'write'),
        ('kobatela.add_allowed_payee(bigint, text, text, numeric, numeric)', 'write'),
        ('kobatela.spend(bigint, text, numeric, text, text, jsonb)', 'write'),
        -- business calls that read (also support)
        ('kobatela.get_user(bigint)', 'read'),
        ('kobatela.get_transaction(bigint)', 'read'),
        ('kobatela.list_alerts(text)', 'read'),
        ('kobatela.get_escrow(bigint)', 'read'),
        ('kobatela.escrow_events(bigint)', 'read'),
        ('kobatela.list_currencies()', 'read'),
        ('kobatela.list_escrows(text, text, bigint, timestamptz, timestamptz, integer, text)', 'read'),
        ('kobatela.list_milestones(bigint, text, integer, text)', 'read'),
        ('kobatela.list_payments(bigint, text, text, timestamptz, timestamptz, integer, text)', 'read'),
        ('kobatela.list_deposits(bigint, timestamptz, timestamptz, integer, text)', 'read'),
        ('kobatela.list_payees(bigint, integer, text)', 'read'),
        ('kobatela.list_transactions(text, text, bigint, timestamptz, timestamptz, integer, text)', 'read'),
        ('kobatela.list_mandates(text, text, bigint, timestamptz, timestamptz, integer, text)', 'read'),
        ('kobatela.list_purchases(bigint, text, text, timestamptz, timestamptz, integer, text)', 'read'),
        ('kobatela.list_alerts_page(text, integer, text)', 'read'),
        ('kobatela.list_escrow_events(bigint, integer, text)', 'read'),
        ('kobatela.events_since(text, integer)', 'read'),
        -- the audit trail's and the books' checks (support and admin)
        ('kobatela.verify_audit_chain(jsonb)', 'audit'),
        ('kobatela.audit_chain_tips()', 'audit'),
        ('kobatela.audit_history(text, bigint)', 'audit'),
        ('kobatela.check_invariants()', 'audit'),
        ('kobatela.metric_rows()', 'audit'),   -- the monitoring figures (0.9.0): the view kobatela.metrics
        -- keys and maintenance (admin)
        ('kobatela.create_api_key(text, kobatela.api_scope, bigint, timestamptz)', 'admin'),
        ('kobatela.get_api_key(bigint)', 'admin'),
        ('kobatela.list_api_keys(bigint, integer, text)', 'admin'),
        ('kobatela.revoke_api_key(bigint)', 'admin'),
        ('kobatela.release_overdue_escrows()', 'admin'),
        ('kobatela.schedule_maintenance(text)', 'admin'),
        ('kobatela.unschedule_maintenance()', 'admin'),
        ('kobatela.enable_currency(text)', 'admin'),
        ('kobatela.disable_currency(text)', 'admin'),
        ('kobatela.correct_payment(bigint, kobatela.payment_status, text)', 'admin'),
        ('kobatela.refund_purchase(bigint, numeric, text, text)', 'admin'),  -- the merchant's side: the platform
        ('kobatela.queue_payout(bigint)', 'admin'),
        -- the payout hand-off to the PSP (scope worker, and admin)
        ('kobatela.claim_payouts(text, integer)', 'worker'),
        ('kobatela.payout_transmitted(bigint, text)', 'worker'),
        ('kobatela.payout_transmission_failed(bigint, text)', 'worker'),
        -- the PSP's webhook, authenticated by its signature (PostgREST's role, and admin by hand)
        ('kobatela.psp_webhook(text, text, text)', 'webhook'),
        ('kobatela.psp_webhook_raw(json)', 'webhook'),
        -- pure computations: no key checked, so not for kobatela_anon
        ('kobatela.geo_distance_m(float8, float8, float8, float8)', 'helper'),
        ('kobatela.within_geofence(float8, float8, float8, float8, float8, float8)', 'helper'),
        ('kobatela.verify_hmac_sha256(bytea, bytea, text)', 'helper'),
        -- trigger functions
        ('kobatela.touch_updated_at()', 'trigger'),
        ('kobatela.audit_row()', 'trigger'),
        ('kobatela.audit_log_append_only()', 'trigger'),
        ('kobatela.currencies_changed()', 'trigger'),
        ('kobatela.event_row()', 'trigger')
    ) AS f(fn, kind) USING (kind)
    LOOP
        listed := listed || grant_rule.fn::oid;
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC, kobatela_admin, kobatela_sender, kobatela_support, '
                       'kobatela_worker, kobatela_anon',
                       grant_rule.fn);
        IF cardinality(grant_rule.roles) > 0 THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s', grant_rule.fn,
                           (SELECT string_agg(quote_ident(r), ', ') FROM unnest(grant_rule.roles) AS r));
        END IF;
    END LOOP;

    SELECT string_agg(p.oid::regprocedure::text, ', ') INTO unlisted FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'kobatela'::regnamespace AND p.oid <> ALL (listed);
    IF unlisted IS NOT NULL THEN
        RAISE EXCEPTION 'kobatela: functions without a privilege rule in security.sql: %', unlisted;
    END IF;
END $$;

-- Reading tables directly (also PostgREST's table endpoints): RLS below filters the rows. Not
-- kobatela_worker: a worker reads what claim_payouts hands it, nothing else.
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT c.oid FROM pg_catalog.pg_class c
             WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind = 'r'
               AND c.relname NOT IN ('api_keys', 'audit_log') LOOP
        EXECUTE format('GRANT SELECT ON %s TO kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon', t);
    END LOOP;
END $$;
GRANT SELECT (id, name, prefix, scope, user_id, is_active, expires_at, last_used_at, created_at, updated_at)
    ON kobatela.api_keys TO kobatela_admin, kobatela_anon;           -- never key_hash
GRANT SELECT ON kobatela.audit_log TO kobatela_admin, kobatela_support, kobatela_anon;
-- The log change by change (sql/audit.sql): the view itself shows each scope what it may see.
REVOKE ALL ON kobatela.audit_entries FROM PUBLIC;
GRANT SELECT ON kobatela.audit_entries TO kobatela_admin, kobatela_support, kobatela_anon;
-- The ledger (sql/ledger.sql), everyone's money: support and admin, and PostgREST's anon, whose
-- requests the view itself limits to the admin and support scopes (its rows read the tables with
-- the caller's rights, through the policies below).
REVOKE ALL ON kobatela.ledger FROM PUBLIC;
GRANT SELECT ON kobatela.ledger TO kobatela_admin, kobatela_support, kobatela_anon;
-- The monitoring figures (0.9.0, sql/functions_ops.sql): as the ledger, for support and admin
-- (metric_rows checks the scope; kobatela_anon for PostgREST's requests with such a key).
REVOKE ALL ON kobatela.metrics FROM PUBLIC;
GRANT SELECT ON kobatela.metrics TO kobatela_admin, kobatela_support, kobatela_anon;

-- Row-level security on every table, forced (also for the table owner), with one read policy.
-- `who` says which scopes see rows: 'all' (every scope; a bound sender key only rows where its
-- user is a party, `party` with @u standing for that user), 'staff' (admin and support only),
-- 'admin' (admin only), 'catalogue' (every scope but worker, every row), 'audit' (the audit log: admin every
-- row, support the rows about the tables support may read, so that the log never shows what the
-- table it records hides: no key names, prefixes, scopes or bindings from api_keys).
DO $$
DECLARE
    rule record;
    visible text;
    missing text;
    admin_only text[] := '{}';  -- the 'admin' tables, for the audit rule (which comes last)
    bound constant text := '(SELECT kobatela.current_user_id())';
    by_escrow constant text :=
        'EXISTS (SELECT 1 FROM kobatela.escrow_agreements e WHERE e.id = escrow_id AND @u IN (e.client_id, e.provider_id))';
BEGIN
    FOR rule IN SELECT * FROM (VALUES
        ('users',               'all',       'id = @u'),
        ('api_keys',            'admin',     NULL),
        ('audit_log',           'audit',     NULL),
        ('alerts',              'all',       'actor_user_id = @u'),
        ('transactions',        'all',       '@u IN (sender_id, receiver_id)'),
        ('allowed_recipients',  'all',       '@u IN (owner_id, recipient_id)'),
        ('certified_accounts',  'all',       'user_id = @u'),
        ('escrow_agreements',   'all',       '@u IN (client_id, provider_id)'),
        ('escrow_deposits',     'all',       by_escrow),
        ('escrow_events',       'all',       by_escrow),
        ('milestones',          'all',       by_escrow),
        ('proofs',              'all',       by_escrow),
        ('payments',            'all',       by_escrow),
        ('allowed_payees',      'all',       by_escrow),
        ('psp_webhook_events',  'staff',     NULL),
        ('payout_transmissions', 'staff',    NULL),
        ('spend_categories',    'catalogue', NULL),
        ('merchants',           'catalogue', NULL),
        ('usage_mandates',      'all',       '@u IN (sender_id, beneficiary_id)'),
        ('allowed_usages',      'all',       'owner_id = @u'),
        ('purchases',           'all',       'beneficiary_id = @u OR EXISTS (SELECT 1 FROM kobatela.usage_mandates m WHERE m.id = mandate_id AND m.sender_id = @u)'),
        -- a refund is seen by whoever sees its purchase: the beneficiary, or the mandate's sender
        ('purchase_refunds',    'all',       'EXISTS (SELECT 1 FROM kobatela.purchases p WHERE p.id = purchase_id AND p.beneficiary_id = @u) OR EXISTS (SELECT 1 FROM kobatela.usage_mandates m WHERE m.id = mandate_id AND m.sender_id = @u)'),
        ('currencies',          'catalogue', NULL),
        ('events',              'all',       '@u IN (party_a, party_b)')
    ) AS r(tbl, who, party) ORDER BY who = 'audit' LOOP
        IF rule.who = 'admin' THEN admin_only := admin_only || rule.tbl; END IF;
        visible := CASE rule.who
            WHEN 'all' THEN format(
                'CASE (SELECT kobatela.current_scope()) WHEN ''admin'' THEN true WHEN ''support'' THEN true '
                'WHEN ''sender'' THEN %s IS NULL OR (%s) ELSE false END',
                bound, replace(rule.party, '@u', bound))
            WHEN 'staff' THEN '(SELECT kobatela.current_scope()) IN (''admin'', ''support'')'
            WHEN 'admin' THEN '(SELECT kobatela.current_scope()) = ''admin'''
            -- (not the worker scope, 0.8.0: it sees nothing but the payouts it claims)
            WHEN 'catalogue' THEN '(SELECT kobatela.current_scope()) IN (''admin'', ''sender'', ''support'')'
            -- support: the records none of whose changes is about an admin-only table (a row of
            -- 0.3.0 to 0.6.0 by its entity, a record by its entity keys, "<table>:<id>")
            WHEN 'audit' THEN format(
                'CASE (SELECT kobatela.current_scope()) WHEN ''admin'' THEN true '
                'WHEN ''support'' THEN coalesce(entity <> ALL (%1$L::text[]), true) '
                'AND NOT EXISTS (SELECT FROM unnest(entities) AS k (key) '
                'WHERE split_part(k.key, '':'', 1) = ANY (%1$L::text[])) ELSE false END', admin_only)
        END;
        EXECUTE format('ALTER TABLE kobatela.%I ENABLE ROW LEVEL SECURITY', rule.tbl);
        EXECUTE format('ALTER TABLE kobatela.%I FORCE ROW LEVEL SECURITY', rule.tbl);
        EXECUTE format('CREATE POLICY read_by_scope ON kobatela.%I FOR SELECT USING (%s)', rule.tbl, visible);
    END LOOP;

    -- A table added to the script without a rule here fails the installation.
    SELECT string_agg(c.relname, ', ') INTO missing FROM pg_catalog.pg_class c
    WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind = 'r' AND NOT c.relforcerowsecurity;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'kobatela: tables without row-level security: %', missing;
    END IF;
    -- kobatela.audit_entries (sql/audit.sql) hides the changes of the same tables from support.
    IF pg_catalog.pg_get_viewdef('kobatela.audit_entries'::regclass)
           NOT LIKE format('%%ALL (%L::text[])%%', admin_only) THEN
        RAISE EXCEPTION 'kobatela: audit_entries must hide the admin-only tables % from support', admin_only;
    END IF;
END $$;
