-- privileges.sql — who may EXECUTE what (docs/security.md, "Privileges"), written out here
-- independently of sql/security.sql, which grants it: every function of schema kobatela must be in
-- this list, so a new function fails this test until someone decides who may call it. Then the
-- trigger functions, which no role may attach, and which refuse to run for a table that is not
-- Kobatela's. Runs in a transaction that is rolled back.
BEGIN;
SELECT plan(12);

-- a = kobatela_anon (PostgREST, key-checked calls only), s = sender, u = support, d = admin,
-- w = worker (0.8.0).
CREATE TEMP TABLE expected_execute (fn regprocedure PRIMARY KEY, roles text NOT NULL);
INSERT INTO expected_execute VALUES
    ('kobatela.authenticate(text)', 'asudw'),
    ('kobatela.pre_request()', 'asudw'),
    ('kobatela.health()', 'asudw'),
    ('kobatela.error_catalogue()', 'asudw'),
    ('kobatela.current_scope()', 'asudw'),
    ('kobatela.current_user_id()', 'asudw'),
    ('kobatela.current_actor()', 'asudw'),
    ('kobatela.create_user(text, text, boolean, jsonb)', 'asd'),
    ('kobatela.add_to_allowlist(bigint, bigint)', 'asd'),
    ('kobatela.add_certification(bigint, text)', 'asd'),
    ('kobatela.create_transaction(bigint, bigint, numeric, text, text, jsonb)', 'asd'),
    ('kobatela.create_escrow(bigint, bigint, numeric, text, jsonb, timestamptz)', 'asd'),
    ('kobatela.create_escrow(bigint, bigint, numeric, text, jsonb, timestamptz, text, jsonb)', 'asd'),
    ('kobatela.add_milestone(bigint, integer, text, numeric, text, text, float8, float8, float8)', 'asd'),
    ('kobatela.escrow_deposit(bigint, numeric, text)', 'asd'),
    ('kobatela.escrow_mark_delivered(bigint, text, text)', 'asd'),
    ('kobatela.escrow_client_approve(bigint, text)', 'asd'),
    ('kobatela.escrow_client_reject(bigint, text)', 'asd'),
    ('kobatela.escrow_check_deadline(bigint)', 'asd'),
    ('kobatela.submit_proof(bigint, integer, text, text, text, jsonb)', 'asd'),
    ('kobatela.decide_proof(bigint, text, text)', 'asd'),
    ('kobatela.execute_payment(bigint)', 'asd'),
    ('kobatela.retry_payment(bigint)', 'asd'),
    ('kobatela.create_spend_category(text, text)', 'asd'),
    ('kobatela.create_merchant(text, bigint, boolean)', 'asd'),
    ('kobatela.allow_usage(bigint, bigint, bigint, bigint)', 'asd'),
    ('kobatela.create_mandate(bigint, bigint, numeric, text, bigint, bigint, timestamptz)', 'asd'),
    ('kobatela.expire_mandates()', 'asd'),
    ('kobatela.create_purchase(bigint, bigint, numeric, text, bigint, bigint, text)', 'asd'),
    ('kobatela.add_allowed_payee(bigint, text, text, numeric, numeric)', 'asd'),
    ('kobatela.spend(bigint, text, numeric, text, text, jsonb)', 'asd'),
    ('kobatela.get_user(bigint)', 'asud'),
    ('kobatela.get_transaction(bigint)', 'asud'),
    ('kobatela.list_alerts(text)', 'asud'),
    ('kobatela.get_escrow(bigint)', 'asud'),
    ('kobatela.escrow_events(bigint)', 'asud'),
    ('kobatela.list_currencies()', 'asud'),
    ('kobatela.list_escrows(text, text, bigint, timestamptz, timestamptz, integer, text)', 'asud'),
    ('kobatela.list_milestones(bigint, text, integer, text)', 'asud'),
    ('kobatela.list_payments(bigint, text, text, timestamptz, timestamptz, integer, text)', 'asud'),
    ('kobatela.list_deposits(bigint, timestamptz, timestamptz, integer, text)', 'asud'),
    ('kobatela.list_payees(bigint, integer, text)', 'asud'),
    ('kobatela.list_transactions(text, text, bigint, timestamptz, timestamptz, integer, text)', 'asud'),
    ('kobatela.list_mandates(text, text, bigint, timestamptz, timestamptz, integer, text)', 'asud'),
    ('kobatela.list_purchases(bigint, text, text, timestamptz, timestamptz, integer, text)', 'asud'),
    ('kobatela.list_alerts_page(text, integer, text)', 'asud'),
    ('kobatela.list_escrow_events(bigint, integer, text)', 'asud'),
    ('kobatela.events_since(text, integer)', 'asud'),
    ('kobatela.verify_audit_chain(jsonb)', 'aud'),
    ('kobatela.audit_chain_tips()', 'aud'),
    ('kobatela.audit_history(text, bigint)', 'aud'),
    ('kobatela.check_invariants()', 'aud'),
    ('kobatela.metric_rows()', 'aud'),   -- the view kobatela.metrics (0.9.0)
    ('kobatela.create_api_key(text, kobatela.api_scope, bigint, timestamptz)', 'ad'),
    ('kobatela.get_api_key(bigint)', 'ad'),
    ('kobatela.list_api_keys(bigint, integer, text)', 'ad'),
    ('kobatela.revoke_api_key(bigint)', 'ad'),
    ('kobatela.release_overdue_escrows()', 'ad'),
    ('kobatela.schedule_maintenance(text)', 'ad'),
    ('kobatela.unschedule_maintenance()', 'ad'),
    ('kobatela.enable_currency(text)', 'ad'),
    ('kobatela.disable_currency(text)', 'ad'),
    ('kobatela.correct_payment(bigint, kobatela.payment_status, text)', 'ad'),
    ('kobatela.refund_purchase(bigint, numeric, text, text)', 'ad'),
    ('kobatela.queue_payout(bigint)', 'ad'),
    ('kobatela.claim_payouts(text, integer)', 'adw'),
    ('kobatela.payout_transmitted(bigint, text)', 'adw'),
    ('kobatela.payout_transmission_failed(bigint, text)', 'adw'),
    ('kobatela.psp_webhook(text, text, text)', 'ad'),
    ('kobatela.psp_webhook_raw(json)', 'ad'),
    ('kobatela.geo_distance_m(float8, float8, float8, float8)', 'sud'),
    ('kobatela.within_geofence(float8, float8, float8, float8, float8, float8)', 'sud'),
    ('kobatela.verify_hmac_sha256(bytea, bytea, text)', 'sud'),
    ('kobatela.touch_updated_at()', ''),
    ('kobatela.audit_row()', ''),
    ('kobatela.audit_log_append_only()', ''),
    ('kobatela.currencies_changed()', ''),
    ('kobatela.event_row()', '');

CREATE TEMP VIEW role_letters (letter, role) AS
    VALUES ('a', 'kobatela_anon'), ('s', 'kobatela_sender'), ('u', 'kobatela_support'), ('d', 'kobatela_admin'),
           ('w', 'kobatela_worker');

SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = 'kobatela'::regnamespace
                AND p.oid NOT IN (SELECT fn FROM expected_execute) ORDER BY 1),
          ARRAY[]::text[], 'every function of schema kobatela has a row in this test''s matrix');
SELECT is(ARRAY(SELECT e.fn::text FROM expected_execute e
                WHERE NOT EXISTS (SELECT 1 FROM pg_proc p WHERE p.oid = e.fn) ORDER BY 1),
          ARRAY[]::text[], 'every row of the matrix names an existing function');
SELECT is(ARRAY(SELECT r.role || ' ' || e.fn::text || CASE WHEN has_function_privilege(r.role, e.fn, 'EXECUTE')
                                                          THEN ' may execute' ELSE ' may not execute' END
                FROM expected_execute e CROSS JOIN role_letters r
                WHERE has_function_privilege(r.role, e.fn, 'EXECUTE') <> (strpos(e.roles, r.letter) > 0)
                ORDER BY 1),
          ARRAY[]::text[], 'each Kobatela role may execute exactly the functions of its column');
SELECT is(ARRAY(SELECT e.fn::text FROM expected_execute e JOIN pg_proc p ON p.oid = e.fn
                WHERE p.prorettype = 'trigger'::regtype AND e.roles <> '' ORDER BY 1),
          ARRAY[]::text[], 'no role may execute a trigger function');

-- A login role that was merely granted a Kobatela role cannot attach Kobatela's triggers.
CREATE ROLE kobatela_tap_login LOGIN IN ROLE kobatela_sender, kobatela_support, kobatela_admin;
SET LOCAL ROLE kobatela_tap_login;
CREATE TEMP TABLE forged (id bigint, updated_at timestamptz);
SELECT throws_ok($$CREATE TRIGGER forge AFTER INSERT ON forged FOR EACH ROW EXECUTE FUNCTION kobatela.audit_row()$$,
                 '42501', NULL, 'a granted login role may not attach audit_row to a table of its own');
SELECT throws_ok($$CREATE TRIGGER forge BEFORE UPDATE ON forged FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at()$$,
                 '42501', NULL, 'nor touch_updated_at');
RESET ROLE;

-- Attached by a superuser (who may), they refuse to run for a table that is not Kobatela's: no audit
-- row comes out of a forged "payments" row, whatever its name or columns.
CREATE TABLE public.payments (id bigint, status text, updated_at timestamptz);
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON public.payments FOR EACH ROW EXECUTE FUNCTION kobatela.audit_row();
CREATE TRIGGER touch BEFORE UPDATE ON public.payments FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();
CREATE TEMP TABLE audit_rows_before AS SELECT count(*) AS n FROM kobatela.audit_log;
SELECT throws_ok($$INSERT INTO public.payments VALUES (1, 'SETTLED')$$, 'PT403', 'TRIGGER_NOT_ALLOWED',
                 'audit_row refuses a table that is not the extension''s, even one named payments');
SELECT is((SELECT count(*) FROM kobatela.audit_log), (SELECT n FROM audit_rows_before), 'and writes no audit row');
DROP TRIGGER audit ON public.payments;
INSERT INTO public.payments VALUES (1, 'SENT');
SELECT throws_ok($$UPDATE public.payments SET status = 'SETTLED'$$, 'PT403', 'TRIGGER_NOT_ALLOWED',
                 'touch_updated_at refuses it too');
CREATE TEMP TABLE fake_audit (id bigint);
CREATE TRIGGER append_only BEFORE DELETE ON fake_audit FOR EACH ROW EXECUTE FUNCTION kobatela.audit_log_append_only();
INSERT INTO fake_audit VALUES (1);
SELECT throws_ok($$DELETE FROM fake_audit$$, 'PT403', 'TRIGGER_NOT_ALLOWED', 'and so does audit_log_append_only');

-- Kobatela's own tables still run them (the suites write through them everywhere; one check here).
SELECT lives_ok($$SELECT kobatela.create_user('tap_privileges', 'tap_privileges@example.com')$$,
                'a Kobatela table still audits and stamps its rows');
SELECT ok(EXISTS (SELECT 1 FROM kobatela.audit_entries WHERE entity = 'users' AND data ->> 'username' = 'tap_privileges'),
          'with its audit record');

SELECT * FROM finish();
ROLLBACK;
