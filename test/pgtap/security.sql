-- Security as a contract, derived from the catalog so that a new table, function or grant
-- cannot slip through (docs/security.md).
BEGIN;
SELECT plan(17);  -- (the secrets themselves: test/sql/secrets.sql)

-- Roles: one per scope and PostgREST's anonymous role, none of which can log in.
SELECT is((SELECT count(*)::int FROM pg_roles WHERE rolname IN ('kobatela_admin', 'kobatela_sender', 'kobatela_support', 'kobatela_anon')),
          4, 'the four Kobatela roles exist');
SELECT is((SELECT count(*)::int FROM pg_roles WHERE rolname LIKE 'kobatela\_%' AND (rolcanlogin OR rolsuper OR rolbypassrls OR rolcreaterole)),
          0, 'Kobatela roles cannot log in, bypass RLS or create roles');

-- Row-level security: enabled and forced on every table, each with a policy.
SELECT is(ARRAY(SELECT relname::text FROM pg_class WHERE relnamespace = 'kobatela'::regnamespace AND relkind = 'r'
                AND NOT (relrowsecurity AND relforcerowsecurity) ORDER BY 1),
          ARRAY[]::text[], 'every table has row-level security enabled and forced');
SELECT is(ARRAY(SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind = 'r'
                AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid) ORDER BY 1),
          ARRAY[]::text[], 'every table has a policy');
SELECT is(ARRAY(SELECT DISTINCT p.polcmd::text FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
                WHERE c.relnamespace = 'kobatela'::regnamespace),
          ARRAY['r'], 'policies only ever grant reading (writes go through the API functions)');
SELECT ok((SELECT count(*) FROM pg_class WHERE relnamespace = 'kobatela'::regnamespace AND relkind = 'r') >= 20,
          'the checks above saw every table');

-- SECURITY DEFINER functions pin search_path; everything that touches data is one.
SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = 'kobatela'::regnamespace
                AND p.prosecdef AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')
                ORDER BY 1),
          ARRAY[]::text[], 'every SECURITY DEFINER function pins search_path');
SELECT is(ARRAY(SELECT DISTINCT c FROM pg_proc p, unnest(p.proconfig) c WHERE p.pronamespace = 'kobatela'::regnamespace
                AND c LIKE 'search_path=%'),
          ARRAY['search_path=pg_catalog, kobatela, pg_temp'], 'search_path is pinned to pg_catalog, kobatela, pg_temp');
SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = 'kobatela'::regnamespace
                AND p.provolatile = 'v' AND p.prorettype <> 'trigger'::regtype AND NOT p.prosecdef ORDER BY 1),
          ARRAY[]::text[], 'every function that writes is SECURITY DEFINER (callers have no write privilege)');

-- PUBLIC gets nothing: no function, table, sequence or the schema itself.
SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = 'kobatela'::regnamespace
                AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0)) ORDER BY 1),
          ARRAY[]::text[], 'PUBLIC may execute no function');
SELECT is(ARRAY(SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = 'kobatela'::regnamespace
                AND EXISTS (SELECT 1 FROM aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a WHERE a.grantee = 0) ORDER BY 1),
          ARRAY[]::text[], 'PUBLIC has no privilege on any table or sequence');
SELECT ok(NOT has_schema_privilege('public', 'kobatela', 'USAGE'), 'PUBLIC cannot use the schema');

-- No API role can write a table, read a key hash, or alter the audit log.
SELECT is(ARRAY(SELECT r || ' ' || c.relname || ' ' || priv FROM pg_class c
                CROSS JOIN unnest(ARRAY['kobatela_admin', 'kobatela_sender', 'kobatela_support', 'kobatela_anon']) r
                CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) priv
                WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind = 'r'
                  AND has_table_privilege(r, c.oid, priv) ORDER BY 1),
          ARRAY[]::text[], 'no Kobatela role may write any table directly');
SELECT is(ARRAY(SELECT r FROM unnest(ARRAY['kobatela_admin', 'kobatela_sender', 'kobatela_support', 'kobatela_anon']) r
                WHERE has_column_privilege(r, 'kobatela.api_keys', 'key_hash', 'SELECT')),
          ARRAY[]::text[], 'no Kobatela role can read api_keys.key_hash');
SELECT ok(NOT has_table_privilege('kobatela_sender', 'kobatela.api_keys', 'SELECT')
          AND NOT has_table_privilege('kobatela_support', 'kobatela.api_keys', 'SELECT'),
          'only admin (and PostgREST''s anon, filtered by RLS to admin keys) reads api_keys');

-- No setting holds a secret: the secret settings name files, and only superusers see them.
SELECT is(ARRAY(SELECT name FROM pg_settings WHERE name LIKE 'kobatela.%' AND (name LIKE '%secret%' OR name LIKE '%pepper%')
                AND name NOT LIKE '%\_file' ORDER BY 1),
          ARRAY[]::text[], 'every kobatela setting about a secret names a file (kobatela.*_file)');
SELECT is(ARRAY(SELECT name || ' ' || context FROM pg_settings WHERE name LIKE 'kobatela.%\_file' ORDER BY 1),
          ARRAY['kobatela.api_key_pepper_file superuser', 'kobatela.psp_webhook_secret_file superuser',
                'kobatela.psp_webhook_secret_previous_file superuser'],
          'the three secret files are named by superuser settings');

SELECT * FROM finish();
ROLLBACK;
