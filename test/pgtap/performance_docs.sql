-- performance_docs.sql — docs/performance.md's "Indexes and the queries they serve" against the
-- installed catalogue: every index of a Kobatela table is named there with what it serves, and
-- every index it names exists, so that an index added or dropped cannot leave the section behind.
-- pg_prove runs from the repository root, where psql reads the file.
\set performance `cat docs/performance.md`
BEGIN;
SELECT plan(3);

CREATE TEMP TABLE documented AS
SELECT DISTINCT m[1] AS name
FROM regexp_matches(substring(:'performance' FROM E'\\n## Indexes and the queries they serve\\n(.*?)\\n## '),
                    '`([a-z0-9_]+_(?:pkey|key|idx))`', 'g') AS m;

SELECT ok((SELECT count(*) FROM documented) >= 80, 'the section was read');
SELECT is(ARRAY(SELECT indexname::text FROM pg_indexes WHERE schemaname = 'kobatela'
                EXCEPT SELECT name FROM documented ORDER BY 1),
          '{}'::text[], 'every index of a Kobatela table is in the section');
SELECT is(ARRAY(SELECT name FROM documented
                EXCEPT SELECT indexname::text FROM pg_indexes WHERE schemaname = 'kobatela' ORDER BY 1),
          '{}'::text[], 'every index the section names exists');

SELECT * FROM finish();
ROLLBACK;
