-- Data for the spend and purchase benchmarks (bench/spend*.pgbench, bench/create_purchase*.pgbench),
-- shaped like the PL/pgSQL peer's (bench/peer_spend.sql) so both sides do the same work: 100 escrows,
-- each with 10 allowed payees without limits (1 000 payees, refs 'P<escrow>-<j>'), funded with far more
-- than any run can spend; and 1 000 grocery mandates, one per (sender, beneficiary) pair. Lookup tables
-- let a pgbench script pick a payee or a mandate by number in one statement. Loaded as a superuser.
CREATE SCHEMA IF NOT EXISTS bench;

-- spend: 100 escrows of 1 000 000 000.00 USD, fully deposited (FUNDED), deadline far away (5 years).
CREATE TABLE bench.spend_escrow (e int PRIMARY KEY, client_id bigint NOT NULL, provider_id bigint NOT NULL, escrow_id bigint);
INSERT INTO bench.spend_escrow (e, client_id, provider_id)
SELECT e, (kobatela.create_user('spend_client' || e, 'spend_client' || e || '@bench.example')).id,
          (kobatela.create_user('spend_provider' || e, 'spend_provider' || e || '@bench.example')).id
FROM generate_series(1, 100) e;
UPDATE bench.spend_escrow
SET escrow_id = (kobatela.create_escrow(client_id, provider_id, 1000000000.00, 'USD', '{}', now() + interval '5 years')).id;
SELECT count(*) FROM (SELECT kobatela.escrow_deposit(escrow_id, 1000000000.00) FROM bench.spend_escrow) d;
SELECT count(*) FROM (SELECT kobatela.add_allowed_payee(s.escrow_id, 'P' || s.e || '-' || j, 'bench payee ' || s.e || '-' || j)
                      FROM bench.spend_escrow s, generate_series(1, 10) j) p;
-- n = 1 .. 1 000, as peer.bench_payee numbers the peer's payees.
CREATE TABLE bench.spend_payee (n int PRIMARY KEY, escrow_id bigint NOT NULL, payee_ref text NOT NULL);
INSERT INTO bench.spend_payee
SELECT (s.e - 1) * 10 + j, s.escrow_id, 'P' || s.e || '-' || j FROM bench.spend_escrow s, generate_series(1, 10) j;
CREATE SEQUENCE bench.spend_seq;       -- fresh idempotency keys 's<n>'

-- create_purchase: a GROCERIES category, 10 grocers in it (not certified, so each purchase checks
-- the beneficiary's allowed usage), 1 000 senders each granting a beneficiary a grocery mandate of
-- 1 000 000 000.00 USD for five years, and each beneficiary allowed the category.
SELECT kobatela.create_spend_category('BENCH_GROCERIES', 'Groceries (benchmark)') \g /dev/null
CREATE TABLE bench.grocer (k int PRIMARY KEY, merchant_id bigint NOT NULL);
INSERT INTO bench.grocer
SELECT k, (kobatela.create_merchant('bench grocer ' || k, c.id, false)).id
FROM kobatela.spend_categories c, generate_series(1, 10) k WHERE c.code = 'BENCH_GROCERIES';
CREATE TABLE bench.mandate (n int PRIMARY KEY, sender_id bigint NOT NULL, beneficiary_id bigint NOT NULL,
                            merchant_id bigint NOT NULL, mandate_id bigint);
INSERT INTO bench.mandate (n, sender_id, beneficiary_id, merchant_id)
SELECT n, (kobatela.create_user('mandate_sender' || n, 'mandate_sender' || n || '@bench.example')).id,
          (kobatela.create_user('mandate_beneficiary' || n, 'mandate_beneficiary' || n || '@bench.example')).id,
          (SELECT g.merchant_id FROM bench.grocer g WHERE g.k = 1 + n % 10)
FROM generate_series(1, 1000) n;
UPDATE bench.mandate m
SET mandate_id = (kobatela.create_mandate(m.sender_id, m.beneficiary_id, 1000000000.00, 'USD', c.id, NULL,
                                          now() + interval '5 years')).id
FROM kobatela.spend_categories c WHERE c.code = 'BENCH_GROCERIES';
SELECT count(*) FROM (SELECT kobatela.allow_usage(m.beneficiary_id, NULL, c.id)
                      FROM bench.mandate m, kobatela.spend_categories c WHERE c.code = 'BENCH_GROCERIES') u;
CREATE SEQUENCE bench.purchase_seq;    -- fresh idempotency keys 'p<n>'
