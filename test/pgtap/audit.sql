-- audit.sql — the audit trail as a contract (docs/audit.md): every table is audited, the log is
-- append-only and hash-chained. Catalog queries over the whole schema, so a table added later is
-- held to the same rules without touching this file. Runs in a transaction that is rolled back.
BEGIN;
SELECT plan(25);

-- ---------------------------------------------------------------------------------------------
-- Every table but audit_log carries the audit triggers
-- ---------------------------------------------------------------------------------------------
-- pg_trigger.tgtype bits: 1 row, 2 before, 4 insert, 8 delete, 16 update, 32 truncate, 64 instead.
CREATE TEMP VIEW audit_triggers AS
SELECT c.relname::text AS table_name, g.tgname::text AS trigger_name, g.tgtype::int AS tgtype, g.tgenabled,
       g.tgfoid::regprocedure::text AS function
  FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
 WHERE c.relnamespace = 'kobatela'::regnamespace AND NOT g.tgisinternal;

SELECT is_empty(
    $$SELECT c.relname FROM pg_class c
       WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
         AND c.relname <> 'audit_log'
         AND NOT EXISTS (SELECT FROM audit_triggers t
                          WHERE t.table_name = c.relname AND t.trigger_name = 'audit'
                            AND t.function = 'kobatela.audit_row()' AND t.tgenabled = 'O'
                            AND (t.tgtype & (1 | 2 | 64)) = 1          -- AFTER ... FOR EACH ROW
                            AND (t.tgtype & (4 | 8 | 16)) = (4 | 8 | 16))$$,
    'every table of schema kobatela but audit_log has the enabled trigger "audit": AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW EXECUTE FUNCTION kobatela.audit_row()');

SELECT is_empty(
    $$SELECT c.relname FROM pg_class c
       WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
         AND c.relname <> 'audit_log'
         AND NOT EXISTS (SELECT FROM audit_triggers t
                          WHERE t.table_name = c.relname AND t.trigger_name = 'audit_truncate'
                            AND t.function = 'kobatela.audit_row()' AND t.tgenabled = 'O'
                            AND (t.tgtype & (1 | 2 | 64)) = 0 AND (t.tgtype & 32) = 32)$$,
    'every table of schema kobatela but audit_log has the enabled trigger "audit_truncate": AFTER TRUNCATE FOR EACH STATEMENT');

SELECT cmp_ok(
    (SELECT count(DISTINCT table_name)::int FROM audit_triggers WHERE function = 'kobatela.audit_row()'),
    '>=', 19, 'at least the 19 business tables of spec.md are audited');

SELECT is_empty(
    $$SELECT trigger_name FROM audit_triggers WHERE table_name = 'audit_log' AND function = 'kobatela.audit_row()'$$,
    'audit_log itself is not audited (no recursion)');

-- ---------------------------------------------------------------------------------------------
-- audit_log is append-only
-- ---------------------------------------------------------------------------------------------
SELECT ok(EXISTS (SELECT FROM audit_triggers
                   WHERE table_name = 'audit_log' AND function = 'kobatela.audit_log_append_only()'
                     AND tgenabled = 'O' AND (tgtype & (1 | 2 | 64)) = (1 | 2) AND (tgtype & (4 | 8 | 16)) = (8 | 16)),
    'audit_log has an enabled BEFORE UPDATE OR DELETE FOR EACH ROW trigger calling audit_log_append_only()');
SELECT ok(EXISTS (SELECT FROM audit_triggers
                   WHERE table_name = 'audit_log' AND function = 'kobatela.audit_log_append_only()'
                     AND tgenabled = 'O' AND (tgtype & (1 | 2 | 64)) = 2 AND (tgtype & 32) = 32),
    'audit_log has an enabled BEFORE TRUNCATE trigger calling audit_log_append_only()');

-- Through the API: a call's record is written when it returns (a plain INSERT's waits for COMMIT).
SELECT kobatela.create_user('tap_audit', 'tap_audit@example.com');
SELECT throws_ok($$UPDATE kobatela.audit_log SET actor = 'x'$$, 'PT403', 'AUDIT_LOG_APPEND_ONLY',
    'UPDATE on audit_log raises PT403 AUDIT_LOG_APPEND_ONLY, even for a superuser');
SELECT throws_ok('DELETE FROM kobatela.audit_log', 'PT403', 'AUDIT_LOG_APPEND_ONLY',
    'DELETE on audit_log raises PT403 AUDIT_LOG_APPEND_ONLY');
SELECT throws_ok('TRUNCATE kobatela.audit_log', 'PT403', 'AUDIT_LOG_APPEND_ONLY',
    'TRUNCATE on audit_log raises PT403 AUDIT_LOG_APPEND_ONLY');
SELECT ok(NOT has_table_privilege('public', 'kobatela.audit_log', 'INSERT')
          AND NOT has_table_privilege('public', 'kobatela.audit_log', 'SELECT'),
    'PUBLIC may neither read nor write audit_log');

-- ---------------------------------------------------------------------------------------------
-- The chain's columns, constraint and indexes
-- ---------------------------------------------------------------------------------------------
SELECT col_type_is('kobatela', 'audit_log', 'lane', 'integer', 'audit_log.lane is integer');
SELECT col_type_is('kobatela', 'audit_log', 'seq', 'bigint', 'audit_log.seq is bigint');
SELECT col_type_is('kobatela', 'audit_log', 'txid', 'xid8', 'audit_log.txid is xid8');
SELECT ok((SELECT bool_and(attnotnull) FROM pg_attribute
            WHERE attrelid = 'kobatela.audit_log'::regclass AND attname IN ('lane', 'seq', 'hash', 'txid', 'at')),
    'lane, seq, hash, txid and at are NOT NULL');
SELECT col_is_unique('kobatela', 'audit_log', ARRAY['lane', 'seq'], 'audit_log has UNIQUE (lane, seq)');
SELECT has_index('kobatela', 'audit_log', 'audit_log_entity_entity_id_idx', ARRAY['entity', 'entity_id'],
    'audit_log has an index on (entity, entity_id), for the rows of 0.3.0 to 0.6.0');
SELECT index_is_type('kobatela', 'audit_log', 'audit_log_entities_idx', 'gin',
    'the records'' entity keys have a GIN index (audit_history)');
SELECT has_index('kobatela', 'audit_log', 'audit_log_at_idx', ARRAY['at'], 'audit_log has an index on (at)');
SELECT index_is_type('kobatela', 'audit_log', 'audit_log_at_idx', 'brin',
    'the index on (at) is BRIN: append-only, at grows with the heap');

-- ---------------------------------------------------------------------------------------------
-- Functions
-- ---------------------------------------------------------------------------------------------
SELECT function_returns('kobatela', 'verify_audit_chain', ARRAY['jsonb'], 'boolean',
    'verify_audit_chain(jsonb) returns boolean');
SELECT function_returns('kobatela', 'audit_chain_tips', ARRAY[]::text[], 'setof record',
    'audit_chain_tips() returns a set of (lane, seq, hash)');
SELECT is(
    (SELECT string_agg(p.proname || ':' || p.prosecdef || ':' || coalesce(array_to_string(p.proconfig, ','), ''), ' '
                       ORDER BY p.proname)
       FROM pg_proc p WHERE p.pronamespace = 'kobatela'::regnamespace
        AND p.proname IN ('audit_row', 'audit_log_append_only', 'verify_audit_chain', 'audit_chain_tips')),
    'audit_chain_tips:true:search_path=pg_catalog, kobatela, pg_temp audit_log_append_only:false: '
    'audit_row:false: verify_audit_chain:true:search_path=pg_catalog, kobatela, pg_temp',
    'the readers are SECURITY DEFINER with a pinned search_path; the triggers are not (the writer switches to the table owner itself)');

-- ---------------------------------------------------------------------------------------------
-- One call, one chained record
-- ---------------------------------------------------------------------------------------------
SELECT is(
    (SELECT count(*)::int FROM kobatela.audit_entries WHERE entity = 'users' AND data ->> 'username' = 'tap_audit'),
    1, 'one audit entry for the created user');
SELECT ok(
    (SELECT octet_length(a.hash) = 32 AND (a.seq = 1) = (a.prev_hash IS NULL)
            AND (a.seq = 1 OR a.prev_hash = (SELECT b.hash FROM kobatela.audit_log b WHERE b.lane = a.lane AND b.seq = a.seq - 1))
            AND a.txid = pg_current_xact_id()
       FROM kobatela.audit_log a JOIN kobatela.audit_entries e ON e.record_id = a.id
      WHERE e.entity = 'users' AND e.data ->> 'username' = 'tap_audit'),
    'its record is chained: 32-byte hash, prev_hash = the previous record''s hash of its lane, this transaction''s txid');
SELECT ok(kobatela.verify_audit_chain(), 'verify_audit_chain() is true, uncommitted rows of this transaction included');

SELECT * FROM finish();
ROLLBACK;
