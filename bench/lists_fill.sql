-- bench/lists_fill.sql — rows for the lists' benchmark (bench/lists_scale.sh) and their plan test
-- (test/pgtap/list_plans.sql): brings each list's table up to a number of rows, spread over
-- :users users (the first fill makes them) and their escrows and mandates, then ANALYZEs.
--
--   psql -v rows=10000 [-v big=1000000] [-v users=1000] -f bench/lists_fill.sql
--
-- rows: every list's table (escrow_agreements, milestones, allowed_payees, payments,
-- escrow_deposits, escrow_events, transactions, usage_mandates, purchases, alerts, api_keys);
-- big (default rows): escrow_agreements and payments only, the two shapes of access path the other
-- lists share (a party's rows along (party, id); an escrow's along (escrow_id, id)).
--
-- Written by hand as the table owner in replica mode (session_replication_role): the books' guard
-- refuses money rows written outside the API (payments, deposits, purchases...), and the audit
-- trigger, the foreign keys' and the guard's triggers do not change what a list reads; a fill of
-- a million rows through the API would take minutes. Superuser only.
\if :{?big}
\else
\set big :rows
\endif
\if :{?users}
\else
\set users 1000
\endif
SET session_replication_role = replica;
SET client_min_messages = warning;
INSERT INTO kobatela.users (username, email)
SELECT 'lp' || g, 'lp' || g || '@bench.example' FROM generate_series((SELECT count(*) + 1 FROM kobatela.users), :users) g;
INSERT INTO kobatela.merchants (name) VALUES ('lp shop') ON CONFLICT DO NOTHING;
CREATE TEMP TABLE lp_users AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM kobatela.users ORDER BY id LIMIT :users;
-- How many rows each table needs, and where its parents' ids start.
CREATE TEMP TABLE lp_need AS SELECT
    greatest(:big - (SELECT count(*) FROM kobatela.escrow_agreements), 0) AS escrows,
    greatest(:big - (SELECT count(*) FROM kobatela.payments), 0) AS payments,
    greatest(:rows - (SELECT count(*) FROM kobatela.milestones), 0) AS milestones,
    greatest(:rows - (SELECT count(*) FROM kobatela.allowed_payees), 0) AS payees,
    greatest(:rows - (SELECT count(*) FROM kobatela.escrow_deposits), 0) AS deposits,
    greatest(:rows - (SELECT count(*) FROM kobatela.escrow_events), 0) AS events,
    greatest(:rows - (SELECT count(*) FROM kobatela.transactions), 0) AS transactions,
    greatest(:rows - (SELECT count(*) FROM kobatela.usage_mandates), 0) AS mandates,
    greatest(:rows - (SELECT count(*) FROM kobatela.purchases), 0) AS purchases,
    greatest(:rows - (SELECT count(*) FROM kobatela.alerts), 0) AS alerts,
    greatest(:rows - (SELECT count(*) FROM kobatela.api_keys), 0) AS api_keys,
    (SELECT count(*) FROM kobatela.payments) AS payments_before;
-- Escrows, transfers and mandates go round the users (user n with user n + 1).
CREATE TEMP TABLE lp_user_ring AS SELECT a.n, a.id AS one, b.id AS other
FROM lp_users a JOIN lp_users b ON b.n = (a.n + 1) % (SELECT count(*) FROM lp_users);
INSERT INTO kobatela.escrow_agreements (client_id, provider_id, amount_total, currency, release_conditions, deadline_at)
SELECT r.one, r.other, 10, 'USD', '{}', now() + interval '1 day'
FROM lp_need, generate_series(1, escrows) g JOIN lp_user_ring r ON r.n = g % (SELECT count(*) FROM lp_users);
CREATE TEMP TABLE lp_escrows AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM kobatela.escrow_agreements ORDER BY id LIMIT 1000;
-- An escrow's children go round the first 1 000 escrows.
INSERT INTO kobatela.payments (escrow_id, amount, status, kind, psp_ref)
SELECT e.id, 1, 'SENT', 'RELEASE', 'lp-' || (payments_before + g)
FROM lp_need, generate_series(1, payments) g JOIN lp_escrows e ON e.n = g % 1000;
INSERT INTO kobatela.milestones (escrow_id, idx, label, amount)
SELECT e.id, (SELECT coalesce(max(idx), 0) FROM kobatela.milestones) + 1 + g / 1000, 'm', 1
FROM lp_need, generate_series(1, milestones) g JOIN lp_escrows e ON e.n = g % 1000;
INSERT INTO kobatela.allowed_payees (escrow_id, payee_ref, label)
SELECT e.id, 'lp-' || g || '-' || (SELECT count(*) FROM kobatela.allowed_payees), 'payee'
FROM lp_need, generate_series(1, payees) g JOIN lp_escrows e ON e.n = g % 1000;
INSERT INTO kobatela.escrow_deposits (escrow_id, amount)
SELECT e.id, 1 FROM lp_need, generate_series(1, deposits) g JOIN lp_escrows e ON e.n = g % 1000;
INSERT INTO kobatela.escrow_events (escrow_id, kind)
SELECT e.id, 'DEPOSIT' FROM lp_need, generate_series(1, events) g JOIN lp_escrows e ON e.n = g % 1000;
INSERT INTO kobatela.transactions (sender_id, receiver_id, amount, status)
SELECT r.one, r.other, 1, 'COMPLETED' FROM lp_need, generate_series(1, transactions) g JOIN lp_user_ring r ON r.n = g % (SELECT count(*) FROM lp_users);
INSERT INTO kobatela.usage_mandates (sender_id, beneficiary_id, total_amount, status, expires_at)
SELECT r.one, r.other, 10, 'EXPIRED', now() FROM lp_need, generate_series(1, mandates) g JOIN lp_user_ring r ON r.n = g % (SELECT count(*) FROM lp_users);
CREATE TEMP TABLE lp_mandates AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, beneficiary_id FROM kobatela.usage_mandates ORDER BY id LIMIT 1000;
INSERT INTO kobatela.purchases (beneficiary_id, merchant_id, amount, mandate_id)
SELECT m.beneficiary_id, (SELECT id FROM kobatela.merchants WHERE name = 'lp shop'), 1, m.id
FROM lp_need, generate_series(1, purchases) g JOIN lp_mandates m ON m.n = g % 1000;
INSERT INTO kobatela.alerts (type, message, actor_user_id)
SELECT 'LP_' || g % 10, 'lists benchmark', u.id FROM lp_need, generate_series(1, alerts) g JOIN lp_users u ON u.n = g % (SELECT count(*) FROM lp_users);
INSERT INTO kobatela.api_keys (name, prefix, key_hash, scope, user_id)
SELECT 'lp', 'lp' || (SELECT count(*) FROM kobatela.api_keys) + g, 'lp-hash-' || (SELECT count(*) FROM kobatela.api_keys) + g, 'sender', u.id
FROM lp_need, generate_series(1, api_keys) g JOIN lp_users u ON u.n = g % (SELECT count(*) FROM lp_users);
RESET session_replication_role;
DROP TABLE lp_users, lp_need, lp_user_ring, lp_escrows, lp_mandates;
ANALYZE kobatela.users, kobatela.escrow_agreements, kobatela.payments, kobatela.milestones, kobatela.allowed_payees,
        kobatela.escrow_deposits, kobatela.escrow_events, kobatela.transactions, kobatela.usage_mandates,
        kobatela.purchases, kobatela.alerts, kobatela.api_keys;
RESET client_min_messages;
