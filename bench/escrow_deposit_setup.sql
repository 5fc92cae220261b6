-- Data for bench/escrow_deposit.pgbench, shaped like its PL/pgSQL peer's (bench/peer_escrow_deposit.sql):
-- 1 000 DRAFT escrows of 1 000 000 000.00 USD between bench/setup.sql's sender n and receiver n + 1000,
-- deadline five years away, so that no run's deposits of 1.00 ever reach a total. Loaded after
-- bench/setup.sql, as a superuser.
CREATE TABLE bench.deposit_escrow (n int PRIMARY KEY, escrow_id bigint NOT NULL);
INSERT INTO bench.deposit_escrow
SELECT n, (kobatela.create_escrow(n, n + 1000, 1000000000.00, 'USD', '{}', now() + interval '5 years')).id
FROM generate_series(1, 1000) n;
CREATE SEQUENCE bench.deposit_seq;     -- fresh idempotency keys 'd<n>'
