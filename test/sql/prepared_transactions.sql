-- Two-phase commit that Kobatela lets through (src/audit: a transaction may be prepared unless
-- changes of its own wait for their audit record). audit.sql and audit_records.sql check the
-- refusals, which need no prepared-transaction slot; preparing for real needs a server with
-- max_prepared_transactions > 0 (make test's cluster: scripts/cluster.sh), so this file is in the
-- Makefile's REGRESS_DEV: `make installcheck-dev` runs it, plain `make installcheck` does not.
\set SHOW_CONTEXT never
SELECT current_setting('max_prepared_transactions')::int > 0 AS prepared_transactions_enabled;
CREATE TABLE t.p2pc_notes (note text);

-- Its only audited changes were rolled back with a savepoint: nothing to refuse. The user stays
-- rolled back; the transaction's own unaudited row is committed with it.
BEGIN;
SAVEPOINT a;
SELECT 1 AS one FROM kobatela.create_user('p2pc_sp', 'p2pc_sp@example.com');
ROLLBACK TO SAVEPOINT a;
INSERT INTO t.p2pc_notes VALUES ('prepared after a rolled-back call');
PREPARE TRANSACTION 'p2pc_savepoint';
SELECT gid FROM pg_prepared_xacts;
COMMIT PREPARED 'p2pc_savepoint';
SELECT count(*) AS p2pc_users FROM kobatela.users WHERE username = 'p2pc_sp';
SELECT note FROM t.p2pc_notes;

-- Kobatela only read: nothing to refuse either; ROLLBACK PREPARED undoes the transaction's row.
BEGIN;
SELECT kobatela.health() ->> 'status' <> 'error' AS serving;
INSERT INTO t.p2pc_notes VALUES ('rolled back after prepare');
PREPARE TRANSACTION 'p2pc_read_only';
ROLLBACK PREPARED 'p2pc_read_only';
SELECT count(*) AS notes FROM t.p2pc_notes;

-- A transaction that wrote audited rows is still refused, and nothing is left prepared.
BEGIN;
SELECT 1 AS one FROM kobatela.create_user('p2pc_written', 'p2pc_written@example.com');
PREPARE TRANSACTION 'p2pc_written';
SELECT count(*) AS p2pc_written_users FROM kobatela.users WHERE username = 'p2pc_written';
SELECT count(*) AS prepared FROM pg_prepared_xacts;
SELECT kobatela.verify_audit_chain() AS chain_ok_after_2pc;
DROP TABLE t.p2pc_notes;
