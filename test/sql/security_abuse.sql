-- security_abuse.sql — what a party could do with the rights it has, replayed (the second security
-- review; docs/security.md, "Threat model"). Each block was accepted by 0.3.0 (or refused wrongly)
-- and is refused (or accepted) now.
CALL t.use_secret('api_key_pepper', 'abuse-pepper-do-not-log');
SELECT id AS u1 FROM kobatela.create_user('ab_user1', 'ab_user1@example.com') \gset
SELECT id AS u2 FROM kobatela.create_user('ab_user2', 'ab_user2@example.com') \gset
SELECT id AS client2 FROM kobatela.create_user('ab_client2', 'ab_client2@example.com') \gset
SELECT id AS shopkeeper FROM kobatela.create_user('ab_shopkeeper', 'ab_shopkeeper@example.com') \gset
SELECT api_key AS k1 FROM kobatela.create_api_key('ab user1 phone', 'sender', :u1) \gset
SELECT api_key AS k2 FROM kobatela.create_api_key('ab user2 phone', 'sender', :u2) \gset
SELECT id AS platform_id, api_key AS platform FROM kobatela.create_api_key('ab platform', 'sender') \gset
SELECT api_key AS support FROM kobatela.create_api_key('ab support', 'support') \gset
SELECT api_key AS admin FROM kobatela.create_api_key('ab admin', 'admin') \gset
GRANT USAGE ON SCHEMA t TO kobatela_anon;
GRANT EXECUTE ON FUNCTION t.as_key(text, text) TO kobatela_anon;

-- ---- System-made idempotency keys cannot be squatted --------------------------------------------
-- User 2 will prove milestone M of escrow E2 (client2 pays, user2 provides). Kobatela's payout key
-- for it is pay|escrow:<E2>|ms:<M>|amt:100.00, or escrow:<E2>:milestone:<M>:amount:100.00 when the
-- client approves by hand. User 1's key spends 0.01 twice from user 1's own escrow with exactly
-- those keys: they are user 1's own keys now, and Kobatela's payout keys are in another column.
SELECT id AS e2 FROM kobatela.create_escrow(:client2, :u2, 200, 'USD', '{}', now() + interval '30 days') \gset
SELECT status FROM kobatela.escrow_deposit(:e2, 200);
SELECT id AS m1 FROM kobatela.add_milestone(:e2, 1, 'Photo', 100, 'PHOTO', 'SENDER', 5.3210, -4.0123, 500) \gset
SELECT id AS m2 FROM kobatela.add_milestone(:e2, 2, 'Review', 100, 'DOCUMENT') \gset
SELECT id AS e1 FROM kobatela.create_escrow(:u1, :u2, 10, 'USD', '{}', now() + interval '30 days') \gset
SELECT status FROM kobatela.escrow_deposit(:e1, 10);
SELECT payee_ref FROM kobatela.add_allowed_payee(:e1, 'ab-any', 'Anyone');
SELECT t.as_key(:'k1', format($$SELECT status FROM kobatela.spend(%s, 'ab-any', 0.01, NULL, %L)$$,
                              :e1, format('pay|escrow:%s|ms:%s|amt:100.00', :e2, :m1))) AS squat_auto_payout_key,
       t.as_key(:'k1', format($$SELECT status FROM kobatela.spend(%s, 'ab-any', 0.01, NULL, %L)$$,
                              :e1, format('escrow:%s:milestone:%s:amount:100.00', :e2, :m2))) AS squat_manual_payout_key;
-- User 2's valid photo is paid; the client's approval of the document proof is paid.
SELECT t.as_key(:'k2', format($$SELECT status FROM kobatela.submit_proof(%s, 1, 'PHOTO', 's3://ab/1.jpg', %L, %L)$$,
                              :e2, t.sha('ab-1'), t.photo('10 minutes', 5.3212, -4.0125)::text)) AS photo_proof;
SELECT id AS doc_proof FROM kobatela.submit_proof(:e2, 2, 'PDF', 's3://ab/2.pdf', t.sha('ab-2')) \gset
SELECT status FROM kobatela.decide_proof(:doc_proof, 'approved') AS approved_by_hand;
SELECT m.idx, m.status, p.status AS payment, p.payout_key ~ '^(pay\|escrow|escrow:)' AS kobatela_key,
       p.idempotency_key IS NULL AS no_caller_key
FROM kobatela.milestones m JOIN kobatela.payments p ON p.milestone_id = m.id WHERE m.escrow_id = :e2 ORDER BY m.idx;

-- ---- A caller's keys are its own: unique per owner, and no oracle ------------------------------
-- The same key by two parties is two requests; neither learns that the other used it.
SELECT id AS e3 FROM kobatela.create_escrow(:u1, :u2, 50, 'USD', '{}', now() + interval '30 days') \gset
SELECT t.as_key(:'k1', format($$SELECT deposited_amount FROM kobatela.escrow_deposit(%s, 5, 'ab-shared-key')$$, :e3))
       AS user1_deposit,
       t.as_key(:'platform', format($$SELECT deposited_amount FROM kobatela.escrow_deposit(%s, 7, 'ab-shared-key')$$, :e3))
       AS platform_same_key_other_amount,
       t.as_key(:'k1', format($$SELECT deposited_amount FROM kobatela.escrow_deposit(%s, 5, 'ab-shared-key')$$, :e3))
       AS user1_replay,
       t.as_key(:'k1', format($$SELECT deposited_amount FROM kobatela.escrow_deposit(%s, 6, 'ab-shared-key')$$, :e3))
       AS user1_other_amount;
SELECT d.amount, coalesce(u.username, 'the platform') AS owner FROM kobatela.escrow_deposits d
LEFT JOIN kobatela.users u ON u.id = d.idempotency_owner WHERE d.escrow_id = :e3 ORDER BY d.id;
-- Transfers: the key of user 1's transfer means nothing to user 2.
SELECT kobatela.add_to_allowlist(:u1, :u2), kobatela.add_to_allowlist(:u2, :u1);
SELECT t.as_key(:'k1', format($$SELECT status FROM kobatela.create_transaction(%s, %s, 3, 'USD', 'ab-tx')$$, :u1, :u2))
       AS user1_transfer,
       t.as_key(:'k2', format($$SELECT status FROM kobatela.create_transaction(%s, %s, 4, 'USD', 'ab-tx')$$, :u2, :u1))
       AS user2_same_key;

-- ---- One transaction, one current identity; a rolled-back savepoint restores the one before ----
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'k1') AS first_key;
SELECT kobatela.current_user_id() = :u1 AS acting_as_user1;
SAVEPOINT s;
SELECT kobatela.authenticate(:'support') AS second_key;
SELECT kobatela.current_scope() AS scope_in_savepoint;
ROLLBACK TO s;
SELECT kobatela.current_scope() AS scope_after_rollback, kobatela.current_user_id() = :u1 AS user1_again;
COMMIT;

-- ---- Errors that guide without leaking ----------------------------------------------------------
-- The first mistake: authenticate() in autocommit, then a call in another transaction.
SET ROLE kobatela_anon;
SELECT kobatela.authenticate(:'platform') AS authenticated_alone;
SELECT kobatela.get_user(:u1);
-- A wrong key: the same sentence and hint whether the prefix exists or not.
-- (One character changed: never to itself, or the key would be the right one 1 time in 36.)
SELECT kobatela.authenticate(substr(:'platform', 1, 12)
                             || CASE substr(:'platform', 13, 1) WHEN 'x' THEN 'y' ELSE 'x' END
                             || substr(:'platform', 14));
SELECT kobatela.authenticate('koba_ffffff.unknown');
RESET ROLE;
-- The scope a call needs is named.
SELECT t.as_key(:'support', format('SELECT kobatela.create_escrow(%s, %s, 1, %L, %L, now())', :u1, :u2, 'USD', '{}'))
       AS support_writes;
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'support') \g /dev/null
SELECT kobatela.create_api_key('ab nope', 'sender');
ROLLBACK;

-- ---- A rule added under a mandate widens only that sender's money ------------------------------
-- user1 funds a mandate of 100 to the shopkeeper's customer (u2) for any shop; a stranger (client2)
-- with a 0.01 mandate to u2 adds a category rule for u2: it lets out client2's money only.
SELECT id AS gadgets FROM kobatela.create_spend_category('AB_GADGETS', 'Gadgets') \gset
SELECT id AS gadget_shop FROM kobatela.create_merchant('ab gadget shop', :gadgets) \gset
SELECT status FROM kobatela.create_mandate(:u1, :u2, 100);
SELECT status FROM kobatela.create_mandate(:client2, :u2, 0.01);
SELECT api_key AS k_client2 FROM kobatela.create_api_key('ab client2 phone', 'sender', :client2) \gset
SELECT t.as_key(:'k_client2', format('SELECT kobatela.allow_usage(%s, NULL, %s)', :u2, :gadgets)) AS stranger_adds_rule,
       t.as_key(:'k_client2', format('SELECT kobatela.allow_usage(%s, NULL, %s, %s)', :u2, :gadgets, :u1))
       AS stranger_names_another_sender;
SELECT owner_id = :u2 AS for_u2, sender_id = :client2 AS client2s_money_only FROM kobatela.allowed_usages
WHERE category_id = :gadgets;
SELECT t.as_key(:'k2', format('SELECT status FROM kobatela.create_purchase(%s, %s, 50, %L, NULL, %s)',
                              :u1, :gadget_shop, 'USD', :u2)) AS spends_user1s_mandate_there,
       t.as_key(:'k2', format('SELECT status FROM kobatela.create_purchase(%s, %s, 0.01, %L, NULL, %s)',
                              :client2, :gadget_shop, 'USD', :u2)) AS spends_client2s_mandate_there;
-- The platform's rule (no sender) lets out every sender's money, as before.
SELECT kobatela.allow_usage(:u2, NULL, :gadgets) AS platform_rule;
SELECT t.as_key(:'k2', format('SELECT status FROM kobatela.create_purchase(%s, %s, 50, %L, NULL, %s)',
                              :u1, :gadget_shop, 'USD', :u2)) AS under_the_platform_rule;

-- ---- Validity is judged when it is decided, not when the transaction began ----------------------
-- The mandate expires after the buyer's transaction began, before the purchase: refused.
BEGIN;
UPDATE kobatela.usage_mandates SET expires_at = clock_timestamp() WHERE sender_id = :u1 AND beneficiary_id = :u2;
SELECT t.err(format('SELECT kobatela.create_purchase(%s, %s, 1, %L, NULL, %s)', :u1, :gadget_shop, 'USD', :u2))
       AS purchase_after_expiry;
ROLLBACK;
-- The key expires after the caller's transaction began, before it authenticates: refused.
BEGIN;
UPDATE kobatela.api_keys SET expires_at = clock_timestamp() WHERE id = :platform_id;
SELECT t.err(format('SELECT kobatela.authenticate(%L)', :'platform')) AS key_after_expiry;
ROLLBACK;
-- The key expires while the transaction that authenticated it goes on: its next call is refused
-- (and never falls back to the session role's scope).
BEGIN;
UPDATE kobatela.api_keys SET expires_at = clock_timestamp() + interval '0.5 seconds' WHERE id = :platform_id;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'platform') AS authenticated_before_expiry;
SELECT pg_sleep(0.6) IS NOT NULL AS expiry_passed;
SELECT kobatela.get_user(:u1);
ROLLBACK;

-- ---- Users are created by the platform ----------------------------------------------------------
SELECT t.as_key(:'k1', $$SELECT username FROM kobatela.create_user('ab_squat', 'ab_squat@example.com')$$) AS bound_creates_user,
       t.as_key(:'k1', $$SELECT username FROM kobatela.create_user('ab_user2', 'taken@example.com')$$) AS bound_probes_a_name;

-- ---- The audit log shows support what the tables show support ------------------------------------
SELECT t.as_key(:'support', $$SELECT count(*)::text FROM kobatela.audit_entries WHERE entity = 'api_keys'$$) AS support_key_audit_rows,
       t.as_key(:'admin', $$SELECT (count(*) > 0)::text FROM kobatela.audit_entries WHERE entity = 'api_keys'$$) AS admin_sees_them,
       t.as_key(:'support', $$SELECT (count(*) > 0)::text FROM kobatela.audit_entries WHERE entity = 'users'$$) AS support_sees_users;

-- ---- A key authenticated read-only is recorded before anything it writes ------------------------
CREATE FUNCTION t.authenticate_read_only(api_key text) RETURNS kobatela.api_scope
    LANGUAGE sql SET transaction_read_only = on AS $$ SELECT kobatela.authenticate(api_key) $$;
GRANT EXECUTE ON FUNCTION t.authenticate_read_only(text) TO kobatela_anon;
SELECT id AS admin_id FROM kobatela.api_keys WHERE name = 'ab admin' \gset
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT t.authenticate_read_only(:'admin') AS authenticated_read_only;
SELECT username FROM kobatela.create_user('ab_written_as_key', 'ab_written_as_key@example.com');
COMMIT;
SELECT action, entity FROM kobatela.audit_entries
WHERE txid = (SELECT txid FROM kobatela.audit_entries WHERE entity = 'users' AND data ->> 'username' = 'ab_written_as_key')
ORDER BY record_id, change_no;
SELECT actor = 'apikey:' || :admin_id AS written_as_the_key FROM kobatela.audit_entries
WHERE entity = 'users' AND data ->> 'username' = 'ab_written_as_key';
-- Read-only and nothing written: no record (a read-only transaction cannot hold one).
SELECT count(*) AS key_uses_before FROM kobatela.audit_entries WHERE action = 'API_KEY_USED' \gset
BEGIN READ ONLY;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'support') AS read_only_use;
SELECT count(*) > 0 AS reads FROM kobatela.users;
COMMIT;
SELECT count(*) - :key_uses_before AS key_uses_recorded FROM kobatela.audit_entries WHERE action = 'API_KEY_USED';

REVOKE EXECUTE ON FUNCTION t.authenticate_read_only(text) FROM kobatela_anon;
REVOKE EXECUTE ON FUNCTION t.as_key(text, text) FROM kobatela_anon;
REVOKE USAGE ON SCHEMA t FROM kobatela_anon;
RESET kobatela.api_key_pepper_file;
