-- Kobatela 0.4.0 → 0.5.0: the architecture round (issue 13). The C++ now decides in src/core and
-- persists in src/store; the only schema change is a name.
-- ALTER EXTENSION kobatela UPDATE runs this after 0.4.0. It must leave the database exactly as a
-- fresh CREATE EXTENSION of 0.5.0 does (sql/*.sql): the upgrade test compares the two catalogues.
\echo Use "ALTER EXTENSION kobatela UPDATE TO '0.5.0'" to load this file. \quit

-- purchases.sender_id held the beneficiary who bought, never the mandate's sender (whose money it
-- is: usage_mandates.sender_id through mandate_id): it is named for what it holds, with its index
-- and foreign key. The row-level security policy on purchases follows the column (PostgreSQL keeps
-- policies as parsed expressions), and so do the audit trigger's per-table column lists (rebuilt on
-- the relcache invalidation the rename sends). Rows are untouched; audit rows written before keep
-- the name they were written with (docs/audit.md: the trail records what was).
ALTER TABLE kobatela.purchases RENAME COLUMN sender_id TO beneficiary_id;
ALTER INDEX kobatela.purchases_sender_id_idx RENAME TO purchases_beneficiary_id_idx;
ALTER TABLE kobatela.purchases RENAME CONSTRAINT purchases_sender_id_fkey TO purchases_beneficiary_id_fkey;
COMMENT ON COLUMN kobatela.purchases.beneficiary_id IS
    'The beneficiary who bought (the money is the sender''s of mandate_id). Named sender_id before 0.5.0.';
