-- Kobatela 0.6.0 → 0.7.0: one audit record per business action, and the hot paths (issue 15), in steps.
-- ALTER EXTENSION kobatela UPDATE runs this after 0.6.0. It must leave the database exactly as a
-- fresh CREATE EXTENSION of 0.7.0 does (sql/*.sql): the upgrade test compares the two catalogues.
\echo Use "ALTER EXTENSION kobatela UPDATE TO '0.7.0'" to load this file. \quit

-- Hot paths 4: psp_ref is a UUIDv7 (time-ordered), made in C++ (src/core/references.hpp).
COMMENT ON COLUMN kobatela.payments.psp_ref IS
    'Reference at the payment provider: PSP-<UUIDv7>, a millisecond timestamp then 74 random bits (time-ordered); webhooks match payments by it.';
