-- Row-level security on direct table reads (sql/security.sql), for every kind of caller: the
-- scope roles themselves (a database login or a PostgREST JWT role) and PostgREST's anonymous
-- role with a key. Each cell says what the caller sees of a table: 'all' rows, only the rows of
-- its 'party' (a key bound to a user), 'none', or 'denied' (no privilege at all).
CALL t.use_secret('api_key_pepper', 'rls-pepper-do-not-log');
SELECT id AS alice FROM kobatela.create_user('r_alice', 'r_alice@example.com') \gset
SELECT id AS bob FROM kobatela.create_user('r_bob', 'r_bob@example.com') \gset
SELECT id AS carol FROM kobatela.create_user('r_carol', 'r_carol@example.com') \gset
SELECT kobatela.add_to_allowlist(:alice, :bob), kobatela.add_to_allowlist(:carol, :bob);
-- Every table gets rows on both sides: alice's, and others'.
SELECT kobatela.create_transaction(:alice, :bob, 1) IS NOT NULL, kobatela.create_transaction(:carol, :bob, 2) IS NOT NULL,
       kobatela.create_transaction(:alice, :carol, 3) IS NOT NULL,   -- refused: an alert about alice
       kobatela.create_transaction(:carol, :alice, 4) IS NOT NULL;   -- refused: an alert about carol
SELECT kobatela.add_certification(:carol, 'BASIC'), kobatela.add_certification(:alice, 'GOLD');
-- Tables whose functions come later are filled directly, as the superuser.
INSERT INTO kobatela.spend_categories (code, label) VALUES ('r_food', 'Food');
INSERT INTO kobatela.psp_webhook_events (event_id, kind, raw) VALUES ('r_evt_1', 'payment.settled', '{}');
-- A payout queued for the PSP (0.8.0): an escrow released pays its balance.
SELECT id AS r_escrow FROM kobatela.create_escrow(:alice, :bob, 5, 'USD', '{}', now() + interval '1 day') \gset
SELECT status FROM kobatela.escrow_deposit(:r_escrow, 5);
SELECT status FROM kobatela.escrow_client_approve(:r_escrow);

CREATE TABLE t.rls_identities (ord int, name text, role text, api_key text);
INSERT INTO t.rls_identities VALUES
    (1, 'anon', 'kobatela_anon', NULL),
    (2, 'anon+sender', 'kobatela_anon', (SELECT api_key FROM kobatela.create_api_key('r sender', 'sender'))),
    (3, 'anon+bound', 'kobatela_anon', (SELECT api_key FROM kobatela.create_api_key('r bound alice', 'sender', :alice))),
    (4, 'anon+support', 'kobatela_anon', (SELECT api_key FROM kobatela.create_api_key('r support', 'support'))),
    (5, 'anon+admin', 'kobatela_anon', (SELECT api_key FROM kobatela.create_api_key('r admin', 'admin'))),
    (6, 'role sender', 'kobatela_sender', NULL),
    (7, 'role support', 'kobatela_support', NULL),
    (8, 'role admin', 'kobatela_admin', NULL),
    (9, 'anon+worker', 'kobatela_anon', (SELECT api_key FROM kobatela.create_api_key('r worker', 'worker'))),
    (10, 'role worker', 'kobatela_worker', NULL);

-- Alice's rows, written independently of the policies: what a key bound to alice may see.
CREATE TABLE t.rls_party (tbl text, party_filter text);
INSERT INTO t.rls_party VALUES
    ('users', format('id = %s', :alice)),
    ('transactions', format('%s IN (sender_id, receiver_id)', :alice)),
    ('allowed_recipients', format('%s IN (owner_id, recipient_id)', :alice)),
    ('certified_accounts', format('user_id = %s', :alice)),
    ('alerts', format('actor_user_id = %s', :alice)),
    -- audit_log has no party: 'party' is there the records support may read, those none of whose
    -- changes is about a table support may not read (api_keys is admin-only, and so is its audit
    -- data): a row of 0.6.0 by its entity, a record by its entity keys.
    ('audit_log', $$coalesce(entity <> 'api_keys', true)
                    AND NOT EXISTS (SELECT FROM unnest(entities) k WHERE k LIKE 'api\_keys:%')$$);

-- How many rows of `tbl` the identity sees, against the superuser's count. The key is
-- authenticated as the superuser, then the role is switched: a key's scope does not depend on the role.
CREATE FUNCTION t.rls_cell(role text, api_key text, tbl text, party_filter text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    everything bigint;
    party bigint;
    seen bigint;
    outcome text;
BEGIN
    BEGIN
        -- Authenticating writes (last_used_at, its audit row): first, so the counts include it.
        IF api_key IS NOT NULL THEN
            PERFORM kobatela.authenticate(api_key);
        END IF;
        EXECUTE format('SELECT count(*) FROM kobatela.%I', tbl) INTO everything;
        IF party_filter IS NOT NULL THEN
            EXECUTE format('SELECT count(*) FROM kobatela.%I WHERE %s', tbl, party_filter) INTO party;
        END IF;
        EXECUTE format('SET LOCAL ROLE %I', role);
        EXECUTE format('SELECT count(*) FROM kobatela.%I', tbl) INTO seen;
        outcome := CASE WHEN seen = 0 THEN 'none' WHEN seen = everything THEN 'all'
                        WHEN seen = party THEN 'party' ELSE 'WRONG ' || seen || '/' || everything END;
        IF party IS NOT NULL AND (party = 0 OR party = everything) THEN
            outcome := 'AMBIGUOUS: the data has no rows on one side of the party line';
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'KB000', MESSAGE = outcome;
    EXCEPTION
        WHEN insufficient_privilege THEN RETURN 'denied';
        WHEN SQLSTATE 'KB000' THEN GET STACKED DIAGNOSTICS outcome = MESSAGE_TEXT; RETURN outcome;
    END;
END $$;

SELECT c.relname AS "table",
       max(cell) FILTER (WHERE i.ord = 1) AS anon,
       max(cell) FILTER (WHERE i.ord = 2) AS "anon+sender",
       max(cell) FILTER (WHERE i.ord = 3) AS "anon+bound",
       max(cell) FILTER (WHERE i.ord = 4) AS "anon+support",
       max(cell) FILTER (WHERE i.ord = 5) AS "anon+admin",
       max(cell) FILTER (WHERE i.ord = 6) AS "role sender",
       max(cell) FILTER (WHERE i.ord = 7) AS "role support",
       max(cell) FILTER (WHERE i.ord = 8) AS "role admin",
       max(cell) FILTER (WHERE i.ord = 9) AS "anon+worker",
       max(cell) FILTER (WHERE i.ord = 10) AS "role worker"
FROM pg_class c
CROSS JOIN t.rls_identities i
LEFT JOIN t.rls_party p ON p.tbl = c.relname
CROSS JOIN LATERAL (SELECT t.rls_cell(i.role, i.api_key, c.relname::text, p.party_filter) AS cell) r
WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind = 'r'
  AND c.relname IN ('users', 'api_keys', 'audit_log', 'alerts', 'transactions', 'allowed_recipients',
                    'certified_accounts', 'spend_categories', 'psp_webhook_events', 'payout_transmissions')
GROUP BY c.relname ORDER BY c.relname;

-- Nobody writes tables directly, whatever the scope: only the API functions do.
CREATE FUNCTION t.direct_write(role text, statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE format('SET LOCAL ROLE %I', role);
        EXECUTE statement;
        RAISE EXCEPTION USING ERRCODE = 'KB000', MESSAGE = 'WRITTEN';
    EXCEPTION WHEN OTHERS THEN
        RETURN SQLSTATE || ' ' || SQLERRM;
    END;
END $$;
SELECT role, t.direct_write(role, statement) AS outcome
FROM (VALUES ('kobatela_admin', $$INSERT INTO kobatela.users (username, email) VALUES ('w', 'w@example.com')$$),
             ('kobatela_sender', 'UPDATE kobatela.transactions SET amount = 0.01'),
             ('kobatela_support', 'DELETE FROM kobatela.alerts'),
             ('kobatela_anon', 'TRUNCATE kobatela.users'),
             ('kobatela_admin', 'SELECT key_hash FROM kobatela.api_keys'),
             ('kobatela_sender', 'SELECT nextval(pg_get_serial_sequence(''kobatela.users'', ''id''))')) AS w(role, statement);

-- PUBLIC has nothing: a role outside Kobatela cannot even see the schema's functions run.
CREATE ROLE kobatela_regress_outsider;
SELECT t.direct_write('kobatela_regress_outsider', 'SELECT kobatela.health()') AS outsider_calls_health;
SELECT t.direct_write('kobatela_regress_outsider', 'SELECT count(*) FROM kobatela.users') AS outsider_reads_users;
DROP ROLE kobatela_regress_outsider;
