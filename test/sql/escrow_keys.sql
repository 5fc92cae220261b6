-- create_escrow under an idempotency key (0.6.0, issue 14 part 8): a retried call returns the
-- escrow it created, never a second one; other terms under the same key are a conflict; keys are
-- unique per owner; under PostgREST the six-argument form takes the Idempotency-Key header.
SELECT id AS k_client FROM kobatela.create_user('k_client', 'k_client@example.com') \gset
SELECT id AS k_provider FROM kobatela.create_user('k_provider', 'k_provider@example.com') \gset
SELECT id AS k_other FROM kobatela.create_user('k_other', 'k_other@example.com') \gset
SELECT '2031-01-01 00:00:00+00' AS deadline \gset

-- A key: one escrow, however often the call is retried.
SELECT id AS ek FROM kobatela.create_escrow(:k_client, :k_provider, 120, 'USD', '{"deliverable": "well"}',
                                            :'deadline', 'esc-key-1') \gset
SELECT id = :ek AS same_escrow, status, amount_total
FROM kobatela.create_escrow(:k_client, :k_provider, 120, 'USD', '{"deliverable": "well"}', :'deadline', 'esc-key-1');
-- The replay returns the escrow as it is now, and writes nothing (no second CREATED event).
SELECT status FROM kobatela.escrow_deposit(:ek, 120);
SELECT t.row_counts() AS before_replay \gset
SELECT status AS replayed_status
FROM kobatela.create_escrow(:k_client, :k_provider, 120, 'usd', '{"deliverable":   "well"}', :'deadline', 'esc-key-1');
SELECT t.row_counts() = :'before_replay'::jsonb AS replay_wrote_nothing;
SELECT count(*) AS escrows_with_the_key FROM kobatela.escrow_agreements WHERE idempotency_key = 'esc-key-1';

-- Other terms under the same key: IDEMPOTENCY_CONFLICT, nothing written.
SELECT t.err(format($$SELECT kobatela.create_escrow(%s, %s, 121, 'USD', '{"deliverable": "well"}', %L, 'esc-key-1')$$,
                    :k_client, :k_provider, :'deadline')) AS other_amount;
SELECT t.err(format($$SELECT kobatela.create_escrow(%s, %s, 120, 'EUR', '{"deliverable": "well"}', %L, 'esc-key-1')$$,
                    :k_client, :k_provider, :'deadline')) AS other_currency;
SELECT t.err(format($$SELECT kobatela.create_escrow(%s, %s, 120, 'USD', '{"deliverable": "roof"}', %L, 'esc-key-1')$$,
                    :k_client, :k_provider, :'deadline')) AS other_conditions;
SELECT t.err(format($$SELECT kobatela.create_escrow(%s, %s, 120, 'USD', '{"deliverable": "well"}', %L, 'esc-key-1')$$,
                    :k_client, :k_provider, '2031-01-02 00:00:00+00')) AS other_deadline;
SELECT t.err(format($$SELECT kobatela.create_escrow(%s, %s, 120, 'USD', '{"deliverable": "well"}', %L, 'esc-key-1')$$,
                    :k_client, :k_other, :'deadline')) AS other_provider;
SELECT t.row_counts() = :'before_replay'::jsonb AS conflicts_wrote_nothing;

-- Without a key (NULL, or the contract's six-argument form), every call is a new escrow.
SELECT count(*) AS escrows_before FROM kobatela.escrow_agreements WHERE client_id = :k_client \gset
SELECT (kobatela.create_escrow(:k_client, :k_provider, 5, 'USD', '{}', :'deadline', NULL)).id IS NOT NULL AS created;
SELECT (kobatela.create_escrow(:k_client, :k_provider, 5, 'USD', '{}', :'deadline', NULL)).id IS NOT NULL AS created;
SELECT (kobatela.create_escrow(:k_client, :k_provider, 5, 'USD', '{}', :'deadline')).id IS NOT NULL AS created;
SELECT count(*) - :escrows_before AS new_escrows FROM kobatela.escrow_agreements WHERE client_id = :k_client;

-- Under PostgREST the six-argument form reads the Idempotency-Key header.
BEGIN;
SELECT set_config('request.headers', '{"idempotency-key": "esc-header-1"}', true) IS NOT NULL AS header_set;
SELECT id AS eh FROM kobatela.create_escrow(:k_client, :k_provider, 7, 'USD', '{}', :'deadline') \gset
SELECT id = :eh AS header_replay FROM kobatela.create_escrow(:k_client, :k_provider, 7, 'USD', '{}', :'deadline');
COMMIT;

-- Bad keys are refused like every other call's.
SELECT t.err(format($$SELECT kobatela.create_escrow(%s, %s, 5, 'USD', '{}', %L, '')$$, :k_client, :k_provider, :'deadline')) AS empty_key;
SELECT t.err(format($$SELECT kobatela.create_escrow(%s, %s, 5, 'USD', '{}', %L, %L)$$, :k_client, :k_provider, :'deadline',
                    repeat('k', 65))) AS long_key;

-- Keys are unique per owner: the same key through two users' bound keys makes two escrows, and
-- neither user learns of the other's.
CALL t.use_secret('api_key_pepper', 'escrow-keys-pepper-do-not-log');
SELECT api_key AS k_client_key FROM kobatela.create_api_key('k client', 'sender', :k_client) \gset
SELECT api_key AS k_other_key FROM kobatela.create_api_key('k other', 'sender', :k_other) \gset
GRANT USAGE ON SCHEMA t TO kobatela_anon;
GRANT EXECUTE ON FUNCTION t.as_key(text, text) TO kobatela_anon;
SELECT t.as_key(:'k_client_key', format($$SELECT id::text FROM kobatela.create_escrow(%s, %s, 9, 'USD', '{}', %L, 'shared-key')$$,
                                        :k_client, :k_provider, :'deadline')) AS client_escrow \gset
SELECT t.as_key(:'k_other_key', format($$SELECT id::text FROM kobatela.create_escrow(%s, %s, 9, 'USD', '{}', %L, 'shared-key')$$,
                                       :k_other, :k_provider, :'deadline')) AS other_escrow \gset
SELECT :client_escrow <> :other_escrow AS two_escrows,
       (SELECT count(DISTINCT idempotency_owner) FROM kobatela.escrow_agreements WHERE idempotency_key = 'shared-key') AS owners;
SELECT t.as_key(:'k_client_key', format($$SELECT id::text FROM kobatela.create_escrow(%s, %s, 9, 'USD', '{}', %L, 'shared-key')$$,
                                        :k_client, :k_provider, :'deadline'))::bigint = :client_escrow AS client_replay;
REVOKE ALL ON SCHEMA t FROM kobatela_anon;
REVOKE ALL ON FUNCTION t.as_key(text, text) FROM kobatela_anon;
