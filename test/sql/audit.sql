-- The audit trail (src/audit/audit.cpp, sql/audit.sql, docs/audit.md): every changed row captured,
-- one hash-chained audit_log record per business action, append-only, verifiable; read change by
-- change through kobatela.audit_entries. Nothing printed depends on ids, times, lanes or hashes.
-- Every business row this file creates is deleted at the end (which is audited too), so the files
-- that run after it see the tables as they were.

-- verify_audit_chain() reports breaks as NOTICEs naming lanes and seqs, which vary between runs.
SET client_min_messages = warning;

SELECT coalesce(max(id), 0) AS audit_start FROM kobatela.audit_log \gset

-- This file's audit rows, with what varies replaced: ids (and an event's parties) by <id>, times
-- by <time>, an event's transaction by <txid>.
CREATE FUNCTION t.scrub(doc jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT coalesce(jsonb_object_agg(key, CASE
               WHEN jsonb_typeof(value) = 'object' THEN t.scrub(value)
               WHEN key IN ('created_at', 'updated_at', 'certified_at') AND jsonb_typeof(value) = 'string'
                   THEN '"<time>"'::jsonb
               WHEN key = 'txid' THEN '"<txid>"'::jsonb
               WHEN (key IN ('id', 'party_a', 'party_b') OR key LIKE '%\_id') AND jsonb_typeof(value) = 'number'
                   THEN '"<id>"'::jsonb
               ELSE value END), '{}')
    FROM jsonb_each(doc) $$;
CREATE VIEW t.audit AS
    SELECT e.record_id AS id, e.change_no, e.actor, e.action, e.entity, e.entity_id, t.scrub(e.data) AS data,
           e.data AS raw, r.lane, r.seq, e.operation
    FROM kobatela.audit_entries e JOIN kobatela.audit_log r ON r.id = e.record_id WHERE e.record_id > :audit_start;

-- Changes made outside any API call (this file's plain INSERTs and UPDATEs) are one record at
-- COMMIT, or just before the record of the next API call that changes something: inside a
-- transaction that the test rolls back, this call writes them out (and adds its own record).
CREATE FUNCTION t.flush() RETURNS void LANGUAGE sql AS $$
    SELECT kobatela.add_certification(u.id, 'BASIC') FROM kobatela.users u WHERE u.username = 'audit_flusher' $$;
SELECT 1 AS one FROM kobatela.create_user('audit_flusher', 'audit_flusher@example.com');

-- ---------------------------------------------------------------------------------------------
-- The existing API writes through the trigger
-- ---------------------------------------------------------------------------------------------
SELECT id AS amara FROM kobatela.create_user('audit_amara', 'audit_amara@example.com') \gset
SELECT id AS kofi FROM kobatela.create_user('audit_kofi', 'audit_kofi@example.com') \gset
SELECT id AS shop FROM kobatela.create_user('audit_shop', 'audit_shop@example.com') \gset
SELECT kobatela.add_to_allowlist(:amara, :kofi);
SELECT kobatela.add_certification(:shop, 'GOLD');
SELECT kobatela.add_certification(:shop, 'BASIC');
SELECT status FROM kobatela.create_transaction(:amara, :kofi, 150.00, 'EUR', 'audit-1');
SELECT status FROM kobatela.create_transaction(:kofi, :amara, 0.10, 'USD', 'audit-2');

SELECT actor, action, entity, data FROM t.audit ORDER BY id, change_no;

-- entity_id is the row's id; actor is the session's role; one entry per change, in one lane, in order.
SELECT count(*) AS audit_rows,
       count(*) FILTER (WHERE entity_id = coalesce((raw ->> 'id')::bigint,
                                                   (SELECT c.id FROM kobatela.certified_accounts c WHERE c.user_id = :shop)))
           AS entity_id_is_the_row_id,
       count(DISTINCT lane) AS lanes,
       bool_and(seq = (SELECT max(a.seq) FROM kobatela.audit_log a WHERE a.lane = t.audit.lane AND a.id <= t.audit.id))
           AS seq_grows_with_id
FROM t.audit;
SELECT count(*) AS users_rows FROM t.audit WHERE entity = 'users' AND entity_id IN (:amara, :kofi, :shop);

-- Values keep their JSON kinds: numbers, booleans, embedded JSON, exact money as a string, and
-- timestamps in ISO 8601 UTC whatever the session's DateStyle and TimeZone.
SELECT jsonb_typeof(raw -> 'id') AS id, jsonb_typeof(raw -> 'is_active') AS is_active,
       raw ->> 'created_at' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$' AS iso_utc_time
FROM t.audit WHERE entity = 'users' ORDER BY id, change_no LIMIT 1;
SELECT raw -> 'amount' AS amount, jsonb_typeof(raw -> 'payload') AS payload, raw -> 'payload' -> 'amount' AS payload_amount
FROM t.audit WHERE entity IN ('transactions', 'alerts') ORDER BY id, change_no;
SET DateStyle = 'SQL, DMY';
SET TimeZone = 'Pacific/Chatham';
INSERT INTO kobatela.alerts (type, message, actor_user_id, payload)
    VALUES ('AUDIT_PROBE', E'tab\there, new\nline, quote " backslash \\ bell \u0007 é', :amara, '{"b": [1, 2.50, {"z": null}], "a": 1e3}');
SELECT raw ->> 'created_at' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$' AS iso_utc_time,
       raw ->> 'message' = E'tab\there, new\nline, quote " backslash \\ bell \u0007 é' AS message_kept,
       raw -> 'payload' AS payload
FROM t.audit WHERE action = 'ALERTS_INSERT' ORDER BY id DESC, change_no DESC LIMIT 1;
RESET DateStyle;
RESET TimeZone;

-- An update records only the columns that changed; updated_at never counts.
UPDATE kobatela.users SET email = 'audit_amara2@example.com' WHERE id = :amara;
UPDATE kobatela.users SET is_active = is_active WHERE id = :amara;
UPDATE kobatela.users SET email = email, is_active = false WHERE id = :kofi;
SELECT action, entity, data FROM t.audit WHERE action = 'USERS_UPDATE' ORDER BY id, change_no;

-- Secrets are masked: an API key row written directly (as superuser) shows no key_hash.
INSERT INTO kobatela.api_keys (name, prefix, key_hash, scope, user_id)
    VALUES ('audit key', 'auditpfx', repeat('ab', 32), 'sender', :amara);
UPDATE kobatela.api_keys SET key_hash = repeat('cd', 32) WHERE prefix = 'auditpfx';
UPDATE kobatela.api_keys SET key_hash = key_hash, name = 'audit key 2' WHERE prefix = 'auditpfx';
SELECT action, data FROM t.audit WHERE entity = 'api_keys' ORDER BY id, change_no;
SELECT count(*) AS hashes_in_the_log FROM t.audit WHERE raw::text ~ '(ab){32}|(cd){32}';

-- The per-table cache follows ALTER TABLE (relcache invalidation): a new column is recorded, a
-- dropped one is not.
BEGIN;
ALTER TABLE kobatela.alerts ADD COLUMN audit_probe text DEFAULT 'probe';
INSERT INTO kobatela.alerts (type, message, actor_user_id) VALUES ('AUDIT_PROBE', 'added', :amara);
ALTER TABLE kobatela.alerts DROP COLUMN audit_probe, DROP COLUMN message;
INSERT INTO kobatela.alerts (type, actor_user_id) VALUES ('AUDIT_PROBE', :amara);
SELECT t.flush();
SELECT data FROM t.audit WHERE action = 'ALERTS_INSERT' ORDER BY id DESC, change_no DESC LIMIT 2;
SELECT kobatela.verify_audit_chain() AS chain_ok_inside;
ROLLBACK;

-- A float column is written as its shortest exact decimal, whatever extra_float_digits says.
BEGIN;
SET LOCAL extra_float_digits = -10;
-- (Through the API: a milestone is part of the books, which refuse one inserted by hand.)
SELECT id AS float_escrow FROM kobatela.create_escrow(:amara, :kofi, 500, 'USD', '{}', now() + interval '1 day') \gset
SELECT idx FROM kobatela.add_milestone(:float_escrow, 1, 'roof', 100, 'PHOTO', 'SENDER', 5.3210123456789, -4.0123, 200);
SELECT raw -> 'geofence_lat' AS lat, raw -> 'geofence_lng' AS lng, raw -> 'geofence_radius_m' AS radius
FROM t.audit WHERE entity = 'milestones';
ROLLBACK;

-- TRUNCATE, which fires no row trigger, is audited once per statement.
BEGIN;
TRUNCATE kobatela.alerts;
SELECT t.flush();
SELECT action, entity, entity_id, data FROM t.audit WHERE action = 'ALERTS_TRUNCATE';
ROLLBACK;

-- ---------------------------------------------------------------------------------------------
-- audit_log is append-only, for everyone (this session is a superuser)
-- ---------------------------------------------------------------------------------------------
SELECT t.err('UPDATE kobatela.audit_log SET actor = ''someone else''');
SELECT t.err('DELETE FROM kobatela.audit_log');
SELECT t.err('TRUNCATE kobatela.audit_log');
SELECT has_table_privilege('public', 'kobatela.audit_log', 'INSERT') AS public_may_insert,
       has_table_privilege('public', 'kobatela.audit_log', 'SELECT') AS public_may_read;

-- ---------------------------------------------------------------------------------------------
-- The hash chain
-- ---------------------------------------------------------------------------------------------
SELECT kobatela.verify_audit_chain() AS chain_ok;
SELECT count(*) > 0 AS has_tips, bool_and(hash ~ '^[0-9a-f]{64}$' AND seq > 0) AS tips_well_formed,
       count(*) = count(DISTINCT lane) AS one_tip_per_lane
FROM kobatela.audit_chain_tips();
SELECT bool_and(t.seq = m.seq AND t.hash = encode(m.hash, 'hex')) AS tips_are_the_last_rows
FROM kobatela.audit_chain_tips() t
JOIN LATERAL (SELECT seq, hash FROM kobatela.audit_log a WHERE a.lane = t.lane ORDER BY seq DESC LIMIT 1) m ON true;
SELECT jsonb_agg(t) AS anchors FROM kobatela.audit_chain_tips() t \gset
SELECT kobatela.verify_audit_chain(:'anchors') AS anchors_ok;

-- The lane this session writes, and two of its rows.
SELECT lane AS my_lane, max(seq) AS my_last FROM t.audit GROUP BY lane \gset
SELECT id AS middle_row FROM t.audit WHERE seq = :my_last - 3 \gset

-- Tampering, as a superuser who bypasses the append-only triggers; each case rolled back.
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE kobatela.audit_log SET changes = replace(changes::text, '"op": ', '"op":')::json WHERE id = :middle_row;
RESET session_replication_role;
SELECT kobatela.verify_audit_chain() AS after_editing_one_byte_of_changes;
ROLLBACK;

BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE kobatela.audit_log SET actor = 'role:nobody' WHERE id = :middle_row;
RESET session_replication_role;
SELECT kobatela.verify_audit_chain() AS after_editing_actor;
ROLLBACK;

BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM kobatela.audit_log WHERE id = :middle_row;
RESET session_replication_role;
SELECT kobatela.verify_audit_chain() AS after_deleting_a_middle_row;
ROLLBACK;

BEGIN;  -- swap two neighbours' seqs (in three steps: (lane, seq) is unique)
SET LOCAL session_replication_role = replica;
UPDATE kobatela.audit_log SET seq = -1 WHERE lane = :my_lane AND seq = :my_last - 2;
UPDATE kobatela.audit_log SET seq = :my_last - 2 WHERE lane = :my_lane AND seq = :my_last - 1;
UPDATE kobatela.audit_log SET seq = :my_last - 1 WHERE lane = :my_lane AND seq = -1;
RESET session_replication_role;
SELECT kobatela.verify_audit_chain() AS after_swapping_two_rows;
ROLLBACK;

BEGIN;  -- remove a middle row and renumber the rest: the prev_hash link breaks
SET LOCAL session_replication_role = replica;
DELETE FROM kobatela.audit_log WHERE id = :middle_row;
UPDATE kobatela.audit_log SET seq = seq - 1 WHERE lane = :my_lane AND seq > :my_last - 3;
RESET session_replication_role;
SELECT kobatela.verify_audit_chain() AS after_deleting_and_renumbering;
ROLLBACK;

BEGIN;  -- remove the newest row of the lane: the chain alone cannot tell, the anchors can
SET LOCAL session_replication_role = replica;
DELETE FROM kobatela.audit_log WHERE lane = :my_lane AND seq = :my_last;
RESET session_replication_role;
SELECT kobatela.verify_audit_chain() AS chain_alone, kobatela.verify_audit_chain(:'anchors') AS with_anchors;
ROLLBACK;

SELECT kobatela.verify_audit_chain() AS chain_ok_again;
SELECT t.err('SELECT kobatela.verify_audit_chain(''{"lane": 1}'')');
SELECT t.err('SELECT kobatela.verify_audit_chain(''[{"lane": 1, "seq": 1, "hash": "xyz"}]'')');
SELECT kobatela.verify_audit_chain('[]') AS no_anchors_ok;

-- ---------------------------------------------------------------------------------------------
-- Rolled-back work leaves no gap: savepoints, exception blocks, whole transactions
-- ---------------------------------------------------------------------------------------------
BEGIN;
SELECT 1 AS one FROM kobatela.create_user('audit_sp1', 'audit_sp1@example.com');
SAVEPOINT a;
SELECT 1 AS one FROM kobatela.create_user('audit_sp2', 'audit_sp2@example.com');
SAVEPOINT b;
SELECT 1 AS one FROM kobatela.create_user('audit_sp3', 'audit_sp3@example.com');
ROLLBACK TO SAVEPOINT a;
SELECT 1 AS one FROM kobatela.create_user('audit_sp4', 'audit_sp4@example.com');
SAVEPOINT c;
SELECT 1 AS one FROM kobatela.create_user('audit_sp5', 'audit_sp5@example.com');
RELEASE SAVEPOINT c;
COMMIT;
-- An error inside a PL/pgSQL exception block, after the row (and its audit row) was written.
SELECT t.err($$SELECT (kobatela.create_user('audit_err', 'audit_err@example.com')).id / 0$$);
BEGIN;
SELECT 1 AS one FROM kobatela.create_user('audit_rb', 'audit_rb@example.com');
ROLLBACK;
SELECT 1 AS one FROM kobatela.create_user('audit_sp6', 'audit_sp6@example.com');
SELECT string_agg(u.username, ' ' ORDER BY u.username) AS kept FROM kobatela.users u WHERE u.username LIKE 'audit\_sp%'
   OR u.username IN ('audit_err', 'audit_rb');
SELECT string_agg(a.raw ->> 'username', ' ' ORDER BY a.id, a.change_no) AS audited FROM t.audit a
WHERE a.entity = 'users' AND a.raw ? 'username' AND a.raw ->> 'username' NOT IN ('audit_amara', 'audit_kofi', 'audit_shop');
SELECT kobatela.verify_audit_chain() AS chain_ok_after_rollbacks,
       bool_and(n = last) AS every_lane_contiguous
FROM (SELECT lane, count(*) AS n, max(seq) AS last FROM kobatela.audit_log GROUP BY lane) l;

-- ---------------------------------------------------------------------------------------------
-- Two-phase commit: refused for a transaction that wrote audit rows (its lane could pass to
-- another backend while it is prepared). That it is allowed otherwise needs a server with prepared
-- transactions enabled: test/sql/prepared_transactions.sql (make installcheck-dev).
-- ---------------------------------------------------------------------------------------------
\set SHOW_CONTEXT never
BEGIN;
SELECT 1 AS one FROM kobatela.create_user('audit_2pc', 'audit_2pc@example.com');
PREPARE TRANSACTION 'audit_2pc';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate, :'LAST_ERROR_MESSAGE' AS message;
SELECT count(*) AS audit_2pc_users FROM kobatela.users WHERE username = 'audit_2pc';
SELECT count(*) AS prepared FROM pg_prepared_xacts;
SELECT kobatela.verify_audit_chain() AS chain_ok_after_2pc;

-- ---------------------------------------------------------------------------------------------
-- The writer is a plain INSERT (a cached plan), so it does what an INSERT does: TOAST for big
-- records, (lane, seq) unique, CHECK constraints, INSERT triggers. It does not keep audit_log open
-- between statements, so DDL on audit_log works in a transaction that has written records.
-- ---------------------------------------------------------------------------------------------
-- A row far larger than a page: stored out of line, read back whole, hashed like any other.
SELECT string_agg(md5(i::text), '') AS big_blob FROM generate_series(1, 5000) i \gset
INSERT INTO kobatela.alerts (type, message, actor_user_id, payload)
    VALUES ('AUDIT_BIG', 'big', :amara, jsonb_build_object('blob', :'big_blob'));
SELECT raw -> 'payload' ->> 'blob' = :'big_blob' AS big_row_kept, pg_column_size(raw) > 8192 AS bigger_than_a_page
FROM t.audit WHERE action = 'ALERTS_INSERT' ORDER BY id DESC, change_no DESC LIMIT 1;
SELECT kobatela.verify_audit_chain() AS chain_ok_with_a_big_row;

-- (lane, seq) is unique: a row squatting on this session's next seq makes its next write fail,
-- and the writer reads its tip again after the rollback.
SELECT lane AS my_lane, max(seq) AS my_tip FROM kobatela.audit_log
WHERE lane = (SELECT lane FROM t.audit ORDER BY id DESC, change_no DESC LIMIT 1) GROUP BY lane \gset
BEGIN;
INSERT INTO kobatela.audit_log (actor, action, entity, lane, seq, hash)
    VALUES ('squatter', 'SQUAT', 'none', :my_lane, :my_tip + 1, '\x00');
SELECT regexp_replace(t.err($$SELECT kobatela.create_user('audit_collides', 'audit_collides@example.com')$$),
                      '\(-?\d+, -?\d+\)', '(<lane>, <seq>)') AS squatted;
ROLLBACK;
INSERT INTO kobatela.alerts (type, message, actor_user_id) VALUES ('AUDIT_PROBE', 'after the squatter', :amara);  -- (autocommit: its record now)
SELECT seq = :my_tip + 1 AS next_seq_after_rollback FROM t.audit ORDER BY id DESC, change_no DESC LIMIT 1;

-- A CHECK constraint, if one is added, is evaluated (the error's detail, the failing row, varies).
BEGIN;
ALTER TABLE kobatela.audit_log ADD CONSTRAINT audit_probe CHECK (action <> 'USER_CREATED') NOT VALID;
SELECT split_part(t.err($$SELECT kobatela.create_user('audit_checked', 'audit_checked@example.com')$$), ': Failing row', 1) AS check_constraint;
INSERT INTO kobatela.alerts (type, message, actor_user_id) VALUES ('AUDIT_PROBE', 'passes the check', :amara);
SELECT t.flush();
SELECT count(*) AS rows_passing_the_check FROM t.audit WHERE raw ->> 'message' = 'passes the check';
ROLLBACK;

-- An INSERT trigger on audit_log fires for the writer's INSERT (here one that refuses), and the
-- writer writes again once it is gone.
BEGIN;
CREATE FUNCTION t.audit_probe() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE 'audit_probe saw %', NEW.action; END $$;
CREATE TRIGGER audit_probe BEFORE INSERT ON kobatela.audit_log FOR EACH ROW EXECUTE FUNCTION t.audit_probe();
SELECT t.err($$SELECT kobatela.create_user('audit_triggered', 'audit_triggered@example.com')$$) AS insert_trigger;
ROLLBACK;
INSERT INTO kobatela.alerts (type, message, actor_user_id) VALUES ('AUDIT_PROBE', 'trigger gone', :amara);
SELECT count(*) AS rows_after_the_trigger FROM t.audit WHERE raw ->> 'message' = 'trigger gone';
SELECT kobatela.verify_audit_chain() AS chain_ok_after_the_writer_checks;

-- ---------------------------------------------------------------------------------------------
-- A new session: it may take over the lane of the one that just ended (lanes are backend ids),
-- and reads the lane's tip from the table before its first write.
-- ---------------------------------------------------------------------------------------------
\c -
SET client_min_messages = warning;
SELECT 1 AS one FROM kobatela.create_user('audit_reconnected', 'audit_reconnected@example.com');
SELECT kobatela.verify_audit_chain() AS chain_ok_after_reconnecting;

-- ---------------------------------------------------------------------------------------------
-- Clean up the business rows (audited as deletes), and the chain still holds.
-- ---------------------------------------------------------------------------------------------
DELETE FROM kobatela.api_keys WHERE prefix = 'auditpfx';
DELETE FROM kobatela.alerts WHERE actor_user_id IN (:amara, :kofi, :shop);
-- Transactions are part of the books: deleting one by hand is refused, for a superuser too
-- (BOOKS_WRITE_REFUSED). The clean-up skips the audit trigger (replica mode), and so the audit.
DELETE FROM kobatela.transactions WHERE sender_id IN (:amara, :kofi, :shop);
SET session_replication_role = replica;
DELETE FROM kobatela.transactions WHERE sender_id IN (:amara, :kofi, :shop);
RESET session_replication_role;
DELETE FROM kobatela.allowed_recipients WHERE owner_id IN (:amara, :kofi, :shop);
DELETE FROM kobatela.certified_accounts WHERE user_id IN (:amara, :kofi, :shop)
    OR user_id = (SELECT id FROM kobatela.users WHERE username = 'audit_flusher');
DELETE FROM kobatela.users WHERE username LIKE 'audit\_%';
SELECT action, count(*) FROM t.audit WHERE action LIKE '%\_DELETE' GROUP BY action ORDER BY action;
SELECT action, data FROM t.audit WHERE action = 'API_KEYS_DELETE';
SELECT kobatela.verify_audit_chain() AS chain_ok_at_the_end;
DROP VIEW t.audit;
DROP FUNCTION t.scrub(jsonb), t.flush();
RESET client_min_messages;
