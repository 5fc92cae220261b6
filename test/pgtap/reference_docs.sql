-- reference_docs.sql — docs/reference.md against the installed catalogue, so the reference cannot
-- drift: every function in schema kobatela has a "### `kobatela.name(args)`" heading whose
-- argument types (resolved with to_regtype, so float8 and double precision are the same) are the
-- function's, and every such heading names a function that exists. (test/unit/docs_test.cpp makes
-- the same check by name against sql/; this one sees what CREATE EXTENSION really made.)
-- pg_prove runs from the repository root, where psql reads the file.
\set reference `cat docs/reference.md`
BEGIN;
SELECT plan(3);

-- to_regtype of PostgreSQL 15 raises on text that is not a type name at all ("escrow_id bigint").
CREATE FUNCTION pg_temp.type_or_null(text) RETURNS regtype LANGUAGE plpgsql AS $$
BEGIN
    RETURN to_regtype($1);
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END $$;

CREATE TEMP TABLE documented AS
WITH heading AS (
    SELECT m[1] AS name, m[2] AS args
    FROM regexp_matches(:'reference', E'\\n### `kobatela\\.([a-z_0-9]+)\\(([^)]*)\\)', 'g') AS m
), arg AS (
    SELECT h.name, h.args, a.n,
           -- "name type DEFAULT x" or "type": the type is the whole text or what follows the name.
           regexp_replace(btrim(a.text), '\s+DEFAULT\s.*$', '', 'i') AS text
    FROM heading h, unnest(string_to_array(nullif(h.args, ''), ',')) WITH ORDINALITY AS a(text, n)
)
SELECT h.name,
       coalesce((SELECT array_agg(coalesce(pg_temp.type_or_null(a.text), pg_temp.type_or_null(regexp_replace(a.text, '^\S+\s+', '')))
                                  ORDER BY a.n)
                 FROM arg a WHERE a.name = h.name AND a.args = h.args), '{}')::regtype[] AS types
FROM heading h;

CREATE TEMP TABLE catalogued AS
SELECT p.proname::text AS name, coalesce(p.proargtypes::regtype[], '{}') AS types
FROM pg_proc p WHERE p.pronamespace = 'kobatela'::regnamespace;

SELECT ok((SELECT count(*) FROM documented) >= 45, 'the reference headings were read (50 functions in 0.2.0)');
SELECT is(ARRAY(SELECT name || '(' || array_to_string(types, ', ') || ')' FROM catalogued
                EXCEPT SELECT name || '(' || array_to_string(types, ', ') || ')' FROM documented ORDER BY 1),
          ARRAY[]::text[], 'every function in schema kobatela is documented with its argument types');
SELECT is(ARRAY(SELECT name || '(' || array_to_string(types, ', ') || ')' FROM documented
                EXCEPT SELECT name || '(' || array_to_string(types, ', ') || ')' FROM catalogued ORDER BY 1),
          ARRAY[]::text[], 'every documented function exists with those argument types');

SELECT * FROM finish();
ROLLBACK;
