-- The scope matrix: every API function called under every kind of caller. Each cell runs in its
-- own subtransaction, as PostgREST's kobatela_anon role with the identity's key authenticated,
-- and is rolled back, so cells do not influence each other. 'ok' means the call succeeded;
-- 'permission denied' that kobatela_anon may not execute the function at all (the pure helpers,
-- which check no key: test/pgtap/privileges.sql).
CALL t.use_secret('api_key_pepper', 'matrix-pepper-do-not-log');
CALL t.use_secret('psp_webhook_secret', 'matrix-psp-do-not-log');   -- psp_webhook: the signature, not a scope, decides
SELECT id AS alice FROM kobatela.create_user('m_alice', 'm_alice@example.com') \gset
SELECT id AS bob FROM kobatela.create_user('m_bob', 'm_bob@example.com') \gset
SELECT id AS carol FROM kobatela.create_user('m_carol', 'm_carol@example.com') \gset
SELECT kobatela.add_to_allowlist(:alice, :bob);
SELECT id AS tx FROM kobatela.create_transaction(:alice, :bob, 1) \gset
SELECT id AS esc FROM kobatela.create_escrow(:alice, :bob, 10, 'USD', '{}', now() + interval '1 day') \gset
SELECT id AS funded FROM kobatela.create_escrow(:alice, :bob, 10, 'USD', '{}', now() + interval '1 day') \gset
SELECT status FROM kobatela.escrow_deposit(:funded, 10);
SELECT id AS ms FROM kobatela.add_milestone(:funded, 1, 'm', 10, 'DOCUMENT') \gset
SELECT id AS proof FROM kobatela.submit_proof(:funded, 1, 'PDF', 's3://m.pdf', repeat('ab', 32)) \gset
-- A PENDING payment (as an upgrade leaves one), planted past the books' guard (replica mode).
SET session_replication_role = replica;
INSERT INTO kobatela.payments (escrow_id, amount, kind) VALUES (:funded, 1, 'RELEASE') RETURNING id AS pending \gset
RESET session_replication_role;
-- A payment the PSP failed (to be repaid), on an escrow of its own.
SELECT id AS failing_escrow FROM kobatela.create_escrow(:alice, :bob, 10, 'USD', '{}', now() + interval '1 day') \gset
SELECT status FROM kobatela.escrow_deposit(:failing_escrow, 10);
SELECT payee_ref FROM kobatela.add_allowed_payee(:failing_escrow, 'm_failing', 'Failing bank');
SELECT id AS failed FROM kobatela.spend(:failing_escrow, 'm_failing', 1) \gset
SELECT status FROM kobatela.correct_payment(:failed, 'ERROR', 'matrix: the PSP failed it');
SELECT psp_ref AS failed_ref FROM kobatela.payments WHERE id = :failed \gset
SELECT id AS waiting FROM kobatela.create_escrow(:alice, :bob, 10, 'USD', '{}', now() + interval '1 day') \gset
SELECT idx FROM kobatela.add_milestone(:waiting, 1, 'm', 10, 'DOCUMENT');
SELECT payee_ref FROM kobatela.add_allowed_payee(:funded, 'm_clinic', 'Clinic');
SELECT id AS shop FROM kobatela.create_merchant('m_shop', NULL, true) \gset
SELECT status FROM kobatela.create_mandate(:alice, :bob, 50);
SELECT id AS purchase FROM kobatela.create_purchase(:alice, :shop, 5, beneficiary_id => :bob) \gset
SELECT id AS revoked_id, api_key AS revoked_key FROM kobatela.create_api_key('m revoked', 'sender') \gset
SELECT kobatela.revoke_api_key(:revoked_id);
SELECT id AS expired_id, api_key AS expired_key FROM kobatela.create_api_key('m expired', 'sender') \gset
UPDATE kobatela.api_keys SET expires_at = now() - interval '1 second' WHERE id = :expired_id;

CREATE TABLE t.matrix_identities (ord int, name text, api_key text);
INSERT INTO t.matrix_identities VALUES
    (1, 'no key', NULL),
    (2, 'revoked', :'revoked_key'),
    (3, 'expired', :'expired_key'),
    (4, 'sender', (SELECT api_key FROM kobatela.create_api_key('m sender', 'sender'))),
    (5, 'bound_client', (SELECT api_key FROM kobatela.create_api_key('m bound alice', 'sender', :alice))),
    (6, 'bound_provider', (SELECT api_key FROM kobatela.create_api_key('m bound bob', 'sender', :bob))),
    (7, 'bound_other', (SELECT api_key FROM kobatela.create_api_key('m bound carol', 'sender', :carol))),
    (8, 'support', (SELECT api_key FROM kobatela.create_api_key('m support', 'support'))),
    (9, 'admin', (SELECT api_key FROM kobatela.create_api_key('m admin', 'admin'))),
    (10, 'worker', (SELECT api_key FROM kobatela.create_api_key('m worker', 'worker')));

-- One representative call per function, on alice's objects: alice is the client of the escrows
-- (bound_client's user), bob their provider (bound_provider's), the receiver of the transfer and
-- the beneficiary of the mandate; carol is a stranger to all of them (bound_other's).
CREATE TABLE t.matrix_calls (fn text, call text);
INSERT INTO t.matrix_calls VALUES
    ('create_user',        $$SELECT kobatela.create_user('m_new', 'm_new@example.com')$$),
    ('get_user',           format('SELECT kobatela.get_user(%s)', :alice)),
    ('add_to_allowlist',   format('SELECT kobatela.add_to_allowlist(%s, %s)', :alice, :carol)),
    ('add_certification',  format($$SELECT kobatela.add_certification(%s, 'GOLD')$$, :bob)),
    ('create_transaction', format('SELECT kobatela.create_transaction(%s, %s, 2)', :alice, :bob)),
    ('get_transaction',    format('SELECT kobatela.get_transaction(%s)', :tx)),
    ('list_alerts',        'SELECT kobatela.list_alerts()'),
    ('create_api_key',     $$SELECT kobatela.create_api_key('m new', 'support')$$),
    ('create_escrow',      format($$SELECT kobatela.create_escrow(%s, %s, 10, 'USD', '{}', now() + interval '1 day')$$, :alice, :bob)),
    ('add_milestone',      format($$SELECT kobatela.add_milestone(%s, 1, 'm', 5)$$, :esc)),
    ('escrow_deposit',     format('SELECT kobatela.escrow_deposit(%s, 5)', :esc)),
    ('escrow_mark_delivered', format('SELECT kobatela.escrow_mark_delivered(%s)', :funded)),
    ('escrow_client_approve', format('SELECT kobatela.escrow_client_approve(%s)', :funded)),
    ('escrow_client_reject', format('SELECT kobatela.escrow_client_reject(%s)', :esc)),
    ('escrow_check_deadline', format('SELECT kobatela.escrow_check_deadline(%s)', :funded)),
    ('get_escrow',         format('SELECT kobatela.get_escrow(%s)', :esc)),
    ('submit_proof',       format($$SELECT kobatela.submit_proof(%s, 1, 'PDF', 's3://x.pdf', repeat('cd', 32))$$, :waiting)),
    ('decide_proof',       format($$SELECT kobatela.decide_proof(%s, 'approved')$$, :proof)),
    ('execute_payment',    format('SELECT kobatela.execute_payment(%s)', :pending)),
    ('correct_payment',    format($$SELECT kobatela.correct_payment(%s, 'SETTLED', 'matrix')$$, :pending)),
    ('retry_payment',      format('SELECT kobatela.retry_payment(%s)', :failed)),
    ('escrow_events',      format('SELECT kobatela.escrow_events(%s)', :esc)),
    ('get_api_key',        format('SELECT kobatela.get_api_key(%s)', :revoked_id)),
    ('revoke_api_key',     format('SELECT kobatela.revoke_api_key(%s)', :expired_id)),
    ('pre_request',        'SELECT kobatela.pre_request()'),
    ('current_scope',      'SELECT kobatela.current_scope()'),
    ('current_user_id',    'SELECT kobatela.current_user_id()'),
    ('current_actor',      'SELECT kobatela.current_actor()'),
    ('health',             'SELECT kobatela.health()'),
    ('psp_webhook',        $$SELECT kobatela.psp_webhook('{}', repeat('0', 64), extract(epoch FROM now())::bigint::text)$$),
    ('psp_webhook_raw',    $$SELECT kobatela.psp_webhook_raw('{}')$$),   -- no X-PSP-* headers: unsigned
    ('verify_audit_chain', 'SELECT kobatela.verify_audit_chain()'),
    ('audit_chain_tips',   'SELECT kobatela.audit_chain_tips()'),
    ('audit_history',      'SELECT kobatela.audit_history(''users'', 1)'),
    ('check_invariants',   'SELECT kobatela.check_invariants()'),
    ('metric_rows',        'SELECT count(*) FROM kobatela.metrics'),   -- 0.9.0: the view over it
    ('error_catalogue',    'SELECT kobatela.error_catalogue()'),
    ('geo_distance_m',     'SELECT kobatela.geo_distance_m(0, 0, 0, 1)'),
    ('within_geofence',    'SELECT kobatela.within_geofence(0, 0, 0, 0, 10)'),
    ('verify_hmac_sha256', $$SELECT kobatela.verify_hmac_sha256('k', 'm', '00')$$),
    ('create_spend_category', $$SELECT kobatela.create_spend_category('M_NEW', 'New')$$),
    ('create_merchant',    $$SELECT kobatela.create_merchant('m_new_shop')$$),
    ('allow_usage',        format('SELECT kobatela.allow_usage(%s, %s)', :bob, :shop)),
    ('create_mandate',     format('SELECT kobatela.create_mandate(%s, %s, 10)', :alice, :carol)),
    ('expire_mandates',    'SELECT kobatela.expire_mandates()'),
    ('release_overdue_escrows', 'SELECT kobatela.release_overdue_escrows()'),
    -- pg_cron has no extension in the test cluster's cron database while this suite runs: an
    -- admin gets past the scope check to PG_CRON_UNAVAILABLE.
    ('schedule_maintenance',   'SELECT kobatela.schedule_maintenance()'),
    ('unschedule_maintenance', 'SELECT kobatela.unschedule_maintenance()'),
    ('create_purchase',    format('SELECT kobatela.create_purchase(%s, %s, 1, beneficiary_id => %s)', :alice, :shop, :bob)),
    ('refund_purchase',    format($$SELECT kobatela.refund_purchase(%s, 1, 'm refund')$$, :purchase)),
    ('add_allowed_payee',  format($$SELECT kobatela.add_allowed_payee(%s, 'm_pharmacy', 'Pharmacy')$$, :funded)),
    -- (from the escrow without milestones: :funded's money is all reserved for its milestone)
    ('spend',              format($$SELECT kobatela.spend(%s, 'm_failing', 1)$$, :failing_escrow)),
    ('enable_currency',    $$SELECT kobatela.enable_currency('XOF')$$),
    ('disable_currency',   $$SELECT kobatela.disable_currency('EUR')$$),
    ('list_currencies',    'SELECT kobatela.list_currencies()'),
    -- the lists: a key bound to a stranger lists nothing of alice's escrow (NOT_A_PARTY when it
    -- names it); every other list succeeds, with its user's rows only (test/sql/lists.sql)
    ('list_escrows',       'SELECT kobatela.list_escrows()'),
    ('list_milestones',    format('SELECT kobatela.list_milestones(%s)', :funded)),
    ('list_payments',      format('SELECT kobatela.list_payments(%s)', :funded)),
    ('list_deposits',      format('SELECT kobatela.list_deposits(%s)', :funded)),
    ('list_payees',        format('SELECT kobatela.list_payees(%s)', :funded)),
    ('list_escrow_events', format('SELECT kobatela.list_escrow_events(%s)', :funded)),
    ('list_transactions',  'SELECT kobatela.list_transactions()'),
    ('list_mandates',      'SELECT kobatela.list_mandates()'),
    ('list_purchases',     'SELECT kobatela.list_purchases()'),
    ('list_alerts_page',   'SELECT kobatela.list_alerts_page()'),
    ('list_api_keys',      'SELECT kobatela.list_api_keys()'),
    ('events_since',       'SELECT count(*) FROM kobatela.events_since()'),
    -- 0.8.0: the payout hand-off (the failed payment's was made TRANSMITTED by its correction: the
    -- reports change nothing, queue_payout returns its row)
    ('claim_payouts',      $$SELECT kobatela.claim_payouts('m-worker', 1)$$),
    ('payout_transmitted', format('SELECT kobatela.payout_transmitted(%s, %L)', :failed, :'failed_ref')),
    ('payout_transmission_failed', format($$SELECT kobatela.payout_transmission_failed(%s, 'm: HTTP 500')$$, :failed)),
    ('queue_payout',       format('SELECT kobatela.queue_payout(%s)', :failed));

-- Every function of the schema is in the matrix, except authenticate (every cell calls it) and
-- the trigger functions.
SELECT p.proname AS function_missing_from_the_matrix
FROM pg_proc p
WHERE p.pronamespace = 'kobatela'::regnamespace AND p.prorettype <> 'trigger'::regtype
  AND p.proname <> 'authenticate' AND p.proname NOT IN (SELECT fn FROM t.matrix_calls)
ORDER BY 1;

CREATE FUNCTION t.matrix_cell(api_key text, call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    message text;
BEGIN
    BEGIN
        SET LOCAL ROLE kobatela_anon;
        IF api_key IS NOT NULL THEN
            PERFORM kobatela.authenticate(api_key);
        END IF;
        EXECUTE call;
        RAISE EXCEPTION USING ERRCODE = 'KB000', MESSAGE = 'ok';  -- success: roll the cell back
    EXCEPTION
        WHEN insufficient_privilege THEN RETURN 'permission denied';
        WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS message = MESSAGE_TEXT;
            RETURN message;
    END;
END $$;

SELECT c.fn AS function,
       max(cell) FILTER (WHERE i.ord = 1) AS no_key,
       max(cell) FILTER (WHERE i.ord = 2) AS revoked,
       max(cell) FILTER (WHERE i.ord = 3) AS expired,
       max(cell) FILTER (WHERE i.ord = 4) AS sender,
       max(cell) FILTER (WHERE i.ord = 5) AS bound_client,
       max(cell) FILTER (WHERE i.ord = 6) AS bound_provider,
       max(cell) FILTER (WHERE i.ord = 7) AS bound_other,
       max(cell) FILTER (WHERE i.ord = 8) AS support,
       max(cell) FILTER (WHERE i.ord = 9) AS admin,
       max(cell) FILTER (WHERE i.ord = 10) AS worker
FROM t.matrix_calls c CROSS JOIN t.matrix_identities i
CROSS JOIN LATERAL (SELECT t.matrix_cell(i.api_key, c.call) AS cell) r
GROUP BY c.fn ORDER BY c.fn;

-- The matrix wrote nothing: every cell was rolled back.
SELECT count(*) AS users_named_m_new FROM kobatela.users WHERE username = 'm_new';
