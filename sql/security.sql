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
    FOREACH role_name IN ARRAY ARRAY['kobatela_admin', 'kobatela_sender', 'kobatela_support', 'kobatela_anon'] LOOP
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

GRANT USAGE ON SCHEMA kobatela TO kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon;

-- Every function may be called by every Kobatela role: each one checks the caller's scope itself
-- (UNAUTHORIZED without a key or role, INSUFFICIENT_SCOPE with the wrong one). kobatela_anon is
-- PostgREST's role for every request, so it needs them all; until a key is authenticated it gets
-- an answer only from the functions that need no scope (authenticate, pre_request, health, the
-- pure helpers).
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA kobatela TO kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon;

-- Reading tables directly (also PostgREST's table endpoints): RLS below filters the rows.
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

-- Row-level security on every table, forced (also for the table owner), with one read policy.
-- `who` says which scopes see rows: 'all' (every scope; a bound sender key only rows where its
-- user is a party, `party` with @u standing for that user), 'staff' (admin and support only),
-- 'admin' (admin only), 'catalogue' (every scope, every row).
DO $$
DECLARE
    rule record;
    visible text;
    missing text;
    bound constant text := '(SELECT kobatela.current_user_id())';
    by_escrow constant text :=
        'EXISTS (SELECT 1 FROM kobatela.escrow_agreements e WHERE e.id = escrow_id AND @u IN (e.client_id, e.provider_id))';
BEGIN
    FOR rule IN SELECT * FROM (VALUES
        ('users',               'all',       'id = @u'),
        ('api_keys',            'admin',     NULL),
        ('audit_log',           'staff',     NULL),
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
        ('spend_categories',    'catalogue', NULL),
        ('merchants',           'catalogue', NULL),
        ('usage_mandates',      'all',       '@u IN (sender_id, beneficiary_id)'),
        ('allowed_usages',      'all',       'owner_id = @u'),
        ('purchases',           'all',       'sender_id = @u OR EXISTS (SELECT 1 FROM kobatela.usage_mandates m WHERE m.id = mandate_id AND m.sender_id = @u)')
    ) AS r(tbl, who, party) LOOP
        visible := CASE rule.who
            WHEN 'all' THEN format(
                'CASE (SELECT kobatela.current_scope()) WHEN ''admin'' THEN true WHEN ''support'' THEN true '
                'WHEN ''sender'' THEN %s IS NULL OR (%s) ELSE false END',
                bound, replace(rule.party, '@u', bound))
            WHEN 'staff' THEN '(SELECT kobatela.current_scope()) IN (''admin'', ''support'')'
            WHEN 'admin' THEN '(SELECT kobatela.current_scope()) = ''admin'''
            WHEN 'catalogue' THEN '(SELECT kobatela.current_scope()) IS NOT NULL'
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
END $$;
