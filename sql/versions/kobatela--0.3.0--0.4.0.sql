-- Kobatela 0.3.0 → 0.4.0: security round 2 (docs/security.md).
-- ALTER EXTENSION kobatela UPDATE runs this after 0.3.0. It must leave the database exactly as a
-- fresh CREATE EXTENSION of 0.4.0 does (sql/*.sql): the upgrade test compares the two catalogues.
\echo Use "ALTER EXTENSION kobatela UPDATE TO '0.4.0'" to load this file. \quit

-- ---------------------------------------------------------------------------------------------
-- Secrets are no longer settings (docs/security.md, "Secrets"): 0.4.0 reads each from a file that
-- a superuser-only kobatela.<name>_file setting names. A 0.3.0 secret still given as a setting
-- (postgresql.conf, postgresql.auto.conf, ALTER DATABASE or ROLE ... SET) would stay readable by
-- every role (pg_db_role_setting) or be logged at each reload, and 0.4.0 would not use it anyway:
-- the update refuses until each one has been moved (docs/operations.md, "Upgrading to 0.4.0").
-- Names and places only: never a value.
-- ---------------------------------------------------------------------------------------------
DO $$
DECLARE
    secret_names constant text[] :=
        ARRAY['kobatela.api_key_pepper', 'kobatela.psp_webhook_secret', 'kobatela.psp_webhook_secret_previous'];
    leftovers text;
BEGIN
    SELECT string_agg(place, '; ' ORDER BY place) INTO leftovers FROM (
        SELECT format('%s in %s line %s', f.name, f.sourcefile, f.sourceline) AS place
          FROM pg_catalog.pg_file_settings f
         WHERE f.name = ANY (secret_names)
            OR (f.name = 'kobatela.cron_conninfo' AND f.setting ~* '(^|\s)password\s*=')
        UNION ALL
        SELECT format('%s by ALTER %s', split_part(c, '=', 1),
                      CASE WHEN s.setdatabase <> 0 AND s.setrole <> 0
                                THEN format('ROLE %I IN DATABASE %I', r.rolname, d.datname)
                           WHEN s.setdatabase <> 0 THEN format('DATABASE %I', d.datname)
                           ELSE format('ROLE %I', r.rolname) END)
          FROM pg_catalog.pg_db_role_setting s CROSS JOIN unnest(s.setconfig) AS c
          LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
          LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
         WHERE split_part(c, '=', 1) = ANY (secret_names)
            OR (split_part(c, '=', 1) = 'kobatela.cron_conninfo' AND c ~* '(\s|^kobatela\.cron_conninfo=)password\s*=')) AS found;
    IF leftovers IS NOT NULL THEN
        RAISE EXCEPTION 'kobatela 0.4.0 keeps secrets in files, not in settings: move them before updating'
            USING DETAIL = 'Still set: ' || leftovers || '.',
                  HINT = 'For each secret, write its value into a file only the server''s user can read (chmod 600) '
                         'and set kobatela.<name>_file to that path; then remove the old setting: ALTER DATABASE or '
                         'ROLE ... RESET <name>, or delete its line from postgresql.conf or postgresql.auto.conf '
                         '(ALTER SYSTEM no longer knows the name once 0.4.0 is loaded) and reload. A cron_conninfo '
                         'moves its password into a passfile. docs/operations.md, section "Upgrading to 0.4.0".';
    END IF;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Idempotency keys belong to their owner (the caller that chose them: its bound user, or the
-- platform), and Kobatela's own payout keys move out of the callers' namespace (payout_key).
-- ---------------------------------------------------------------------------------------------
-- Who made a row, from the audit trail: the user of the API key (apikey:<id>) or JWT claim
-- (role:<name>/user:<id>) in the actor of the row's first audit row; NULL for the platform.
CREATE FUNCTION kobatela.upgrade_0_4_0_creator(entity text, entity_id bigint) RETURNS bigint
    LANGUAGE sql STABLE AS $$
    SELECT CASE
             WHEN a.actor ~ '^apikey:[0-9]+$'
               THEN (SELECT k.user_id FROM kobatela.api_keys k WHERE k.id = substr(a.actor, 8)::bigint)
             WHEN a.actor ~ '^role:.*/user:[0-9]+$' THEN substring(a.actor FROM '/user:([0-9]+)$')::bigint
           END
    FROM kobatela.audit_log a WHERE a.entity = $1 AND a.entity_id = $2 ORDER BY a.id LIMIT 1 $$;

ALTER TABLE kobatela.transactions ADD COLUMN idempotency_owner bigint;
ALTER TABLE kobatela.escrow_deposits ADD COLUMN idempotency_owner bigint;
ALTER TABLE kobatela.payments ADD COLUMN idempotency_owner bigint, ADD COLUMN payout_key text,
    ADD CONSTRAINT payments_payout_key_check CHECK (btrim(payout_key) <> '' AND char_length(payout_key) <= 128);
ALTER TABLE kobatela.purchases ADD COLUMN idempotency_owner bigint;
ALTER TABLE kobatela.allowed_usages ADD COLUMN sender_id bigint REFERENCES kobatela.users (id);

-- The moves below are audited (the audit trigger stays on); updated_at is left as it was: a
-- migration is not a business change of the row.
ALTER TABLE kobatela.transactions DISABLE TRIGGER touch_updated_at;
ALTER TABLE kobatela.escrow_deposits DISABLE TRIGGER touch_updated_at;
ALTER TABLE kobatela.payments DISABLE TRIGGER touch_updated_at;
ALTER TABLE kobatela.purchases DISABLE TRIGGER touch_updated_at;
ALTER TABLE kobatela.allowed_usages DISABLE TRIGGER touch_updated_at;

UPDATE kobatela.transactions SET idempotency_owner = kobatela.upgrade_0_4_0_creator('transactions', id)
WHERE idempotency_key IS NOT NULL AND kobatela.upgrade_0_4_0_creator('transactions', id) IS NOT NULL;
UPDATE kobatela.escrow_deposits SET idempotency_owner = kobatela.upgrade_0_4_0_creator('escrow_deposits', id)
WHERE idempotency_key IS NOT NULL AND kobatela.upgrade_0_4_0_creator('escrow_deposits', id) IS NOT NULL;
UPDATE kobatela.purchases SET idempotency_owner = kobatela.upgrade_0_4_0_creator('purchases', id)
WHERE idempotency_key IS NOT NULL AND kobatela.upgrade_0_4_0_creator('purchases', id) IS NOT NULL;
-- A payment's key was the caller's only for a spend (to an allowed payee); any other key was made
-- by Kobatela for a milestone payout (or execute_payment) and becomes its payout_key.
UPDATE kobatela.payments SET payout_key = idempotency_key, idempotency_key = NULL
WHERE idempotency_key IS NOT NULL AND payee_id IS NULL;
UPDATE kobatela.payments SET idempotency_owner = kobatela.upgrade_0_4_0_creator('payments', id)
WHERE idempotency_key IS NOT NULL AND kobatela.upgrade_0_4_0_creator('payments', id) IS NOT NULL;
-- A usage rule added with a key bound to a user let out only that user's money: its sender.
UPDATE kobatela.allowed_usages SET sender_id = kobatela.upgrade_0_4_0_creator('allowed_usages', id)
WHERE kobatela.upgrade_0_4_0_creator('allowed_usages', id) IS NOT NULL;

ALTER TABLE kobatela.transactions ENABLE TRIGGER touch_updated_at;
ALTER TABLE kobatela.escrow_deposits ENABLE TRIGGER touch_updated_at;
ALTER TABLE kobatela.payments ENABLE TRIGGER touch_updated_at;
ALTER TABLE kobatela.purchases ENABLE TRIGGER touch_updated_at;
ALTER TABLE kobatela.allowed_usages ENABLE TRIGGER touch_updated_at;
DROP FUNCTION kobatela.upgrade_0_4_0_creator(text, bigint);

ALTER TABLE kobatela.transactions DROP CONSTRAINT transactions_sender_id_idempotency_key_key;
CREATE UNIQUE INDEX transactions_idempotency_key_idempotency_owner_sender_id_key
    ON kobatela.transactions (idempotency_key, idempotency_owner, sender_id) NULLS NOT DISTINCT
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX transactions_sender_id_idx ON kobatela.transactions (sender_id);
ALTER TABLE kobatela.escrow_deposits DROP CONSTRAINT escrow_deposits_idempotency_key_key;
CREATE UNIQUE INDEX escrow_deposits_idempotency_key_idempotency_owner_key
    ON kobatela.escrow_deposits (idempotency_key, idempotency_owner) NULLS NOT DISTINCT
    WHERE idempotency_key IS NOT NULL;
ALTER TABLE kobatela.payments DROP CONSTRAINT payments_idempotency_key_key,
    ADD CONSTRAINT payments_payout_key_key UNIQUE (payout_key);
CREATE UNIQUE INDEX payments_idempotency_key_idempotency_owner_key
    ON kobatela.payments (idempotency_key, idempotency_owner) NULLS NOT DISTINCT
    WHERE idempotency_key IS NOT NULL;
ALTER TABLE kobatela.purchases DROP CONSTRAINT purchases_idempotency_key_key;
CREATE UNIQUE INDEX purchases_idempotency_key_idempotency_owner_key
    ON kobatela.purchases (idempotency_key, idempotency_owner) NULLS NOT DISTINCT
    WHERE idempotency_key IS NOT NULL;
ALTER TABLE kobatela.allowed_usages DROP CONSTRAINT allowed_usages_owner_id_merchant_id_key,
    DROP CONSTRAINT allowed_usages_owner_id_category_id_key;
CREATE UNIQUE INDEX allowed_usages_owner_id_sender_id_merchant_id_key
    ON kobatela.allowed_usages (owner_id, sender_id, merchant_id) NULLS NOT DISTINCT WHERE merchant_id IS NOT NULL;
CREATE UNIQUE INDEX allowed_usages_owner_id_sender_id_category_id_key
    ON kobatela.allowed_usages (owner_id, sender_id, category_id) NULLS NOT DISTINCT WHERE category_id IS NOT NULL;
CREATE INDEX allowed_usages_sender_id_idx ON kobatela.allowed_usages (sender_id);

COMMENT ON COLUMN kobatela.transactions.idempotency_key IS
    'Client key, unique per idempotency_owner (not globally); a replay returns the stored row.';
COMMENT ON COLUMN kobatela.transactions.idempotency_owner IS
    'The caller whose key it is: the user its API key (or JWT) is bound to; NULL for the platform (unbound keys and roles). Keys are unique per owner.';
COMMENT ON COLUMN kobatela.escrow_deposits.idempotency_key IS
    'Client key, unique per idempotency_owner across all escrows.';
COMMENT ON COLUMN kobatela.escrow_deposits.idempotency_owner IS
    'The caller whose key it is: the user its API key (or JWT) is bound to; NULL for the platform (unbound keys and roles). Keys are unique per owner.';
COMMENT ON COLUMN kobatela.payments.idempotency_key IS
    'The caller''s key of a spend, unique per idempotency_owner; NULL for Kobatela''s own payouts.';
COMMENT ON COLUMN kobatela.payments.idempotency_owner IS
    'The caller whose key it is: the user its API key (or JWT) is bound to; NULL for the platform (unbound keys and roles). Keys are unique per owner.';
COMMENT ON COLUMN kobatela.payments.payout_key IS
    'Key Kobatela made for a milestone payout (pay|escrow:<id>|ms:<id>|amt:<amount>, escrow:<id>:milestone:<id>:amount:<amount>, payment:<id>), unique; never a caller''s.';
COMMENT ON COLUMN kobatela.purchases.idempotency_key IS
    'Client key, unique per idempotency_owner; a replay returns the stored purchase.';
COMMENT ON COLUMN kobatela.purchases.idempotency_owner IS
    'The caller whose key it is: the user its API key (or JWT) is bound to; NULL for the platform (unbound keys and roles). Keys are unique per owner.';
COMMENT ON COLUMN kobatela.allowed_usages.sender_id IS
    'Whose money the rule lets out: purchases under this sender''s mandates only; NULL: a platform rule, for every sender''s mandates.';

-- allow_usage takes the sender whose money a rule lets out.
DROP FUNCTION kobatela.allow_usage(bigint, bigint, bigint);
CREATE FUNCTION kobatela.allow_usage(owner_id bigint, merchant_id bigint DEFAULT NULL, category_id bigint DEFAULT NULL,
                                     sender_id bigint DEFAULT NULL)
    RETURNS text
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_allow_usage';
COMMENT ON FUNCTION kobatela.allow_usage(bigint, bigint, bigint, bigint) IS
    'Lets a beneficiary spend at one merchant or in one category, with sender_id''s mandates (a key bound to a user: its own) or, NULL, every sender''s: ''added'', or ''exists''.';

-- ---- Support reads the audit rows of the tables it may read, and no longer those of api_keys ----
DROP POLICY read_by_scope ON kobatela.audit_log;
CREATE POLICY read_by_scope ON kobatela.audit_log FOR SELECT USING (
    CASE (SELECT kobatela.current_scope()) WHEN 'admin' THEN true
    WHEN 'support' THEN entity <> ALL ('{api_keys}'::text[]) ELSE false END);

-- ---- Each role executes exactly the functions its scope needs (after every function exists) ----
-- Each role may execute exactly the functions its scope needs (docs/security.md, "Privileges"):
--   * kobatela_anon is PostgREST's role for every request: the key a request authenticates may have
--     any scope, so it gets every function that checks the caller's key or signature itself (the
--     business, key-management, maintenance and audit functions, the webhook) and the identity
--     functions row-level security calls, but nothing that answers without such a check;
--   * kobatela_sender, kobatela_support and kobatela_admin get what their scope may call, plus the
--     pure helpers (geo_distance_m, within_geofence, verify_hmac_sha256);
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
        ('entry',    ARRAY['kobatela_anon', 'kobatela_sender', 'kobatela_support', 'kobatela_admin']),
        ('identity', ARRAY['kobatela_anon', 'kobatela_sender', 'kobatela_support', 'kobatela_admin']),
        ('write',    ARRAY['kobatela_anon', 'kobatela_sender', 'kobatela_admin']),
        ('read',     ARRAY['kobatela_anon', 'kobatela_sender', 'kobatela_support', 'kobatela_admin']),
        ('audit',    ARRAY['kobatela_anon', 'kobatela_support', 'kobatela_admin']),
        ('admin',    ARRAY['kobatela_anon', 'kobatela_admin']),
        ('webhook',  ARRAY['kobatela_anon', 'kobatela_admin']),
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
        ('kobatela.create_user(text, text, boolean)', 'write'),
        ('kobatela.add_to_allowlist(bigint, bigint)', 'write'),
        ('kobatela.add_certification(bigint, text)', 'write'),
        ('kobatela.create_transaction(bigint, bigint, numeric, text, text)', 'write'),
        ('kobatela.create_escrow(bigint, bigint, numeric, text, jsonb, timestamptz)', 'write'),
        ('kobatela.add_milestone(bigint, integer, text, numeric, text, text, float8, float8, float8)', 'write'),
        ('kobatela.escrow_deposit(bigint, numeric, text)', 'write'),
        ('kobatela.escrow_mark_delivered(bigint, text, text)', 'write'),
        ('kobatela.escrow_client_approve(bigint, text)', 'write'),
        ('kobatela.escrow_client_reject(bigint, text)', 'write'),
        ('kobatela.escrow_check_deadline(bigint)', 'write'),
        ('kobatela.submit_proof(bigint, integer, text, text, text, jsonb)', 'write'),
        ('kobatela.decide_proof(bigint, text, text)', 'write'),
        ('kobatela.execute_payment(bigint)', 'write'),
        ('kobatela.create_spend_category(text, text)', 'write'),
        ('kobatela.create_merchant(text, bigint, boolean)', 'write'),
        ('kobatela.allow_usage(bigint, bigint, bigint, bigint)', 'write'),
        ('kobatela.create_mandate(bigint, bigint, numeric, text, bigint, bigint, timestamptz)', 'write'),
        ('kobatela.expire_mandates()', 'write'),
        ('kobatela.create_purchase(bigint, bigint, numeric, text, bigint, bigint, text)', 'write'),
        ('kobatela.add_allowed_payee(bigint, text, text, numeric, numeric)', 'write'),
        ('kobatela.spend(bigint, text, numeric, text, text)', 'write'),
        -- business calls that read (also support)
        ('kobatela.get_user(bigint)', 'read'),
        ('kobatela.get_transaction(bigint)', 'read'),
        ('kobatela.list_alerts(text)', 'read'),
        ('kobatela.get_escrow(bigint)', 'read'),
        ('kobatela.escrow_events(bigint)', 'read'),
        -- the audit trail's checks (support and admin)
        ('kobatela.verify_audit_chain(jsonb)', 'audit'),
        ('kobatela.audit_chain_tips()', 'audit'),
        -- keys and maintenance (admin)
        ('kobatela.create_api_key(text, kobatela.api_scope, bigint, timestamptz)', 'admin'),
        ('kobatela.get_api_key(bigint)', 'admin'),
        ('kobatela.revoke_api_key(bigint)', 'admin'),
        ('kobatela.release_overdue_escrows()', 'admin'),
        ('kobatela.schedule_maintenance(text)', 'admin'),
        ('kobatela.unschedule_maintenance()', 'admin'),
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
        ('kobatela.audit_log_append_only()', 'trigger')
    ) AS f(fn, kind) USING (kind)
    LOOP
        listed := listed || grant_rule.fn::oid;
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC, kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon',
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
