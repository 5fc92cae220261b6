-- The event feed (docs/events.md, src/core/events.cpp, src/audit/event_trigger.cpp,
-- src/api/events.cpp): each event type produced by its call, with the row as it was at that moment;
-- replays and errors emit nothing; row-level security (a bound key sees its user's events only;
-- support and admin all; no scope nothing); paging by cursor; INVALID_CURSOR and INVALID_LIMIT;
-- the reference's example.
CALL t.use_secret('api_key_pepper', 'events-pepper-do-not-log');

-- The events written since the last call of t.ev_new(), in feed order: type(status).
CREATE TABLE t.ev_mark (id bigint);
INSERT INTO t.ev_mark SELECT coalesce(max(id), 0) FROM kobatela.events;
CREATE FUNCTION t.ev_new() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    seen text;
BEGIN
    SELECT string_agg(e.type || coalesce('(' || (e.data ->> 'status') || ')', ''), ' ' ORDER BY e.txid, e.id) INTO seen
    FROM kobatela.events e WHERE e.id > (SELECT id FROM t.ev_mark);
    UPDATE t.ev_mark SET id = (SELECT coalesce(max(id), 0) FROM kobatela.events);
    RETURN coalesce(seen, '(none)');
END $$;
CREATE FUNCTION t.ev_photo(lat float8, lng float8) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('exif_timestamp', to_char((now() - interval '5 minutes') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                              'gps_lat', lat, 'gps_lng', lng, 'source', 'app') $$;

-- ---- Users and transfers ------------------------------------------------------------------------
SELECT id AS ana FROM kobatela.create_user('ev_ana', 'ev_ana@example.com') \gset
SELECT id AS ben FROM kobatela.create_user('ev_ben', 'ev_ben@example.com') \gset
SELECT id AS cyd FROM kobatela.create_user('ev_cyd', 'ev_cyd@example.com') \gset
SELECT t.ev_new() AS users;
SELECT kobatela.add_to_allowlist(:ana, :ben);
SELECT t.ev_new() AS allowlist_is_no_event;
SELECT status FROM kobatela.create_transaction(:ana, :ben, 5, 'USD', 'ev-tx-1');
SELECT status FROM kobatela.create_transaction(:ana, :cyd, 5, 'USD', 'ev-tx-2');
SELECT t.ev_new() AS transfers;
SELECT status FROM kobatela.create_transaction(:ana, :ben, 5, 'USD', 'ev-tx-1');
SELECT t.ev_new() AS replayed_transfer;
SELECT t.err(format($$SELECT kobatela.create_user('ev_ana', 'other@example.com')$$)) AS refused;
SELECT t.ev_new() AS refused_call;

-- ---- An escrow, its deposits, milestones, proofs and payouts ----------------------------------
SELECT id AS e1 FROM kobatela.create_escrow(:ana, :ben, 300, 'USD', '{}', now() + interval '30 days') \gset
SELECT idx FROM kobatela.add_milestone(:e1, 1, 'Photo step', 100, 'PHOTO', 'SENDER', 5.3210, -4.0123, 500);
SELECT idx FROM kobatela.add_milestone(:e1, 2, 'Document step', 100, 'DOCUMENT');
SELECT idx FROM kobatela.add_milestone(:e1, 3, 'Rejected step', 50, 'DOCUMENT');
SELECT t.ev_new() AS created;
SELECT status FROM kobatela.escrow_deposit(:e1, 100, 'ev-dep-1');
SELECT t.ev_new() AS first_deposit;
SELECT status FROM kobatela.escrow_deposit(:e1, 200, 'ev-dep-2');
SELECT t.ev_new() AS funding_deposit;
SELECT status FROM kobatela.escrow_deposit(:e1, 200, 'ev-dep-2');
SELECT t.ev_new() AS replayed_deposit;
SELECT t.err(format($$SELECT kobatela.escrow_deposit(%s, 1, 'ev-dep-3')$$, :e1)) AS over_the_total;
SELECT t.ev_new() AS refused_deposit;
-- An auto-approved photo: submitted and approved at once, one proof event; the payout follows.
SELECT status FROM kobatela.submit_proof(:e1, 1, 'PHOTO', 's3://ev/1.jpg', repeat('e1', 32), t.ev_photo(5.3212, -4.0125));
SELECT t.ev_new() AS auto_approved_photo;
-- A document: submitted for review, then approved by hand; deciding again changes nothing.
SELECT id AS doc FROM kobatela.submit_proof(:e1, 2, 'PDF', 's3://ev/2.pdf', repeat('e2', 32)) \gset
SELECT t.ev_new() AS submitted_for_review;
SELECT status FROM kobatela.decide_proof(:doc, 'approved');
SELECT t.ev_new() AS approved_by_hand;
SELECT status FROM kobatela.decide_proof(:doc, 'approved');
SELECT t.ev_new() AS decided_again;
SELECT id AS bad FROM kobatela.submit_proof(:e1, 3, 'PDF', 's3://ev/3.pdf', repeat('e3', 32)) \gset
SELECT status FROM kobatela.decide_proof(:bad, 'rejected');
SELECT t.ev_new() AS rejected;
-- Delivered, then approved: the balance (the rejected milestone's 50 and the 50 beyond) released.
SELECT status FROM kobatela.escrow_mark_delivered(:e1);
SELECT t.ev_new() AS delivered;
SELECT status FROM kobatela.escrow_client_approve(:e1);
SELECT t.ev_new() AS released;
-- The data is the row at that moment: the escrow was DRAFT when created, FUNDED when funded.
SELECT type, data ->> 'status' AS status_then, data ->> 'deposited_amount' AS deposited_then
FROM kobatela.events WHERE object = 'escrow' AND object_id = :e1 ORDER BY txid, id;

-- A refund (rejection of a funded escrow: its open milestone cancelled, the balance refunded).
SELECT id AS e2 FROM kobatela.create_escrow(:ana, :ben, 80, 'USD', '{}', now() + interval '30 days') \gset
SELECT idx FROM kobatela.add_milestone(:e2, 1, 'Open step', 30, 'DOCUMENT');
SELECT status FROM kobatela.escrow_deposit(:e2, 80, 'ev-dep-e2');
SELECT t.ev_new() AS e2_funded;
SELECT status FROM kobatela.escrow_client_reject(:e2);
SELECT t.ev_new() AS refunded;
SELECT status FROM kobatela.escrow_client_reject(:e2);
SELECT t.ev_new() AS rejected_again;
-- The refund fails at the PSP (corrected by an admin), and is paid again.
SELECT id AS refund FROM kobatela.payments WHERE escrow_id = :e2 AND kind = 'REFUND' \gset
SELECT status FROM kobatela.correct_payment(:refund, 'ERROR', 'ev: the PSP failed the refund');
SELECT status FROM kobatela.retry_payment(:refund);
SELECT t.ev_new() AS refund_failed_and_retried;
-- A cancellation (rejection of an escrow without deposits).
SELECT id AS e3 FROM kobatela.create_escrow(:ana, :ben, 10, 'USD', '{}', now() + interval '30 days') \gset
SELECT status FROM kobatela.escrow_client_reject(:e3);
SELECT t.ev_new() AS cancelled;
-- The deadline sweep releases a funded escrow past its deadline.
SELECT id AS e4 FROM kobatela.create_escrow(:ana, :ben, 20, 'USD', '{}', now() + interval '30 days') \gset
SELECT status FROM kobatela.escrow_deposit(:e4, 20, 'ev-dep-e4');
UPDATE kobatela.escrow_agreements SET deadline_at = now() - interval '1 minute' WHERE id = :e4;
SELECT t.ev_new() AS e4_funded_and_overdue;
SELECT status FROM kobatela.escrow_check_deadline(:e4);
SELECT t.ev_new() AS deadline_release;

-- Spends to an allowed payee; the PSP's word (settled, failed) and a retry.
SELECT id AS e5 FROM kobatela.create_escrow(:ana, :ben, 100, 'USD', '{}', now() + interval '30 days') \gset
SELECT status FROM kobatela.escrow_deposit(:e5, 100, 'ev-dep-e5');
SELECT payee_ref FROM kobatela.add_allowed_payee(:e5, 'ev_clinic', 'Clinic');
SELECT t.ev_new() AS e5_funded;
SELECT id AS s1 FROM kobatela.spend(:e5, 'ev_clinic', 10, NULL, 'ev-spend-1') \gset
SELECT t.ev_new() AS spent;
SELECT id FROM kobatela.spend(:e5, 'ev_clinic', 10, NULL, 'ev-spend-1') \gset
SELECT t.ev_new() AS replayed_spend;
SELECT t.err(format($$SELECT kobatela.spend(%s, 'ev_clinic', 1000, NULL, 'ev-spend-big')$$, :e5)) AS too_much;
SELECT t.ev_new() AS refused_spend;
SELECT status FROM kobatela.correct_payment(:s1, 'SETTLED', 'ev: settled');
SELECT t.ev_new() AS settled;
SELECT id AS s2 FROM kobatela.spend(:e5, 'ev_clinic', 5, NULL, 'ev-spend-2') \gset
SELECT status FROM kobatela.correct_payment(:s2, 'ERROR', 'ev: failed');
SELECT t.ev_new() AS failed;
SELECT status FROM kobatela.retry_payment(:s2);
SELECT t.ev_new() AS retried;
SELECT status FROM kobatela.retry_payment(:s2);
SELECT t.ev_new() AS retried_again;

-- ---- Mandates, purchases and their refunds -----------------------------------------------------
SELECT id AS shop FROM kobatela.create_merchant('ev_shop', NULL, true) \gset
SELECT id AS m1 FROM kobatela.create_mandate(:ana, :ben, 50) \gset
SELECT t.ev_new() AS mandate;
SELECT id AS p1 FROM kobatela.create_purchase(:ana, :shop, 20, beneficiary_id => :ben, idempotency_key => 'ev-p-1') \gset
SELECT t.ev_new() AS purchase;
SELECT id AS p2 FROM kobatela.create_purchase(:ana, :shop, 30, beneficiary_id => :ben, idempotency_key => 'ev-p-2') \gset
SELECT t.ev_new() AS purchase_to_the_total;
SELECT id FROM kobatela.create_purchase(:ana, :shop, 30, beneficiary_id => :ben, idempotency_key => 'ev-p-2') \gset
SELECT t.ev_new() AS replayed_purchase;
-- Refunds, in a transaction rolled back: test/sql/mandates.sql, later, checks every mandate's
-- total_spent against its purchases alone.
BEGIN;
SELECT amount FROM kobatela.refund_purchase(:p2, 10, 'ev: one item back');
SELECT t.ev_new() AS refund_reactivates;
SELECT amount FROM kobatela.refund_purchase(:p1, 5, 'ev: another');
SELECT t.ev_new() AS refund_of_an_active_mandate;
-- The object, its id and its parties as stored.
SELECT type, object, object_id = :p2 AS the_purchase, data ->> 'purchase_id' = :'p2' AS refund_names_it,
       party_a = :ben AS beneficiary, party_b = :ana AS mandate_sender
FROM kobatela.events WHERE (object = 'purchase' AND object_id = :p2) OR (object = 'purchase_refund' AND data ->> 'purchase_id' = :'p2')
ORDER BY txid, id;
ROLLBACK;
-- A mandate that expires.
SELECT id AS m2 FROM kobatela.create_mandate(:ana, :cyd, 10) \gset
UPDATE kobatela.usage_mandates SET expires_at = now() - interval '1 second' WHERE id = :m2;
SELECT t.ev_new() AS created_then_an_update_without_status;
SELECT kobatela.expire_mandates() >= 1 AS expired_some;
SELECT t.ev_new() AS expired;
SELECT kobatela.expire_mandates() AS expired_again;
SELECT t.ev_new() AS nothing_left_to_expire;

-- ---- Who sees what ------------------------------------------------------------------------------
SELECT api_key AS k_ana FROM kobatela.create_api_key('ev ana', 'sender', :ana) \gset
SELECT api_key AS k_ben FROM kobatela.create_api_key('ev ben', 'sender', :ben) \gset
SELECT api_key AS k_cyd FROM kobatela.create_api_key('ev cyd', 'sender', :cyd) \gset
SELECT api_key AS k_platform FROM kobatela.create_api_key('ev platform', 'sender') \gset
SELECT api_key AS k_support FROM kobatela.create_api_key('ev support', 'support') \gset
SELECT api_key AS k_admin FROM kobatela.create_api_key('ev admin', 'admin') \gset
-- What each key reads from the feed (all pages), and from the table itself: a bound key exactly
-- the events where its user is a party; the others every event.
CREATE FUNCTION t.ev_feed_count() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    position text;
    n bigint := 0;
    page bigint;
BEGIN
    LOOP
        SELECT count(*), max(cursor) FILTER (WHERE rn = cnt) INTO page, position
        FROM (SELECT cursor, row_number() OVER () AS rn, count(*) OVER () AS cnt
              FROM kobatela.events_since(position, 1000)) p;
        EXIT WHEN page = 0;
        n := n + page;
    END LOOP;
    RETURN n;
END $$;
GRANT USAGE ON SCHEMA t TO kobatela_anon;
GRANT EXECUTE ON FUNCTION t.ev_feed_count() TO kobatela_anon;
SELECT who, feed = expected AS feed_has_them_all, table_rows = expected AS table_shows_the_same,
       expected::bigint < (SELECT count(*) FROM kobatela.events) AS fewer_than_all
FROM (SELECT ord, who,
       t.as_key(k, 'SELECT t.ev_feed_count()::text') AS feed,
       t.as_key(k, 'SELECT count(*)::text FROM kobatela.events') AS table_rows,
       CASE who WHEN 'ana' THEN (SELECT count(*) FROM kobatela.events WHERE :ana IN (party_a, party_b))
                WHEN 'ben' THEN (SELECT count(*) FROM kobatela.events WHERE :ben IN (party_a, party_b))
                WHEN 'cyd' THEN (SELECT count(*) FROM kobatela.events WHERE :cyd IN (party_a, party_b))
                ELSE (SELECT count(*) FROM kobatela.events) END::text AS expected
FROM (VALUES (1, 'ana', :'k_ana'), (2, 'ben', :'k_ben'), (3, 'cyd', :'k_cyd'), (4, 'platform', :'k_platform'),
             (5, 'support', :'k_support'), (6, 'admin', :'k_admin')) AS k(ord, who, k)) AS r
ORDER BY ord;
-- cyd sees its user, the transfer it was refused (it is the receiver) and the mandate it was given,
-- nothing of the escrows.
SELECT t.as_key(:'k_cyd', $$SELECT string_agg(type, ' ' ORDER BY id) FROM kobatela.events_since(NULL, 1000)$$) AS cyd_sees;
-- Without a key: no scope, no feed, no rows.
SET ROLE kobatela_anon;
SELECT t.err('SELECT count(*) FROM kobatela.events_since()') AS anon_feed;
SELECT count(*) AS anon_rows FROM kobatela.events;
RESET ROLE;

-- ---- Paging -----------------------------------------------------------------------------------
-- Pages of 2 from ben's key read the same events, in the same order, as one page of 1000.
CREATE FUNCTION t.ev_pages(size integer) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    position text;
    e record;
    seen text := '';
    got boolean;
BEGIN
    LOOP
        got := false;
        FOR e IN SELECT * FROM kobatela.events_since(position, size) LOOP
            got := true;
            position := e.cursor;
            seen := seen || e.id || ' ';
        END LOOP;
        EXIT WHEN NOT got;
    END LOOP;
    RETURN md5(seen) || ' ' || (length(seen) - length(replace(seen, ' ', '')));
END $$;
GRANT EXECUTE ON FUNCTION t.ev_pages(integer) TO kobatela_anon;
SELECT t.as_key(:'k_ben', 'SELECT t.ev_pages(2)') = t.as_key(:'k_ben', 'SELECT t.ev_pages(1000)') AS pages_of_2_read_the_same,
       t.as_key(:'k_ben', 'SELECT split_part(t.ev_pages(1), '' '', 2)')::bigint
           = (SELECT count(*) FROM kobatela.events WHERE :ben IN (party_a, party_b)) AS pages_of_1_count_them_all;
-- A cursor is the position after its event: the next page starts right after it.
SELECT cursor AS second FROM kobatela.events_since(NULL, 2) OFFSET 1 \gset
SELECT (SELECT id FROM kobatela.events_since(:'second', 1)) = (SELECT id FROM kobatela.events_since(NULL, 3) OFFSET 2)
    AS next_page_follows;
SELECT count(*) = least(100, (SELECT count(*) FROM kobatela.events)) AS default_limit_100 FROM kobatela.events_since();
SELECT t.err($$SELECT count(*) FROM kobatela.events_since('not a cursor')$$) AS bad_cursor,
       t.err($$SELECT count(*) FROM kobatela.events_since(NULL, 0)$$) AS zero,
       t.err($$SELECT count(*) FROM kobatela.events_since(NULL, 1001)$$) AS too_many;

-- ---- The reference's example (docs/reference.md, events_since) --------------------------------
SELECT t.as_key(:'k_cyd', $$SELECT string_agg(format('%s | %s | %s', type, object, coalesce(data ->> 'status', '')), E'\n' ORDER BY id)
                            FROM kobatela.events_since(NULL, 2)$$) AS first_page_of_cyd;

-- No event is ever of api_keys (secrets): the keys made above wrote none.
SELECT count(*) AS key_events FROM kobatela.events WHERE object NOT IN
    ('user', 'transaction', 'escrow', 'deposit', 'milestone', 'proof', 'payment', 'mandate', 'purchase', 'purchase_refund');

DROP FUNCTION t.ev_pages(integer);
DROP FUNCTION t.ev_feed_count();
REVOKE USAGE ON SCHEMA t FROM kobatela_anon;
DROP FUNCTION t.ev_photo(float8, float8);
DROP FUNCTION t.ev_new();
DROP TABLE t.ev_mark;
