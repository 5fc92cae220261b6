-- zz_invariants.sql — runs last (pg_prove takes test/pgtap/*.sql in this order): the books hold over
-- whatever the pgTAP suites wrote (docs/reference.md, "The books"), and the ledger's shape.
BEGIN;
SELECT plan(5);

SELECT is_empty('SELECT * FROM kobatela.check_invariants()',
    'check_invariants() finds nothing: the books hold over what the pgTAP suites wrote');
SELECT is_empty(
    $$SELECT currency FROM (SELECT currency, amount FROM kobatela.ledger
                            UNION ALL SELECT currency, -amount FROM kobatela.ledger) p
       GROUP BY currency HAVING sum(amount) <> 0$$,
    'the ledger''s accounts sum to zero in every currency');

SELECT function_returns('kobatela', 'check_invariants', ARRAY[]::text[], 'setof record',
    'check_invariants() returns a set of (rule, ids, detail)');
SELECT is(ARRAY(SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                WHERE a.attrelid = 'kobatela.ledger'::regclass AND a.attnum > 0 ORDER BY a.attnum),
          ARRAY['posting_id text', 'at timestamp with time zone', 'movement text', 'debit_account text',
                'credit_account text', 'amount numeric(18,2)', 'currency text', 'source_table text', 'source_id bigint'],
          'the ledger''s columns');
SELECT ok((SELECT 'security_invoker=true' = ANY (reloptions) FROM pg_class WHERE oid = 'kobatela.ledger'::regclass),
          'the ledger reads the tables with the querying role''s rights (security_invoker)');

SELECT * FROM finish();
ROLLBACK;
