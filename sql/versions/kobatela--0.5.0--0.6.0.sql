-- Kobatela 0.5.0 → 0.6.0: money is conserved (issue 14), in steps.
-- ALTER EXTENSION kobatela UPDATE runs this after 0.5.0. It must leave the database exactly as a
-- fresh CREATE EXTENSION of 0.6.0 does (sql/*.sql): the upgrade test compares the two catalogues.
\echo Use "ALTER EXTENSION kobatela UPDATE TO '0.6.0'" to load this file. \quit
