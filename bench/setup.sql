-- Data for the benchmarks: 1 000 senders, each allowlisting its own receiver (ids n and n + 1000).
CREATE SCHEMA bench;
CREATE SEQUENCE bench.key_seq;
SELECT kobatela.create_user('sender' || n, 'sender' || n || '@bench.example') FROM generate_series(1, 1000) n;
SELECT kobatela.create_user('receiver' || n, 'receiver' || n || '@bench.example') FROM generate_series(1, 1000) n;
SELECT kobatela.add_to_allowlist(n, n + 1000) FROM generate_series(1, 1000) n;

-- submit_proof: escrows, each funded, with one geofenced PHOTO milestone waiting for its proof.
-- Each benchmark transaction proves the next escrow (bench.proof_seq), so every call auto-approves
-- a photo and pays a milestone out. 120 000 are enough for 2 client counts x 10 s at ~5 000 TPS.
CREATE SEQUENCE bench.proof_seq;
CREATE TABLE bench.proof_escrow (n bigint PRIMARY KEY, escrow_id bigint NOT NULL);
INSERT INTO bench.proof_escrow
SELECT row_number() OVER (), (kobatela.create_escrow(n, n + 1000, 10, 'USD', '{}', now() + interval '1 day')).id
FROM generate_series(1, :proof_escrows / 1000) r, generate_series(1, 1000) n;
SELECT count(*) FROM (SELECT kobatela.escrow_deposit(escrow_id, 10) FROM bench.proof_escrow) d;
SELECT count(*) FROM (SELECT kobatela.add_milestone(escrow_id, 1, 'photo', 10, 'PHOTO', 'SENDER', 5.3210, -4.0123, 500)
                      FROM bench.proof_escrow) m;

-- psp_webhook: 1 000 SENT payments to settle, one signed event per call (fresh event id), made
-- through the API (payments are the books: nothing writes them by hand): 1 000 escrows of 1.00,
-- each paying it to an allowed payee.
CREATE SEQUENCE bench.event_seq;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE TABLE bench.psp_escrow (n int PRIMARY KEY, escrow_id bigint NOT NULL);
INSERT INTO bench.psp_escrow
SELECT n, (kobatela.create_escrow(n, n + 1000, 1, 'USD', '{}', now() + interval '1 day')).id FROM generate_series(1, 1000) n;
SELECT count(*) FROM (SELECT kobatela.escrow_deposit(escrow_id, 1) FROM bench.psp_escrow) d;
SELECT count(*) FROM (SELECT kobatela.add_allowed_payee(escrow_id, 'psp-bench', 'bench payee') FROM bench.psp_escrow) p;
CREATE TABLE bench.psp_payment (n int PRIMARY KEY, psp_ref text NOT NULL);
INSERT INTO bench.psp_payment
SELECT n, (kobatela.spend(escrow_id, 'psp-bench', 1.00)).psp_ref FROM bench.psp_escrow;
