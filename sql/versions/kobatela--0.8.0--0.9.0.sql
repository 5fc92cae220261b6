-- Kobatela 0.8.0 → 0.9.0: fitting the ecosystem (observability, standbys, pooling, packaging), in steps.
-- ALTER EXTENSION kobatela UPDATE runs this after 0.8.0. It must leave the database exactly as a
-- fresh CREATE EXTENSION of 0.9.0 does (sql/*.sql): the upgrade test compares the two catalogues.
\echo Use "ALTER EXTENSION kobatela UPDATE TO '0.9.0'" to load this file. \quit

-- The C functions of 0.8.0 name the library's symbols; every one of them is still exported by
-- 0.9.0's kobatela.so, so the update replaces no function it does not change.
