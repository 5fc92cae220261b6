-- PSP webhooks (src/api/psp.cpp): spec.md section 5 and its reference values, every signature
-- refusal, secret rotation, the event kinds and what they do to a payment, replays, bad bodies,
-- and a PostgREST request replayed statement by statement.
--
-- Deliveries are signed here, at the current time, with pgcrypto's HMAC (contrib, shipped with
-- Debian's postgresql-15), installed into the test schema only. The secrets live in a test table
-- so that no statement that might be logged holds one (SHOW and current_setting print "(set)").
CREATE EXTENSION pgcrypto SCHEMA t;
CREATE TABLE t.psp_secrets (name text PRIMARY KEY, secret text NOT NULL);
\set secret 'whsec_do-not-log_current'
\set previous 'whsec_do-not-log_previous'
INSERT INTO t.psp_secrets VALUES ('current', :'secret'), ('previous', :'previous'),
                                 ('stranger', 'whsec_do-not-log_stranger');
-- The PSP's clock: seconds since the epoch, with microseconds, `offset_s` away from now().
CREATE FUNCTION t.psp_ts(offset_s numeric DEFAULT 0) RETURNS text LANGUAGE sql AS $$
    SELECT (extract(epoch FROM now()) + offset_s)::text $$;
-- Lower-case hex HMAC-SHA256(secret, ts || '.' || body) under one of the secrets above.
CREATE FUNCTION t.psp_sign(ts text, body text, secret_name text DEFAULT 'current') RETURNS text LANGUAGE sql AS $$
    SELECT encode(t.hmac(convert_to(ts || '.' || body, 'UTF8'), convert_to(s.secret, 'UTF8'), 'sha256'), 'hex')
    FROM t.psp_secrets s WHERE s.name = secret_name $$;
-- A delivery signed now.
CREATE FUNCTION t.deliver(body text, secret_name text DEFAULT 'current') RETURNS jsonb LANGUAGE sql AS $$
    SELECT kobatela.psp_webhook(body, t.psp_sign(t.psp_ts(), body, secret_name), t.psp_ts()) $$;
-- The answer without its time, which changes from run to run: 'utc' when processed_at is an
-- ISO 8601 UTC timestamp that is not in the future.
CREATE FUNCTION t.outcome(answer jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT format('ok=%s event_id=%s processed_at=%s', answer -> 'ok', answer ->> 'event_id',
                  CASE WHEN answer ->> 'processed_at' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$'
                        AND (answer ->> 'processed_at')::timestamptz <= now() THEN 'utc'
                       ELSE coalesce(answer ->> 'processed_at', 'null') END) $$;
CREATE FUNCTION t.payment_status(ref text) RETURNS text LANGUAGE sql AS $$
    SELECT status::text FROM kobatela.payments WHERE psp_ref = ref $$;
-- The audit rows of the payment with this psp_ref, oldest first.
CREATE FUNCTION t.payment_audit(ref text) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(format('%s by %s: %s', a.action, a.actor, a.data), '; ' ORDER BY a.record_id, a.change_no), 'none')
    FROM kobatela.audit_entries a JOIN kobatela.payments p ON a.entity = 'payments' AND a.entity_id = p.id
    WHERE p.psp_ref = ref AND a.action <> 'PAYMENTS_INSERT' $$;

-- The reference values: a payment of 100 SENT as PSP-123, plus eleven 1.00 payments for the
-- other cases, planted directly as the superuser (the webhook only meets payments by psp_ref),
-- past the books' guard: replica mode skips the audit trigger, which refuses money rows written
-- outside Kobatela's functions (BOOKS_WRITE_REFUSED). Neither milestone nor payee: kind RELEASE.
-- The escrow holds 120, so even these fixtures keep deposits >= payouts (test/sql/zz_invariants.sql).
SELECT id AS client FROM kobatela.create_user('psp_client', 'psp_client@example.com') \gset
SELECT id AS provider FROM kobatela.create_user('psp_provider', 'psp_provider@example.com') \gset
SELECT id AS e FROM kobatela.create_escrow(:client, :provider, 120, 'USD', '{}', now() + interval '30 days') \gset
SELECT status FROM kobatela.escrow_deposit(:e, 120);
SET session_replication_role = replica;
INSERT INTO kobatela.payments (escrow_id, amount, psp_ref, status, kind) VALUES
    (:e, 100, 'PSP-123', 'SENT', 'RELEASE'),
    (:e, 1, 'PSP-ALIAS-OK', 'SENT', 'RELEASE'), (:e, 1, 'PSP-ALIAS-FAIL', 'SENT', 'RELEASE'),
    (:e, 1, 'PSP-DOT-FAIL', 'SENT', 'RELEASE'), (:e, 1, 'PSP-FAIL-SETTLE', 'SENT', 'RELEASE'),
    (:e, 1, 'PSP-SETTLE-FAIL', 'SENT', 'RELEASE'), (:e, 1, 'PSP-REFUNDED', 'REFUNDED', 'RELEASE'),
    (:e, 1, 'PSP-PENDING', 'PENDING', 'RELEASE'), (:e, 1, 'PSP-ROTATION', 'SENT', 'RELEASE'),
    (:e, 1, 'PSP-HEADER', 'SENT', 'RELEASE'), (:e, 1, 'PSP-REST', 'SENT', 'RELEASE'),
    (:e, 1, 'PSP-ATOMIC', 'SENT', 'RELEASE');
-- As if they had been paid out: the SENT ones count in the escrow's paid_amount (a REFUNDED
-- payment's money went back to the balance, a PENDING one has not left it).
UPDATE kobatela.escrow_agreements SET paid_amount =
    (SELECT sum(amount) FROM kobatela.payments WHERE escrow_id = :e AND status IN ('SENT', 'SETTLED'))
WHERE id = :e;
INSERT INTO kobatela.escrow_events (escrow_id, kind, data)   -- the timeline their payouts left
SELECT escrow_id, 'PAYMENT_SENT', jsonb_build_object('payment_id', id, 'amount', amount, 'psp_ref', psp_ref)
FROM kobatela.payments WHERE escrow_id = :e AND status <> 'PENDING';
RESET session_replication_role;
\set body '{"id":"evt_1","type":"payment.settled","psp_ref":"PSP-123"}'

-- No secret configured: 503, before anything else is looked at; nothing written.
SELECT t.row_counts() AS before \gset
SELECT t.err($$SELECT kobatela.psp_webhook('{}')$$) AS secret_unset;
CALL t.use_secret('psp_webhook_secret', '');
SELECT t.err(format('SELECT t.deliver(%L)', :'body')) AS secret_empty;
CALL t.use_secret('psp_webhook_secret_previous', :'previous');
SELECT t.err(format('SELECT t.deliver(%L, %L)', :'body', 'previous')) AS only_the_previous_secret;
RESET kobatela.psp_webhook_secret_previous_file;
SELECT t.row_counts() = :'before' AS nothing_written;

CALL t.use_secret('psp_webhook_secret', :'secret');
SELECT kobatela.health() -> 'psp_secret_configured' AS psp_secret_configured;

-- Every signature refusal is INVALID_SIGNATURE (401) with its reason, and writes nothing.
SELECT t.psp_ts() AS ts \gset
SELECT t.psp_sign(:'ts', :'body') AS sig \gset
SELECT reason, t.err(call) AS outcome FROM (VALUES
    ('no signature',         format('SELECT kobatela.psp_webhook(%L, NULL, %L)', :'body', :'ts')),
    ('empty signature',      format($$SELECT kobatela.psp_webhook(%L, '', %L)$$, :'body', :'ts')),
    ('no timestamp',         format('SELECT kobatela.psp_webhook(%L, %L)', :'body', :'sig')),
    ('empty timestamp',      format($$SELECT kobatela.psp_webhook(%L, %L, '')$$, :'body', :'sig')),
    ('timestamp not a number', format($$SELECT kobatela.psp_webhook(%L, %L, 'yesterday')$$, :'body', :'sig')),
    ('timestamp NaN',        format($$SELECT kobatela.psp_webhook(%L, %L, 'NaN')$$, :'body', :'sig')),
    ('negative timestamp',   format($$SELECT kobatela.psp_webhook(%L, %L, '-1700000000')$$, :'body', :'sig')),
    ('exponent timestamp',   format($$SELECT kobatela.psp_webhook(%L, %L, '1.7e9')$$, :'body', :'sig')),
    ('301 s old',            format('SELECT kobatela.psp_webhook(%L, t.psp_sign(t.psp_ts(-301), %L), t.psp_ts(-301))', :'body', :'body')),
    ('301 s ahead',          format('SELECT kobatela.psp_webhook(%L, t.psp_sign(t.psp_ts(301), %L), t.psp_ts(301))', :'body', :'body')),
    ('year 1970',            format($$SELECT kobatela.psp_webhook(%L, t.psp_sign('0', %L), '0')$$, :'body', :'body')),
    ('another secret',       format('SELECT t.deliver(%L, %L)', :'body', 'stranger')),
    ('not hex',              format($$SELECT kobatela.psp_webhook(%L, 'bad-signature', %L)$$, :'body', :'ts')),
    ('another body',         format('SELECT kobatela.psp_webhook(%L, %L, %L)', :'body' || ' ', :'sig', :'ts')),
    ('another timestamp',    format('SELECT kobatela.psp_webhook(%L, %L, %L)', :'body', :'sig', :'ts' || '0')),
    ('sha256= prefix',       format('SELECT kobatela.psp_webhook(%L, %L, %L)', :'body', 'sha256=' || :'sig', :'ts'))
) AS c(reason, call);
SELECT t.row_counts() = :'before' AS nothing_written;

-- The reference delivery: PSP-123 is SETTLED, audited once as PAYMENT_SETTLED by psp.
SELECT kobatela.psp_webhook(:'body', :'sig', :'ts') AS first_answer \gset
SELECT t.outcome(:'first_answer');
SELECT t.payment_status('PSP-123') AS status, t.payment_audit('PSP-123') AS audit;
SELECT event_id, psp_ref, kind, raw, processed_at = received_at AS processed_on_receipt,
       processed_at = (:'first_answer'::jsonb ->> 'processed_at')::timestamptz AS answered_processed_at
FROM kobatela.psp_webhook_events WHERE event_id = 'evt_1';
SELECT a.action, a.actor, a.data ->> 'event_id' AS event_id FROM kobatela.audit_entries a
WHERE a.entity = 'psp_webhook_events' AND a.data ->> 'event_id' = 'evt_1';
-- A replay, also later and freshly signed, answers as the first delivery and writes nothing.
SELECT t.row_counts() AS before \gset
SELECT kobatela.psp_webhook(:'body', :'sig', :'ts') = :'first_answer' AS same_answer;
SELECT t.deliver(:'body') = :'first_answer' AS same_answer_resigned;
-- The event id decides: another body under the same id is the same event.
SELECT t.deliver('{"id":"evt_1","type":"payment.failed","psp_ref":"PSP-123"}') = :'first_answer' AS same_id_other_body;
SELECT t.row_counts() = :'before' AS nothing_written, t.payment_status('PSP-123') AS status;
-- A signature in upper-case hex is the same signature.
SELECT t.outcome(kobatela.psp_webhook(:'body', upper(:'sig'), :'ts')) AS upper_case_hex;
-- The skew is inclusive: exactly 300 s away passes.
SELECT t.outcome(kobatela.psp_webhook(b, t.psp_sign(t.psp_ts(-300), b), t.psp_ts(-300))) AS exactly_300_s_old
FROM (VALUES ('{"id":"evt_skew","type":"noop"}')) AS v(b);

-- Rotation: during a rotation either secret verifies; afterwards only the current one.
CALL t.use_secret('psp_webhook_secret_previous', :'previous');
SELECT t.outcome(t.deliver('{"id":"evt_rot_1","type":"payment.settled","psp_ref":"PSP-ROTATION"}', 'previous')) AS signed_with_previous;
SELECT t.outcome(t.deliver('{"id":"evt_rot_2","type":"ping"}', 'current')) AS signed_with_current;
SELECT t.err(format('SELECT t.deliver(%L, %L)', '{"id":"evt_rot_3"}', 'stranger')) AS signed_with_another;
RESET kobatela.psp_webhook_secret_previous_file;
SELECT t.err(format('SELECT t.deliver(%L, %L)', '{"id":"evt_rot_4"}', 'previous')) AS previous_after_rotation;
SELECT t.payment_status('PSP-ROTATION') AS rotated_payment;

-- Kinds: payment.settled / payment_succeeded settle, payment.failed / payment_failed fail (exact
-- spelling); anything else is recorded only. Kind is body type, else event, else unknown.
SELECT t.outcome(t.deliver('{"id":"evt_alias_1","type":"payment_succeeded","psp_ref":"PSP-ALIAS-OK"}'));
SELECT t.outcome(t.deliver('{"id":"evt_alias_2","event":"payment_failed","psp_ref":"PSP-ALIAS-FAIL"}'));
SELECT t.outcome(t.deliver('{"id":"evt_alias_3","type":"payment.failed","psp_ref":"PSP-DOT-FAIL"}'));
SELECT t.outcome(t.deliver('{"id":"evt_alias_4","type":"PAYMENT.SETTLED","psp_ref":"PSP-PENDING"}'));
SELECT t.outcome(t.deliver('{"id":"evt_alias_5","type":"payment.settled","event":"payment.failed","psp_ref":"PSP-PENDING"}'));
SELECT ref, t.payment_status(ref) AS status, t.payment_audit(ref) AS audit
FROM unnest(ARRAY['PSP-ALIAS-OK', 'PSP-ALIAS-FAIL', 'PSP-DOT-FAIL', 'PSP-PENDING']) AS ref;
SELECT event_id, kind, psp_ref FROM kobatela.psp_webhook_events WHERE event_id LIKE 'evt_alias_%' ORDER BY event_id;

-- The PSP is believed when it settles a failed payment; a settled payment is never un-settled:
-- the event is recorded, the status kept, and an alert raised instead.
SELECT t.outcome(t.deliver('{"id":"evt_fs_1","type":"payment.failed","psp_ref":"PSP-FAIL-SETTLE"}'));
SELECT t.outcome(t.deliver('{"id":"evt_fs_2","type":"payment.settled","psp_ref":"PSP-FAIL-SETTLE"}'));
SELECT t.payment_status('PSP-FAIL-SETTLE') AS failed_then_settled, t.payment_audit('PSP-FAIL-SETTLE') AS audit;
SELECT t.outcome(t.deliver('{"id":"evt_sf_1","type":"payment.settled","psp_ref":"PSP-SETTLE-FAIL"}'));
SELECT t.row_counts() AS before \gset
SELECT t.outcome(t.deliver('{"id":"evt_sf_2","type":"payment_failed","psp_ref":"PSP-SETTLE-FAIL"}'));
SELECT t.payment_status('PSP-SETTLE-FAIL') AS settled_then_failed, t.payment_audit('PSP-SETTLE-FAIL') AS audit;
SELECT key, (t.row_counts() -> key)::int - (:'before'::jsonb -> key)::int AS added
FROM jsonb_object_keys(:'before'::jsonb) AS key WHERE t.row_counts() -> key <> :'before'::jsonb -> key ORDER BY key;
SELECT type, message, actor_user_id, payload - 'payment_id' AS payload,
       (payload ->> 'payment_id')::bigint = (SELECT id FROM kobatela.payments WHERE psp_ref = 'PSP-SETTLE-FAIL') AS names_the_payment
FROM kobatela.alerts WHERE type = 'PSP_EVENT_CONTRADICTS_PAYMENT';
SELECT action, actor FROM kobatela.audit_entries WHERE entity = 'alerts' AND data ->> 'type' = 'PSP_EVENT_CONTRADICTS_PAYMENT';
-- A second settlement of a settled payment, a refunded payment settled: no change, no audit row.
SELECT t.outcome(t.deliver('{"id":"evt_sf_3","type":"payment.settled","psp_ref":"PSP-SETTLE-FAIL"}'));
SELECT t.outcome(t.deliver('{"id":"evt_refunded","type":"payment.settled","psp_ref":"PSP-REFUNDED"}'));
SELECT t.payment_audit('PSP-SETTLE-FAIL') AS audit_unchanged, t.payment_status('PSP-REFUNDED') AS refunded,
       (SELECT count(*) FROM kobatela.alerts WHERE type = 'PSP_EVENT_CONTRADICTS_PAYMENT') AS alerts;

-- Unknown or missing psp_ref, or a kind that does nothing: recorded, nothing else changes.
SELECT t.row_counts() AS before \gset
SELECT t.outcome(t.deliver('{"id":"evt_unknown_ref","type":"payment.settled","psp_ref":"PSP-NOBODY"}'));
SELECT t.outcome(t.deliver('{"id":"evt_no_ref","type":"payment.settled"}'));
SELECT t.outcome(t.deliver('{"id":"evt_refund","type":"refund.created","psp_ref":"PSP-123"}'));
SELECT t.outcome(t.deliver('{"id":"evt_payment_reference","type":"ping","payment_reference":"PSP-123"}'));
SELECT key, (t.row_counts() -> key)::int - (:'before'::jsonb -> key)::int AS added
FROM jsonb_object_keys(:'before'::jsonb) AS key WHERE t.row_counts() -> key <> :'before'::jsonb -> key ORDER BY key;
SELECT event_id, kind, psp_ref FROM kobatela.psp_webhook_events
WHERE event_id IN ('evt_unknown_ref', 'evt_no_ref', 'evt_refund', 'evt_payment_reference') ORDER BY event_id;

-- Bodies. Not JSON, not an object, too big: refused, nothing written.
SELECT t.row_counts() AS before \gset
SELECT what, t.err(format('SELECT t.deliver(%L)', b)) AS outcome FROM (VALUES
    ('not JSON', 'id=evt_x&type=payment.settled'),
    ('truncated JSON', '{"id":"evt_x"'),
    ('a JSON array', '[{"id":"evt_x","type":"payment.settled"}]'),
    ('a JSON string', '"evt_x"'),
    ('JSON null', 'null'),
    ('empty', ''),
    -- what jsonb cannot hold, in a correctly signed body: catalogued, never a raw 22P05/22003
    ('a \u0000 escape', '{"id":"evt_nul","type":"ping","note":"a\u0000b"}'),
    ('a number beyond numeric', '{"id":"evt_big","type":"ping","n":1e1000000}'),
    ('nested 33 deep', '{"id":"evt_deep","type":"ping","n":' || repeat('[', 33) || repeat(']', 33) || '}'),
    ('nested 10000 deep', '{"id":"evt_deeper","type":"ping","n":' || repeat('[', 10000) || repeat(']', 10000) || '}')
) AS v(what, b);
SELECT t.err('SELECT kobatela.psp_webhook(NULL)') AS null_body;
SELECT t.err($$SELECT t.deliver('{"pad":"' || repeat('x', 1024 * 1024) || '"}')$$) AS one_megabyte;
SELECT t.err($$SELECT t.deliver('{"pad":"' || repeat('x', 262144 - 10 + 1) || '"}')$$) AS one_byte_over_256_kb;
-- Invalid UTF-8 cannot reach the function in a UTF8 database: text refuses it first.
SELECT t.err($$SELECT t.deliver(convert_from('\x7b2269223a22ff227d', 'UTF8'))$$) AS invalid_utf8;
SELECT t.row_counts() = :'before' AS nothing_written;
-- Exactly 256 KB is accepted, and stored whole.
SELECT format('{"id":"evt_256k","pad":"%s"}', repeat('y', 262144 - octet_length('{"id":"evt_256k","pad":""}'))) AS big \gset
SELECT octet_length(:'big') AS bytes, t.outcome(t.deliver(:'big')) AS body_of_256_kb;
SELECT length(raw ->> 'pad') AS stored_whole FROM kobatela.psp_webhook_events WHERE event_id = 'evt_256k';

-- Fields: no id at all → the SHA-1 of the body, kind unknown; a replay of the same bytes is the
-- same event. Numbers count as text; objects, arrays, booleans, blanks count as absent.
SELECT t.deliver('{}') ->> 'event_id' = encode(t.digest('{}', 'sha1'), 'hex') AS sha1_event_id;
SELECT kind, psp_ref, raw FROM kobatela.psp_webhook_events WHERE event_id = encode(t.digest('{}', 'sha1'), 'hex');
SELECT t.deliver('{}') ->> 'event_id' = encode(t.digest('{}', 'sha1'), 'hex') AS sha1_replay;
SELECT t.deliver('{ }') ->> 'event_id' = encode(t.digest('{ }', 'sha1'), 'hex') AS other_bytes_other_event;
SELECT b AS body, t.deliver(b) ->> 'event_id' AS event_id FROM (VALUES
    ('{"id":42,"type":"ping"}'),
    ('{"id":"","event_id":"evt_second_choice","type":"ping"}'),
    ('{"id":"   ","event_id":"evt_blank_id","type":"ping"}'),
    ('{"id":{"nested":1},"event_id":"evt_object_id","type":"ping"}'),
    ('{"id":true,"event_id":"evt_bool_id","type":"ping"}'),
    -- read from the parsed body, as ->> reads it: a number as jsonb prints it, the last of two keys
    ('{"id":1.50e1,"type":"ping"}'),
    ('{"id":"evt_first_key","id":"evt_last_key","type":"ping"}')
) AS v(b);
-- What is stored is that same parsed body.
SELECT raw = '{"id":"evt_last_key","type":"ping"}'::jsonb AS stored_parsed
FROM kobatela.psp_webhook_events WHERE event_id = 'evt_last_key';
SELECT event_id, kind FROM kobatela.psp_webhook_events WHERE event_id IN ('42', 'evt_second_choice', 'evt_blank_id')
ORDER BY event_id;
SELECT t.outcome(t.deliver('{"id":"evt_blank_kind","type":"  ","event":["x"]}'));
SELECT kind FROM kobatela.psp_webhook_events WHERE event_id = 'evt_blank_kind';
-- event_id: at most 100 characters (refused: it is the event's identity); kind: longer than 50
-- is kept shortened to 50 (a label; the raw body keeps it whole).
SELECT t.err(format('SELECT t.deliver(%L)', format('{"id":"%s"}', repeat('é', 101)))) AS event_id_101_chars;
SELECT length(t.deliver(format('{"id":"%s"}', repeat('é', 100))) ->> 'event_id') AS event_id_100_chars;
SELECT t.err(format('SELECT t.deliver(%L)', '{"id":"evt\ttab"}')) AS event_id_with_tab;
SELECT t.outcome(t.deliver(format('{"id":"evt_long_kind","type":"%s"}', repeat('ü', 60))));
SELECT length(kind) AS kind_length, length(raw ->> 'type') AS raw_type_length
FROM kobatela.psp_webhook_events WHERE event_id = 'evt_long_kind';

-- Atomicity: when applying the event fails, the event is not recorded either.
ALTER TABLE kobatela.payments ADD CONSTRAINT t_no_error CHECK (status <> 'ERROR') NOT VALID;
SELECT t.row_counts() AS before \gset
SELECT split_part(t.err(format('SELECT t.deliver(%L)', '{"id":"evt_atomic","type":"payment.failed","psp_ref":"PSP-ATOMIC"}')), ':', 1)
       AS failing_update;
SELECT t.row_counts() = :'before' AS nothing_written, t.payment_status('PSP-ATOMIC') AS status;
ALTER TABLE kobatela.payments DROP CONSTRAINT t_no_error;
SELECT t.outcome(t.deliver('{"id":"evt_atomic","type":"payment.failed","psp_ref":"PSP-ATOMIC"}')) AS retried;

-- Headers (PostgREST's request.headers): X-PSP-Event-Id and X-PSP-Ref are not signed, and any
-- session can set them, so they never select what a webhook acts on: one the signed body does not
-- back up is refused, whether it contradicts the body or names what the body leaves out (the
-- reference's shape, a body without id or ref and both in headers, let one signature act on any
-- payment; nothing is written). A header that repeats the body is accepted.
BEGIN;
SELECT set_config('request.headers', '{"x-psp-event-id": "evt-psp-1", "x-psp-ref": "PSP-HEADER"}', true);
SELECT t.err(format('SELECT t.deliver(%L)', '{"type": "payment.settled"}')) AS ids_only_in_headers;
SELECT t.err(format('SELECT t.deliver(%L)', '{"type": "payment.settled", "id": "evt-psp-1"}')) AS ref_only_in_header;
SELECT t.err(format('SELECT t.deliver(%L)', '{"type": "payment.settled", "psp_ref": "PSP-HEADER"}')) AS id_only_in_header;
SELECT t.outcome(t.deliver('{"type": "payment.settled", "id": "evt-psp-1", "psp_ref": "PSP-HEADER"}')) AS agreeing_body;
SELECT t.err(format('SELECT t.deliver(%L)', '{"type":"payment.settled","id":"evt-psp-1","psp_ref":"PSP-123"}')) AS other_ref_in_body;
SELECT t.err(format('SELECT t.deliver(%L)', '{"type":"payment.settled","id":"evt-psp-1","payment_reference":"PSP-123"}')) AS other_reference_in_body;
SELECT t.err(format('SELECT t.deliver(%L)', '{"type":"payment.settled","id":"evt_other","psp_ref":"PSP-HEADER"}')) AS other_id_in_body;
SELECT t.err(format('SELECT t.deliver(%L)', '{"type":"payment.settled","event_id":"evt_other","psp_ref":"PSP-HEADER"}')) AS other_event_id_in_body;
SELECT set_config('request.headers', '{"x-psp-event-id": "  ", "x-psp-ref": ""}', true);
SELECT t.outcome(t.deliver('{"type":"ping","id":"evt_blank_headers","psp_ref":"PSP-NOBODY"}')) AS blank_headers_ignored;
COMMIT;
SELECT event_id, kind, psp_ref, t.payment_status(psp_ref) AS status FROM kobatela.psp_webhook_events
WHERE event_id IN ('evt-psp-1', 'evt_blank_headers') ORDER BY event_id;

-- PostgREST, replayed statement by statement: anonymous role, signature and timestamp in the
-- headers, POST /rpc/psp_webhook with {"body": "<the exact signed text>"}.
\set rest_body '{"id":"evt_rest","type":"payment.settled","psp_ref":"PSP-REST"}'
BEGIN;
SELECT t.psp_ts() AS rest_ts \gset
SELECT t.psp_sign(:'rest_ts', :'rest_body') AS rest_sig \gset
SET LOCAL ROLE kobatela_anon;
SELECT set_config('request.method', 'POST', true), set_config('request.path', '/rpc/psp_webhook', true),
       set_config('request.headers', jsonb_build_object('x-psp-signature', :'rest_sig', 'x-psp-timestamp', :'rest_ts',
                                                        'content-type', 'application/json')::text, true) IS NOT NULL AS headers_set;
SELECT kobatela.pre_request();
SELECT kobatela.psp_webhook(body := :'rest_body') ->> 'event_id' AS event_id, kobatela.current_scope() AS scope;
COMMIT;
SELECT t.payment_status('PSP-REST') AS status, t.payment_audit('PSP-REST') AS audit;
-- The same request again (the PSP retries): the first answer, nothing written.
SELECT t.row_counts() AS before \gset
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT set_config('request.method', 'POST', true),
       set_config('request.headers', jsonb_build_object('x-psp-signature', :'rest_sig', 'x-psp-timestamp', :'rest_ts')::text, true)
       IS NOT NULL AS headers_set;
SELECT kobatela.psp_webhook(:'rest_body') ->> 'event_id' AS replayed_event_id;
COMMIT;
SELECT t.row_counts() = :'before' AS nothing_written;
-- Arguments win over headers; a wrong header signature is refused for the anonymous role too.
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT set_config('request.headers', jsonb_build_object('x-psp-signature', repeat('0', 64), 'x-psp-timestamp', :'rest_ts')::text, true)
       IS NOT NULL AS headers_set;
SAVEPOINT wrong_signature;
SELECT kobatela.psp_webhook(:'rest_body');
ROLLBACK TO SAVEPOINT wrong_signature;
SELECT kobatela.psp_webhook(:'rest_body', :'rest_sig', :'rest_ts') ->> 'event_id' AS arguments_win;
COMMIT;
SELECT t.row_counts() = :'before' AS nothing_written;

RESET kobatela.psp_webhook_secret_file;
-- The helpers go with pgcrypto: later files must not find them.
DROP FUNCTION t.deliver(text, text), t.psp_sign(text, text, text), t.psp_ts(numeric), t.outcome(jsonb),
              t.payment_status(text), t.payment_audit(text);
DROP TABLE t.psp_secrets;
DROP EXTENSION pgcrypto;
