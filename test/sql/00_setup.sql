-- Helpers shared by the pg_regress files that follow (they run in order, in one database).
CREATE SCHEMA t;

-- Runs a statement and tells how it ended: 'SQLSTATE MESSAGE: DETAIL', or 'no error'.
CREATE FUNCTION t.err(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    state text; message text; detail text;
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    RETURN state || ' ' || message || coalesce(': ' || nullif(detail, ''), '');
END $$;

-- Row count of every table in schema kobatela, to prove that a failed call wrote nothing.
CREATE FUNCTION t.row_counts() RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    result jsonb := '{}';
    n bigint;
    name text;
BEGIN
    FOR name IN SELECT c.relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
                WHERE s.nspname = 'kobatela' AND c.relkind = 'r' ORDER BY 1 LOOP
        EXECUTE format('SELECT count(*) FROM kobatela.%I', name) INTO n;
        result := result || jsonb_build_object(name, n);
    END LOOP;
    RETURN result;
END $$;

SELECT count(*) > 15 AS every_table_counted FROM jsonb_object_keys(t.row_counts());
