-- Data for the benchmarks: 1 000 senders, each allowlisting its own receiver (ids n and n + 1000).
CREATE SCHEMA bench;
CREATE SEQUENCE bench.key_seq;
SELECT kobatela.create_user('sender' || n, 'sender' || n || '@bench.example') FROM generate_series(1, 1000) n;
SELECT kobatela.create_user('receiver' || n, 'receiver' || n || '@bench.example') FROM generate_series(1, 1000) n;
SELECT kobatela.add_to_allowlist(n, n + 1000) FROM generate_series(1, 1000) n;
