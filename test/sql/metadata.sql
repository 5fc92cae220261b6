-- Metadata (issue 16, part 4; docs/reference.md, "Metadata"): users, transactions, escrows and
-- payments carry the application's own references, a flat JSON object within Stripe's bounds
-- (src/core/metadata.hpp). Each call that creates one accepts it and returns it, and so do the
-- reads; omitted or NULL it is {}; Kobatela's own payouts have {}, a retry its payment's; it is
-- part of the request an idempotency key protects; every bound is INVALID_METADATA with nothing
-- written; the audit log records it as any column.

-- ---------------------------------------------------------------------------------------------
-- Users
-- ---------------------------------------------------------------------------------------------
SELECT username, metadata FROM kobatela.create_user('md_client', 'md_client@example.com', true,
                                                    '{"crm_id": "C-77", "tier": 2, "vip": true}');
SELECT username, metadata FROM kobatela.create_user('md_provider', 'md_provider@example.com');
SELECT username, metadata FROM kobatela.create_user('md_other', 'md_other@example.com', metadata => NULL);
SELECT id AS client FROM kobatela.users WHERE username = 'md_client' \gset
SELECT id AS provider FROM kobatela.users WHERE username = 'md_provider' \gset
SELECT id AS other FROM kobatela.users WHERE username = 'md_other' \gset
SELECT username, metadata, metadata ->> 'crm_id' AS crm_id FROM kobatela.get_user(:client);
-- jsonb's normal form: keys sorted (shorter first), the last of duplicate keys kept, spacing its own.
SELECT metadata FROM kobatela.create_user('md_dup', 'md_dup@example.com', true,
                                          '{"zeta": "z", "a": 1, "a": 2.50, "name": "Amara Koné"}');
-- The audit log records it like any other column.
SELECT action, data -> 'metadata' AS metadata FROM kobatela.audit_entries
WHERE entity = 'users' AND entity_id = :client ORDER BY record_id, change_no;

-- ---------------------------------------------------------------------------------------------
-- Transactions: metadata is part of what the key protects
-- ---------------------------------------------------------------------------------------------
SELECT kobatela.add_to_allowlist(:client, :provider);
SELECT id AS tx, status, metadata FROM kobatela.create_transaction(:client, :provider, 25, 'USD', 'md-tx-1',
                                                                   '{"order_id": "A-1042"}') \gset
SELECT :'status' AS status, :'metadata' AS metadata;
SELECT t.row_counts() AS before \gset
SELECT id = :tx AS same_transaction, metadata
FROM kobatela.create_transaction(:client, :provider, 25, 'USD', 'md-tx-1', '{"order_id": "A-1042"}');
SELECT id = :tx AS same_transaction    -- the same document, written otherwise, is the same jsonb
FROM kobatela.create_transaction(:client, :provider, 25, 'USD', 'md-tx-1', '{ "order_id":"A-1042" }');
SELECT t.err(format($$SELECT kobatela.create_transaction(%s, %s, 25, 'USD', 'md-tx-1', '{"order_id": "A-1043"}')$$,
                    :client, :provider)) AS other_metadata;
SELECT t.err(format($$SELECT kobatela.create_transaction(%s, %s, 25, 'USD', 'md-tx-1')$$, :client, :provider))
    AS no_metadata;
SELECT t.row_counts() = :'before' AS nothing_written;
SELECT metadata FROM kobatela.get_transaction(:tx);
-- A refused transfer is evidence: it keeps its metadata too.
SELECT status, metadata FROM kobatela.create_transaction(:client, :other, 5, 'USD', NULL, '{"order_id": "A-1044"}');
SELECT status, metadata FROM kobatela.create_transaction(:client, :provider, 5);

-- ---------------------------------------------------------------------------------------------
-- Escrows: on the keyed overload of create_escrow (the key may be NULL)
-- ---------------------------------------------------------------------------------------------
SELECT id AS e, status, metadata FROM kobatela.create_escrow(:client, :provider, 300, 'USD', '{}',
    now() + interval '30 days', 'md-escrow-1', '{"contract": "K-9", "site": "Abidjan"}') \gset
SELECT :'status' AS status, :'metadata' AS metadata;
SELECT deadline_at AS deadline FROM kobatela.escrow_agreements WHERE id = :e \gset
SELECT t.row_counts() AS before \gset
SELECT id = :e AS same_escrow, metadata FROM kobatela.create_escrow(:client, :provider, 300, 'USD', '{}',
    :'deadline', 'md-escrow-1', '{"site": "Abidjan", "contract": "K-9"}');
SELECT t.err(format($$SELECT kobatela.create_escrow(%s, %s, 300, 'USD', '{}', %L, 'md-escrow-1', '{"contract": "K-10"}')$$,
                    :client, :provider, :'deadline')) AS other_metadata;
SELECT t.err(format($$SELECT kobatela.create_escrow(%s, %s, 300, 'USD', '{}', %L, 'md-escrow-1')$$,
                    :client, :provider, :'deadline')) AS no_metadata;
SELECT t.row_counts() = :'before' AS nothing_written;
SELECT metadata FROM kobatela.get_escrow(:e);
SELECT metadata FROM kobatela.create_escrow(:client, :provider, 10, 'USD', '{}', now() + interval '1 day', NULL,
                                            '{"contract": "K-11"}');
SELECT metadata FROM kobatela.create_escrow(:client, :provider, 10, 'USD', '{}', now() + interval '1 day');
SELECT metadata FROM kobatela.create_escrow(:client, :provider, 10, 'USD', '{}', now() + interval '1 day', 'md-escrow-2');

-- ---------------------------------------------------------------------------------------------
-- Payments: a spend's from its call; Kobatela's own payouts have {}; a retry its payment's
-- ---------------------------------------------------------------------------------------------
SELECT status FROM kobatela.escrow_deposit(:e, 300);
SELECT payee_ref FROM kobatela.add_allowed_payee(:e, 'md-clinic', 'Clinic');
SELECT id AS s1, status, metadata FROM kobatela.spend(:e, 'md-clinic', 40, 'consultation', 'md-spend-1',
                                                      '{"invoice": "INV-7", "visit": 3}') \gset
SELECT :'status' AS status, :'metadata' AS metadata;
SELECT t.row_counts() AS before \gset
SELECT id = :s1 AS same_payment, metadata
FROM kobatela.spend(:e, 'md-clinic', 40, 'consultation', 'md-spend-1', '{"visit": 3, "invoice": "INV-7"}');
SELECT t.err(format($$SELECT kobatela.spend(%s, 'md-clinic', 40, 'consultation', 'md-spend-1', '{"invoice": "INV-8", "visit": 3}')$$, :e))
    AS other_metadata;
SELECT t.err(format($$SELECT kobatela.spend(%s, 'md-clinic', 40, 'consultation', 'md-spend-1')$$, :e)) AS no_metadata;
SELECT t.row_counts() = :'before' AS nothing_written;
SELECT metadata FROM kobatela.spend(:e, 'md-clinic', 10);
-- The first spend failed (an admin records what the PSP said); its retry carries the same metadata.
SELECT status FROM kobatela.correct_payment(:s1, 'ERROR', 'the PSP reports the transfer failed');
SELECT retry_of = :s1 AS retries_s1, status, metadata FROM kobatela.retry_payment(:s1);
-- A milestone's payout and the release are Kobatela's own: {}.
SELECT label FROM kobatela.add_milestone(:e, 1, 'Visit', 100, 'DOC');
SELECT id AS doc FROM kobatela.submit_proof(:e, 1, 'DOC', 's3://md/1.pdf', encode(sha256('metadata.sql proof'), 'hex')) \gset
SELECT status FROM kobatela.decide_proof(:doc, 'approved');
SELECT status FROM kobatela.escrow_client_approve(:e);
SELECT kind, status, metadata, retry_of IS NOT NULL AS is_retry FROM kobatela.payments WHERE escrow_id = :e ORDER BY id;

-- ---------------------------------------------------------------------------------------------
-- The bounds: accepted at the edge, INVALID_METADATA past it, by every call, nothing written
-- ---------------------------------------------------------------------------------------------
CREATE TABLE t.md_docs (label text PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO t.md_docs VALUES
    ('ok: 50 keys', (SELECT jsonb_object_agg('k' || i, i) FROM generate_series(1, 50) i)),
    ('ok: 40-character key', jsonb_build_object(repeat('é', 40), 1)),
    ('ok: 500-character value', jsonb_build_object('note', repeat('é', 500))),
    -- 17 values of 470 characters (the last 485): 8192 bytes as jsonb prints it; one more is over.
    ('ok: 8 KB', (SELECT jsonb_object_agg('k' || i, repeat('v', CASE WHEN i = 26 THEN 485 ELSE 470 END)) FROM generate_series(10, 26) i)),
    ('ok: {}', '{}'),
    ('51 keys', (SELECT jsonb_object_agg('k' || i, i) FROM generate_series(1, 51) i)),
    ('41-character key', jsonb_build_object(repeat('k', 41), 1)),
    ('empty key', '{"": 1}'),
    ('501-character value', jsonb_build_object('note', repeat('v', 501))),
    ('nested object', '{"a": 1, "b": {"c": 1}}'),
    ('array value', '{"b": [1]}'),
    ('null value', '{"b": null}'),
    ('array document', '[1, 2]'),
    ('string document', '"{\"a\": 1}"'),
    ('number document', '42'),
    ('null document', 'null'),
    ('over 8 KB', (SELECT jsonb_object_agg('k' || i, repeat('v', CASE WHEN i = 26 THEN 486 ELSE 470 END)) FROM generate_series(10, 26) i)),
    ('far over 8 KB', (SELECT jsonb_object_agg('k' || i, repeat('v', 490)) FROM generate_series(1, 50) i));
SELECT label, length(doc::text) AS bytes FROM t.md_docs WHERE label LIKE '%8 KB%' ORDER BY label;
-- The four calls with a document: how each ended (the users' names and the keys are new each time).
CREATE FUNCTION t.md_calls(doc jsonb, n integer) RETURNS TABLE (call text, outcome text) LANGUAGE sql AS $$
    SELECT 'create_user', t.err(format($q$SELECT kobatela.create_user('md_u%s', 'md_u%s@example.com', true, %L)$q$, n, n, doc))
    UNION ALL
    SELECT 'create_transaction', t.err(format($q$SELECT kobatela.create_transaction(%s, %s, 1, 'USD', 'md-b-%s', %L)$q$,
        (SELECT id FROM kobatela.users WHERE username = 'md_client'), (SELECT id FROM kobatela.users WHERE username = 'md_provider'), n, doc))
    UNION ALL
    SELECT 'create_escrow', t.err(format($q$SELECT kobatela.create_escrow(%s, %s, 1, 'USD', '{}', now() + interval '1 day', 'md-b-%s', %L)$q$,
        (SELECT id FROM kobatela.users WHERE username = 'md_client'), (SELECT id FROM kobatela.users WHERE username = 'md_provider'), n, doc))
    UNION ALL
    SELECT 'spend', t.err(format($q$SELECT kobatela.spend(%s, 'md-school', 1, NULL, 'md-b-%s', %L)$q$,
        (SELECT escrow_id FROM kobatela.allowed_payees WHERE payee_ref = 'md-school'), n, doc)) $$;
SELECT id AS e2 FROM kobatela.create_escrow(:client, :provider, 100, 'USD', '{}', now() + interval '30 days') \gset
SELECT status FROM kobatela.escrow_deposit(:e2, 100);
SELECT payee_ref FROM kobatela.add_allowed_payee(:e2, 'md-school', 'School');
-- Refused: one line per document, with what each of the four calls answered (the same for all).
SELECT t.row_counts() AS before \gset
SELECT d.label, min(c.outcome) AS outcome, count(DISTINCT c.outcome) AS outcomes, count(*) AS calls
FROM (SELECT label, doc, row_number() OVER (ORDER BY label) AS n FROM t.md_docs WHERE label NOT LIKE 'ok:%') d,
     LATERAL t.md_calls(d.doc, d.n::integer) c
GROUP BY d.label ORDER BY d.label;
SELECT t.row_counts() = :'before' AS nothing_written;
-- Accepted: each call stores and returns the document as given.
SELECT d.label,
       (SELECT x.metadata = d.doc FROM kobatela.create_user('md_ok' || d.n, 'md_ok' || d.n || '@example.com', true, d.doc) x)
           AS user_as_given,
       (SELECT x.metadata = d.doc FROM kobatela.create_transaction(:client, :provider, 1, 'USD', 'md-ok-' || d.n, d.doc) x)
           AS transaction_as_given,
       (SELECT x.metadata = d.doc FROM kobatela.create_escrow(:client, :provider, 1, 'USD', '{}', now() + interval '1 day',
                                                               'md-ok-' || d.n, d.doc) x) AS escrow_as_given,
       (SELECT x.metadata = d.doc FROM kobatela.spend(:e2, 'md-school', 1, NULL, 'md-ok-' || d.n, d.doc) x)
           AS payment_as_given
FROM (SELECT label, doc, row_number() OVER (ORDER BY label) AS n FROM t.md_docs WHERE label LIKE 'ok:%') d
ORDER BY d.label;
-- Text that is not JSON never reaches Kobatela: PostgreSQL's jsonb input refuses it (PostgREST
-- answers 400 for a body that is not JSON; test/sql/postgrest.sql).
SELECT t.err($$SELECT kobatela.create_user('md_bad', 'md_bad@example.com', true, '{"a": 1')$$) AS not_json;
-- And a PostgreSQL json argument (PostgREST passes the body's value) that is a JSON string is a
-- string document, refused.
SELECT t.err(format($$SELECT kobatela.create_user('md_bad', 'md_bad@example.com', true, to_jsonb(%L::text))$$, '{"a": 1}'))
    AS string_of_json;
DROP FUNCTION t.md_calls(jsonb, integer);
DROP TABLE t.md_docs;
