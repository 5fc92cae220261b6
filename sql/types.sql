-- types.sql — the enumerated types of the data model (spec.md §1).
--
-- Values are spelled exactly as spec.md says: lower-case for api_scope, upper-case elsewhere.
-- Their order is the order of the spec, which is also the natural order of each lifecycle; nothing
-- compares enum values with < or >, so the order carries no rule.

-- Scope of an API key (and of the kobatela_* roles): what a caller may do.
CREATE TYPE kobatela.api_scope AS ENUM ('sender', 'support', 'admin');

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

-- Usage mandate lifecycle (spec.md §6).
CREATE TYPE kobatela.mandate_status AS ENUM ('ACTIVE', 'EXPIRED', 'CONSUMED');

-- Purchase state (always COMPLETED in practice).
CREATE TYPE kobatela.purchase_status AS ENUM ('AUTHORIZED', 'COMPLETED', 'REJECTED');
