-- The error barrier (src/pg/guard.hpp): a C++ exception, a bad_alloc, a catalogued error and a
-- PostgreSQL error raised in the middle of SPI each come out as a clean SQL error, C++
-- destructors run, and the same backend keeps working.
CREATE FUNCTION bridge_probe(mode text) RETURNS text
    LANGUAGE C AS '$libdir/koba_test_probes', 'kobatela_bridge_probe';

SELECT pg_backend_pid() AS backend \gset
SELECT bridge_probe('ok');
SELECT bridge_probe('live') AS live_objects;

-- Each of these ends in an error; the backend survives every one.
SELECT t.err($$SELECT bridge_probe('cpp_exception')$$);
SELECT t.err($$SELECT bridge_probe('bad_alloc')$$);
SELECT t.err($$SELECT bridge_probe('catalogued')$$);
SELECT t.err($$SELECT bridge_probe('pg_error_in_spi')$$);
SELECT t.err($$SELECT bridge_probe('pg_error_palloc')$$);
SELECT t.err($$SELECT bridge_probe('nested:cpp_exception')$$);
SELECT t.err($$SELECT bridge_probe('nested:pg_error_in_spi')$$);
SELECT t.err($$SELECT bridge_probe('no such mode')$$);

-- Plain psql sees the same clean errors, outside any PL/pgSQL handler.
SELECT bridge_probe('cpp_exception');
SELECT bridge_probe('pg_error_in_spi');
SELECT bridge_probe('bad_alloc');

-- Every C++ object those calls created (one per probe, one more inside each SPI scope) was
-- destroyed while unwinding: none is left alive.
SELECT bridge_probe('live') AS live_objects;

SELECT pg_backend_pid() = :backend AS same_backend;
SELECT bridge_probe('ok');
SELECT bridge_probe('nested:ok');

-- After an error rolled back to a savepoint, SPI works again in the same transaction.
BEGIN;
SAVEPOINT before_error;
SELECT bridge_probe('pg_error_in_spi');
ROLLBACK TO SAVEPOINT before_error;
SELECT bridge_probe('nested:nested:ok');
COMMIT;

-- A thousand errors in a row leave no C++ object behind, and the backend usable.
DO $$
BEGIN
    FOR i IN 1..1000 LOOP
        BEGIN
            PERFORM bridge_probe(CASE i % 3 WHEN 0 THEN 'cpp_exception' WHEN 1 THEN 'pg_error_in_spi' ELSE 'catalogued' END);
        EXCEPTION WHEN OTHERS THEN NULL;
        END;
    END LOOP;
END $$;
SELECT pg_backend_pid() = :backend AS same_backend, bridge_probe('live') AS live_objects;

-- A PostgreSQL error made recoverable (pg::recoverable, src/pg/subtransaction.hpp) is rolled back
-- in a subtransaction before the call goes on: what the failed statement's subtransaction wrote is
-- gone, and the same call uses SPI again, also when the probe itself runs through SPI.
CREATE TEMP TABLE bridge_probe_rows (n int);
SELECT bridge_probe('recovered_in_spi');
SELECT bridge_probe('nested:recovered_in_spi');
-- Raised on after the rollback, the error is PostgreSQL's own; a C++ exception goes on as itself.
SELECT t.err($$SELECT bridge_probe('recovered_raised')$$);
SELECT t.err($$SELECT bridge_probe('recovered_cpp_exception')$$);

-- The transaction that recovered is not aborted: it goes on and commits.
BEGIN;
SELECT bridge_probe('recovered_in_spi');
INSERT INTO bridge_probe_rows VALUES (2);
COMMIT;
SELECT n FROM bridge_probe_rows;

-- A thousand recoveries in a row leave no C++ object behind and keep nothing they wrote (the
-- one row is the one committed above).
DO $$
BEGIN
    FOR i IN 1..1000 LOOP
        PERFORM bridge_probe('recovered_in_spi');
    END LOOP;
END $$;
SELECT (SELECT count(*) FROM bridge_probe_rows) AS rows_kept, bridge_probe('live') AS live_objects;
DROP TABLE bridge_probe_rows;

-- The SQL of a function declared STABLE or IMMUTABLE runs read-only (src/pg/spi.hpp), as PL/pgSQL
-- runs a non-volatile function's: its reads work, and a write fails instead of happening; the same
-- body declared VOLATILE writes. The mode belongs to each call: a STABLE call nested in a VOLATILE
-- one leaves its caller read-write, also after a refusal, and ALTER FUNCTION is seen at once.
CREATE FUNCTION bridge_probe_stable(mode text) RETURNS text
    LANGUAGE C STABLE AS '$libdir/koba_test_probes', 'kobatela_bridge_probe';
CREATE TEMP TABLE bridge_probe_rows (n int);
SELECT bridge_probe('write') AS volatile_writes;
SELECT bridge_probe_stable('count') AS stable_reads;
SELECT t.err($$SELECT bridge_probe_stable('write')$$) AS stable_write;
SELECT bridge_probe('stable_then_write') AS after_nested_stable;
SELECT bridge_probe('write') AS after_refused_write;
ALTER FUNCTION bridge_probe_stable(text) VOLATILE;
SELECT bridge_probe_stable('write') AS altered_to_volatile;
ALTER FUNCTION bridge_probe_stable(text) IMMUTABLE;
SELECT t.err($$SELECT bridge_probe_stable('write')$$) AS altered_to_immutable;
SELECT count(*) AS rows_written FROM bridge_probe_rows;
DROP TABLE bridge_probe_rows;
DROP FUNCTION bridge_probe_stable(text);
-- Kobatela's own non-volatile functions, whose SQL therefore runs read-only: none of them writes
-- (the suites call every one; one that wrote would fail as bridge_probe_stable('write') does).
SELECT p.proname AS function, p.provolatile AS volatility
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'kobatela' AND p.provolatile <> 'v' ORDER BY p.proname;

-- A C++ exception that left a PG_TRY block behind (the bug pg_call prevents) leaves
-- PG_exception_stack pointing into a dead stack frame: the entry point puts it back and warns,
-- whether the call then fails or returns, and the backend goes on.
SELECT bridge_probe('moved_exception_stack');
SELECT bridge_probe('moved_exception_stack_ok');
SELECT pg_backend_pid() = :backend AS same_backend, bridge_probe('live') AS live_objects;

DROP FUNCTION bridge_probe(text);
