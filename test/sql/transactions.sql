-- Restricted transfers (src/api/transactions.cpp): spec.md section 2 and the reference tests.
SELECT id AS sender FROM kobatela.create_user('tx_sender', 'tx_sender@example.com') \gset
SELECT id AS friend FROM kobatela.create_user('tx_friend', 'tx_friend@example.com') \gset
SELECT id AS stranger FROM kobatela.create_user('tx_stranger', 'tx_stranger@example.com') \gset
SELECT id AS shop FROM kobatela.create_user('tx_shop', 'tx_shop@example.com') \gset

-- Refused without allowlist: recorded as REJECTED with an alert (the evidence survives).
SELECT amount, currency, status FROM kobatela.create_transaction(:sender, :stranger, 25.00, 'USD', 'tx-k0');
SELECT type, message, actor_user_id = :sender AS actor_is_sender,
       payload - 'transaction_id' - 'sender_id' - 'attempted_receiver_id' AS payload,
       (payload ->> 'sender_id')::bigint = :sender AS payload_sender,
       (payload ->> 'attempted_receiver_id')::bigint = :stranger AS payload_receiver
FROM kobatela.list_alerts('UNAUTHORIZED_TRANSFER_ATTEMPT') WHERE actor_user_id = :sender;
-- Its replay returns the same REJECTED row, and writes no second alert.
SELECT t.row_counts() AS before \gset
SELECT status FROM kobatela.create_transaction(:sender, :stranger, 25.00, 'USD', 'tx-k0');
SELECT t.row_counts() = :'before' AS nothing_written;

-- Allowed after allowlisting.
SELECT kobatela.add_to_allowlist(:sender, :friend);
SELECT id AS tx1, amount, currency, status FROM kobatela.create_transaction(:sender, :friend, 10.5, 'usd', 'tx-k1') \gset
SELECT :'amount' AS amount, :'currency' AS currency, :'status' AS status;

-- Replay with the same key: the same row, nothing written.
SELECT t.row_counts() AS before \gset
SELECT id = :tx1 AS same_transaction, status FROM kobatela.create_transaction(:sender, :friend, 10.50, 'USD', 'tx-k1');
SELECT t.row_counts() = :'before' AS nothing_written;

-- Same key, another request: a conflict, nothing written.
SELECT t.err(format('SELECT kobatela.create_transaction(%s, %s, 10.51, ''USD'', ''tx-k1'')', :sender, :friend));
SELECT t.err(format('SELECT kobatela.create_transaction(%s, %s, 10.50, ''EUR'', ''tx-k1'')', :sender, :friend));
SELECT t.err(format('SELECT kobatela.create_transaction(%s, %s, 10.50, ''USD'', ''tx-k1'')', :sender, :shop));
SELECT t.row_counts() = :'before' AS nothing_written;

-- Keys belong to their sender: another sender may use the same key.
SELECT kobatela.add_to_allowlist(:friend, :sender);
SELECT sender_id = :friend AS other_sender, status FROM kobatela.create_transaction(:friend, :sender, 1, 'USD', 'tx-k1');

-- A certified receiver needs no allowlist.
SELECT kobatela.add_certification(:shop, 'GOLD');
SELECT status FROM kobatela.create_transaction(:sender, :shop, 99.99);

-- Exact decimals, both ways.
SELECT amount::text FROM kobatela.create_transaction(:sender, :shop, 0.01);
SELECT amount::text FROM kobatela.create_transaction(:sender, :shop, 9999999999999999.99);
SELECT amount::text FROM kobatela.create_transaction(:sender, :shop, 7.100);

SELECT status, amount FROM kobatela.get_transaction(:tx1);
SELECT t.err('SELECT kobatela.get_transaction(-1)');

-- Through PostgREST: the key comes from the Idempotency-Key header, and a refusal answers 403
-- with X-Kobatela-Error (PostgREST sets these GUCs per request, transaction-local).
BEGIN;
SELECT set_config('request.method', 'POST', true),
       set_config('request.headers', '{"idempotency-key": "tx-header-key", "content-type": "application/json"}', true);
SELECT status, idempotency_key FROM kobatela.create_transaction(:sender, :stranger, 5);
SELECT current_setting('response.status', true) AS response_status,
       current_setting('response.headers', true) AS response_headers;
COMMIT;
-- The same request again: a replay of the header's key, no second alert, and the first call's
-- answer again: 403 with X-Kobatela-Error.
SELECT t.row_counts() AS before \gset
BEGIN;
SELECT set_config('request.method', 'POST', true),
       set_config('request.headers', '{"idempotency-key": "tx-header-key"}', true);
SELECT status, idempotency_key FROM kobatela.create_transaction(:sender, :stranger, 5);
SELECT current_setting('response.status', true) AS replay_response_status,
       current_setting('response.headers', true) AS replay_response_headers;
COMMIT;
SELECT t.row_counts() = :'before' AS nothing_written;
-- An explicit argument wins over the header.
BEGIN;
SELECT set_config('request.headers', '{"idempotency-key": "tx-header-key"}', true);
SELECT idempotency_key FROM kobatela.create_transaction(:sender, :friend, 5, 'USD', 'tx-argument-key');
COMMIT;
-- request.headers is parsed once per value: each call sees the value set just before it, also
-- after another value earlier in the same transaction; a value is read as ->> reads it (a number's
-- digits; nothing from JSON that is not an object).
BEGIN;
SELECT set_config('request.headers', '{"idempotency-key": "tx-header-a"}', true);
SELECT idempotency_key FROM kobatela.create_transaction(:sender, :friend, 1);
SELECT set_config('request.headers', '{"idempotency-key": "tx-header-b"}', true);
SELECT idempotency_key FROM kobatela.create_transaction(:sender, :friend, 1);
SELECT set_config('request.headers', '{"idempotency-key": 42}', true);
SELECT idempotency_key FROM kobatela.create_transaction(:sender, :friend, 1);
SELECT set_config('request.headers', '["idempotency-key"]', true);
SELECT idempotency_key FROM kobatela.create_transaction(:sender, :friend, 1);
COMMIT;
-- Outside PostgREST nothing touches the response GUCs.
SELECT status FROM kobatela.create_transaction(:sender, :stranger, 6);
SELECT coalesce(current_setting('response.status', true), '') AS response_status;

-- Alerts: newest first, filter by type.
SELECT count(*) AS refusals_of_tx_sender FROM kobatela.list_alerts('UNAUTHORIZED_TRANSFER_ATTEMPT')
WHERE actor_user_id = :sender;
SELECT bool_and(later.created_at >= earlier.created_at) AS newest_first
FROM (SELECT created_at, row_number() OVER () AS n FROM kobatela.list_alerts()) later
JOIN (SELECT created_at, row_number() OVER () AS n FROM kobatela.list_alerts()) earlier ON earlier.n = later.n + 1;
SELECT count(*) AS unknown_type FROM kobatela.list_alerts('NO_SUCH_TYPE');
