-- Tables for bench/ceilings.sh's audit floors (after bench/audit_setup.sql): what writing a second row
-- costs with no trigger at all, as a lower bound for any audit trigger that keeps one row per change.
CREATE TABLE bench.floor_min (alert_id bigint);   -- the least a second row can be: 8 bytes, no index
-- An audit-like row: the new row as jsonb (what a change log must keep at least), numbered in a
-- chain-like (lane, seq) key, its only index; no actor, action, transaction id or hash.
CREATE TABLE bench.floor_row (lane integer NOT NULL, seq bigint NOT NULL, data jsonb NOT NULL, PRIMARY KEY (lane, seq));
CREATE SEQUENCE bench.floor_seq;
