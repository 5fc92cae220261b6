-- types.sql — the enumerated types of the data model (spec.md §1).
--
-- Values are spelled exactly as spec.md says: lower-case for api_scope, upper-case elsewhere.
-- Their order is the order of the spec, which is also the natural order of each lifecycle; nothing
-- compares enum values with < or >, so the order carries no rule.

-- Scope of an API key (and of the kobatela_* roles): what a caller may do. worker (0.8.0, last so
-- that the upgrade's ADD VALUE gives the same order) hands payouts to the PSP and does nothing else.
CREATE TYPE kobatela.api_scope AS ENUM ('sender', 'support', 'admin', 'worker');

-- Level of a certified account (a certified receiver needs no allowlist entry).
CREATE TYPE kobatela.certification_level AS ENUM ('BASIC', 'GOLD');

-- Peer-to-peer transfer. REJECTED records a refused transfer as data (spec.md §2).
CREATE TYPE kobatela.transaction_status AS ENUM ('PENDING', 'COMPLETED', 'REJECTED', 'FAILED');

-- Escrow lifecycle (spec.md §3); RELEASED, REFUNDED and CANCELLED are terminal.
CREATE TYPE kobatela.escrow_status AS ENUM
    ('DRAFT', 'FUNDED', 'RELEASABLE', 'RELEASED', 'REFUNDED', 'CANCELLED');

-- Milestone lifecycle (spec.md §4). RELEASED and CANCELLED (0.6.0, last so that an upgrade's ADD
-- VALUE gives the same order) close a milestone still open when its escrow ends: RELEASED when the
-- escrow's release paid its remaining balance to the provider, CANCELLED when a refund returned it
-- to the client (docs/state_machines.md).
CREATE TYPE kobatela.milestone_status AS ENUM
    ('WAITING', 'PENDING_REVIEW', 'APPROVED', 'REJECTED', 'PAYING', 'PAID', 'RELEASED', 'CANCELLED');

-- Review state of a proof.
CREATE TYPE kobatela.proof_status AS ENUM ('PENDING', 'APPROVED', 'REJECTED');

-- Payout lifecycle (spec.md §5); SENT and SETTLED count against the escrow balance.
CREATE TYPE kobatela.payment_status AS ENUM ('PENDING', 'SENT', 'SETTLED', 'ERROR', 'REFUNDED');

-- What a payment pays, and so to whom (0.6.0): MILESTONE (a milestone, to the provider), PAYEE (a
-- spend to an allowed payee), RELEASE (an escrow's remaining balance, to the provider), REFUND (an
-- escrow's remaining balance, back to the client).
CREATE TYPE kobatela.payment_kind AS ENUM ('MILESTONE', 'PAYEE', 'RELEASE', 'REFUND');

-- A SENT payment's hand-off to the PSP (0.8.0, docs/payouts.md): QUEUED for a worker, CLAIMED by
-- one under a lease, TRANSMITTED (the PSP accepted it), ABANDONED (out of attempts: the payment
-- failed).
CREATE TYPE kobatela.transmission_state AS ENUM ('QUEUED', 'CLAIMED', 'TRANSMITTED', 'ABANDONED');

-- Usage mandate lifecycle (spec.md §6).
CREATE TYPE kobatela.mandate_status AS ENUM ('ACTIVE', 'EXPIRED', 'CONSUMED');

-- Purchase state (always COMPLETED in practice).
CREATE TYPE kobatela.purchase_status AS ENUM ('AUTHORIZED', 'COMPLETED', 'REJECTED');

-- Domains for the columns of the tables every hot path writes (payments, escrow_agreements,
-- escrow_deposits, escrow_events, allowed_payees, psp_webhook_events, usage_mandates, purchases):
-- each carries what was its column's CHECK. PostgreSQL reads a table's CHECK expressions from the
-- catalogue and prepares them all for every statement that writes the table, whichever columns it
-- sets; a domain's check is prepared once per backend (the type cache) and runs only on a value
-- assigned to a column of that type (docs/performance.md, "CHECK constraints"). The other tables
-- keep their CHECKs (tables_identity.sql, conventions).
CREATE DOMAIN kobatela.positive_money AS numeric(18,2) CONSTRAINT positive_money_check CHECK (VALUE > 0);
CREATE DOMAIN kobatela.nonnegative_money AS numeric(18,2) CONSTRAINT nonnegative_money_check CHECK (VALUE >= 0);
-- ISO 4217 shape: 3 upper-case letters (which codes are accepted is the currencies table's).
CREATE DOMAIN kobatela.currency_code AS text CONSTRAINT currency_code_check CHECK (VALUE ~ '^[A-Z]{3}$');
-- Text that holds more than spaces, of at most N characters: kobatela.nonblank_text_N.
DO $$
DECLARE
    n integer;
BEGIN
    FOREACH n IN ARRAY ARRAY[50, 64, 100, 120, 128, 200] LOOP
        EXECUTE format('CREATE DOMAIN kobatela.nonblank_text_%s AS text CONSTRAINT nonblank_text_%s_check '
                       'CHECK (btrim(VALUE) <> '''' AND char_length(VALUE) <= %s)', n, n, n);
    END LOOP;
END $$;
