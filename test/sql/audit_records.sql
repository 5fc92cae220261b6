-- One audit record per business action (docs/audit.md, "Records"): what a record holds, where its
-- boundaries are (an API call, a transaction outside any call, a bound on its size), what rolls
-- back with a savepoint, where a key's use goes, who reads which change, and the history of one
-- entity through its index. Nothing printed depends on ids, times, lanes or hashes.
SET client_min_messages = warning;
SELECT coalesce(max(id), 0) AS start FROM kobatela.audit_log \gset
-- The records written since `mark`, in order: action, actor, number of changes, entity keys
-- without their ids.
CREATE FUNCTION t.records_since(mark bigint) RETURNS TABLE (action text, actor text, changes int, entities text)
    LANGUAGE sql AS $$
    SELECT r.action, r.actor, json_array_length(r.changes),
           (SELECT string_agg(split_part(k, ':', 1), ' ' ORDER BY n) FROM unnest(r.entities) WITH ORDINALITY AS u (k, n))
    FROM kobatela.audit_log r WHERE r.id > mark ORDER BY r.id $$;
CREATE FUNCTION t.mark() RETURNS bigint LANGUAGE sql AS $$ SELECT coalesce(max(id), 0) FROM kobatela.audit_log $$;

SELECT id AS client FROM kobatela.create_user('rec_client', 'rec_client@example.com') \gset
SELECT id AS provider FROM kobatela.create_user('rec_provider', 'rec_provider@example.com') \gset
SELECT id AS escrow FROM kobatela.create_escrow(:client, :provider, 100, 'USD', '{}', now() + interval '1 day') \gset

-- ---- One API call, one record ---------------------------------------------------------------------
-- A deposit changes the deposits, the escrow and its timeline: one record, every change in it.
SELECT t.mark() AS m \gset
SELECT status FROM kobatela.escrow_deposit(:escrow, 100, 'rec-dep-1');
SELECT * FROM t.records_since(:m);
SELECT change_no, operation, action, entity FROM kobatela.audit_entries WHERE record_id > :m ORDER BY record_id, change_no;
-- A replay writes nothing, so no record.
SELECT t.mark() AS m \gset
SELECT status FROM kobatela.escrow_deposit(:escrow, 100, 'rec-dep-1');
SELECT count(*) AS records_of_a_replay FROM t.records_since(:m);
-- A refused call writes nothing either.
SELECT t.err($$SELECT kobatela.escrow_deposit(0, 100, 'rec-dep-2')$$) AS refused;
SELECT count(*) AS records_of_a_refusal FROM t.records_since(:m);

-- The stored changes are the exact bytes hashed: json (not jsonb) keeps them, whatever the output
-- settings of the session reading them.
SET DateStyle = 'SQL, DMY';
SET extra_float_digits = -10;
SELECT left(changes::text, 30) AS changes_start, json_typeof(changes) AS kind FROM kobatela.audit_log WHERE id = :m;
RESET DateStyle;
RESET extra_float_digits;

-- ---- Outside any API call: one record per transaction -----------------------------------------------
SELECT t.mark() AS m \gset
BEGIN;
UPDATE kobatela.users SET email = 'rec_client2@example.com' WHERE id = :client;
UPDATE kobatela.users SET email = 'rec_provider2@example.com' WHERE id = :provider;
SELECT count(*) AS records_before_commit FROM t.records_since(:m);
COMMIT;
SELECT * FROM t.records_since(:m);
-- Before a call's record, the changes made before it outside any call go first, as their own.
SELECT t.mark() AS m \gset
BEGIN;
UPDATE kobatela.users SET email = 'rec_client3@example.com' WHERE id = :client;
SELECT 1 AS one FROM kobatela.create_user('rec_third', 'rec_third@example.com');
COMMIT;
SELECT * FROM t.records_since(:m);

-- ---- Savepoints: what rolls back leaves nothing -----------------------------------------------------
SELECT t.mark() AS m \gset
BEGIN;
UPDATE kobatela.users SET email = 'rec_client4@example.com' WHERE id = :client;
SAVEPOINT s;
UPDATE kobatela.users SET email = 'rec_lost@example.com' WHERE id = :provider;
ROLLBACK TO SAVEPOINT s;
-- A call inside the savepoint: its record cannot take the outer change (a record written here would
-- vanish with the savepoint), which stays for COMMIT.
SELECT 1 AS one FROM kobatela.create_user('rec_in_savepoint', 'rec_in_savepoint@example.com');
ROLLBACK TO SAVEPOINT s;
RELEASE SAVEPOINT s;
COMMIT;
SELECT * FROM t.records_since(:m);
SELECT count(*) AS lost_changes FROM kobatela.audit_entries
WHERE record_id > :m AND (data::text LIKE '%rec_lost%' OR data::text LIKE '%rec_in_savepoint%');

-- ---- Bulk changes: records of at most 1000 changes, chained ---------------------------------------
SELECT t.mark() AS m \gset
INSERT INTO kobatela.alerts (type, message, actor_user_id) SELECT 'REC_BULK', 'bulk ' || i, :client FROM generate_series(1, 2500) i;
SELECT action, changes FROM t.records_since(:m);
SELECT count(*) AS bulk_entries FROM kobatela.audit_entries WHERE record_id > :m;
SELECT kobatela.verify_audit_chain() AS chain_ok_after_bulk;
DELETE FROM kobatela.alerts WHERE type = 'REC_BULK';

-- ---- A key's use joins the record of the call it authenticated ---------------------------------
CALL t.use_secret('api_key_pepper', 'records-pepper-do-not-log');
SELECT api_key AS rec_admin, id AS rec_admin_id FROM kobatela.create_api_key('rec admin', 'admin') \gset
SELECT api_key AS rec_support FROM kobatela.create_api_key('rec support', 'support') \gset
GRANT USAGE ON SCHEMA t TO kobatela_anon;
GRANT EXECUTE ON FUNCTION t.as_key(text, text) TO kobatela_anon;
SELECT t.mark() AS m \gset
SELECT t.as_key(:'rec_admin', $$SELECT username FROM kobatela.create_user('rec_by_key', 'rec_by_key@example.com')$$) AS created;
SELECT * FROM t.records_since(:m);
SELECT max(id) AS key_record FROM kobatela.audit_log \gset
SELECT change_no, operation, action, entity, actor = 'apikey:' || :rec_admin_id AS by_the_key
FROM kobatela.audit_entries WHERE record_id > :m ORDER BY record_id, change_no;
-- No change follows: the use is a record of its own, at COMMIT.
SELECT t.mark() AS m \gset
SELECT t.as_key(:'rec_admin', $$SELECT count(*)::text FROM kobatela.users WHERE username LIKE 'rec\_%'$$) AS users_read;
SELECT action, changes, entities FROM t.records_since(:m);

-- ---- Who reads which change: support sees a record's changes but the api_keys ones -----------------
SELECT t.as_key(:'rec_support', format($$SELECT string_agg(entity || ' ' || action, ', ' ORDER BY change_no)
                                         FROM kobatela.audit_entries WHERE record_id = %s$$, :key_record)) AS support_sees;
SELECT t.as_key(:'rec_admin', format($$SELECT string_agg(entity || ' ' || action, ', ' ORDER BY change_no)
                                       FROM kobatela.audit_entries WHERE record_id = %s$$, :key_record)) AS admin_sees;
-- The records themselves (audit_log): support reads those with no admin-only change only.
SELECT t.as_key(:'rec_support', format($$SELECT count(*)::text FROM kobatela.audit_log WHERE id > %s AND 'api_keys' = ANY (
                                           SELECT split_part(k, ':', 1) FROM unnest(entities) k)$$, :start)) AS support_key_records;
-- No scope, no change.
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT count(*) AS anon_entries FROM kobatela.audit_entries;
ROLLBACK;

-- ---- The history of one entity -------------------------------------------------------------------
SELECT t.as_key(:'rec_support', format($$SELECT string_agg(action || ' ' || coalesce(operation, '-'), ', ' ORDER BY record_id, change_no)
                                         FROM kobatela.audit_history('escrow_agreements', %s)$$, :escrow)) AS escrow_history;
SELECT t.as_key(:'rec_support', $$SELECT count(*)::text FROM kobatela.audit_history('users', -1)$$) AS unknown_entity;
SELECT t.err($$SELECT kobatela.audit_history(NULL, 1)$$) AS null_entity;
SELECT t.as_key('koba_000000.nothing', $$SELECT count(*)::text FROM kobatela.audit_history('users', 1)$$) AS without_a_key;
-- It finds the records through the entity keys' index, not by reading the log.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT r.id FROM kobatela.audit_log r WHERE r.entities @> ARRAY['escrow_agreements:1'];
RESET enable_seqscan;

-- ---- Two-phase commit: refused while changes wait for their record --------------------------------
\set SHOW_CONTEXT never
BEGIN;
UPDATE kobatela.users SET email = 'rec_2pc@example.com' WHERE id = :client;
PREPARE TRANSACTION 'rec_2pc';
SELECT :'LAST_ERROR_MESSAGE' AS message;
SELECT count(*) AS prepared FROM pg_prepared_xacts;

SELECT kobatela.verify_audit_chain() AS chain_ok_at_the_end;

-- Clean up what later files must not see (the escrow and its money stay: the books keep them).
REVOKE EXECUTE ON FUNCTION t.as_key(text, text) FROM kobatela_anon;
REVOKE USAGE ON SCHEMA t FROM kobatela_anon;
RESET kobatela.api_key_pepper_file;
DROP FUNCTION t.records_since(bigint), t.mark();
RESET client_min_messages;
