-- Proofs and payouts (src/api/proofs.cpp, payments.cpp): the reference flows of spec.md
-- section 10, every refusal, and the money invariant.
SELECT id AS client FROM kobatela.create_user('p_client', 'p_client@example.com') \gset
SELECT id AS provider FROM kobatela.create_user('p_provider', 'p_provider@example.com') \gset
-- A photo's metadata taken `age` ago at (lat, lng) from `source`.
CREATE FUNCTION t.photo(age interval, lat float8, lng float8, source text DEFAULT 'app') RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('exif_timestamp', to_char((now() - age) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                              'gps_lat', lat, 'gps_lng', lng, 'source', source) $$;
CREATE FUNCTION t.escrow(total numeric, funded numeric) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE e bigint;
BEGIN
    SELECT id INTO e FROM kobatela.create_escrow((SELECT id FROM kobatela.users WHERE username = 'p_client'),
        (SELECT id FROM kobatela.users WHERE username = 'p_provider'), total, 'USD', '{}', now() + interval '30 days');
    IF funded > 0 THEN PERFORM kobatela.escrow_deposit(e, funded); END IF;
    RETURN e;
END $$;
CREATE FUNCTION t.sha(seed text) RETURNS text LANGUAGE sql AS $$ SELECT encode(sha256(convert_to(seed, 'UTF8')), 'hex') $$;

-- Auto-approved photo: the milestone is paid out and, being the only one, closes the escrow.
SELECT t.escrow(100, 100) AS e \gset
SELECT idx FROM kobatela.add_milestone(:e, 1, 'Site cleared', 100, 'PHOTO', 'SENDER', 5.3210, -4.0123, 500);
SELECT type, status, metadata - 'exif_timestamp' AS metadata FROM kobatela.submit_proof(
    :e, 1, 'PHOTO', 's3://proofs/1.jpg', t.sha('auto-1'), t.photo('10 minutes', 5.3212, -4.0125));
SELECT m.status AS milestone, p.amount, p.status AS payment, p.psp_ref ~ '^PSP-[0-9a-f-]{36}$' AS psp_ref,
       p.payout_key = format('pay|escrow:%s|ms:%s|amt:100.00', :e, m.id) AS key
FROM kobatela.milestones m JOIN kobatela.payments p ON p.milestone_id = m.id WHERE m.escrow_id = :e;
SELECT status FROM kobatela.get_escrow(:e);
SELECT string_agg(kind, ', ' ORDER BY at, id) AS timeline FROM kobatela.escrow_events(:e);
SELECT data FROM kobatela.escrow_events(:e) WHERE kind = 'CLOSED';
SELECT * FROM t.escrow_audit(:e) WHERE action <> 'ESCROW_CREATED' AND action <> 'ESCROW_DEPOSITED' AND action <> 'MILESTONE_ADDED';

-- Three milestones: 1 auto-paid, 2 reviewed then approved and paid, 3 auto-paid; escrow closed.
SELECT t.escrow(300, 300) AS e3 \gset
SELECT count(*) FROM (SELECT kobatela.add_milestone(:e3, i, 'Step ' || i, 100, 'PHOTO', 'SENDER', 5.3210, -4.0123, 500)
                      FROM generate_series(1, 3) i) m;
SELECT status FROM kobatela.submit_proof(:e3, 1, 'PHOTO', 's3://3/1.jpg', t.sha('chain-1'), t.photo('5 minutes', 5.3210, -4.0123));
SELECT id AS p2, status, metadata -> 'review_reasons' AS reasons, metadata ->> 'review_reason' AS reason
FROM kobatela.submit_proof(:e3, 2, 'PHOTO', 's3://3/2.jpg', t.sha('chain-2'), t.photo('5 minutes', 5.3210, -4.0123, 'unknown')) \gset
SELECT :'status' AS status, :'reasons' AS reasons, :'reason' AS reason;
SELECT t.err(format($$SELECT kobatela.submit_proof(%s, 3, 'PHOTO', 's3://3/3.jpg', %L, t.photo('5 minutes', 5.3210, -4.0123))$$,
                    :e3, t.sha('chain-3-early'))) AS third_before_second;
SELECT status, metadata -> 'decision' AS decision, metadata -> 'review_reasons' AS reasons_kept
FROM kobatela.decide_proof(:p2, ' Approved ');
SELECT status FROM kobatela.decide_proof(:p2, 'approved') AS approved_twice;
SELECT status FROM kobatela.submit_proof(:e3, 3, 'PHOTO', 's3://3/3.jpg', t.sha('chain-3'), t.photo('5 minutes', 5.3210, -4.0123));
SELECT string_agg(status::text, ', ' ORDER BY idx) AS milestones FROM kobatela.milestones WHERE escrow_id = :e3;
SELECT count(*) AS payments, sum(amount) AS paid FROM kobatela.payments WHERE escrow_id = :e3;
SELECT status FROM kobatela.get_escrow(:e3);

-- Sequence: milestone 2 before 1.
SELECT t.escrow(200, 200) AS s \gset
SELECT count(*) FROM (SELECT kobatela.add_milestone(:s, i, 'Step ' || i, 100) FROM generate_series(1, 2) i) m;
SELECT t.err(format($$SELECT kobatela.submit_proof(%s, 2, 'PHOTO', 's3://s/2.jpg', %L, t.photo('5 minutes', 0, 0))$$,
                    :s, t.sha('seq-2'))) AS second_first;
SELECT t.err(format($$SELECT kobatela.submit_proof(%s, 9, 'PHOTO', 's3://s/9.jpg', %L, t.photo('5 minutes', 0, 0))$$,
                    :s, t.sha('seq-9'))) AS no_such_milestone;

-- Photo rules: outside the geofence, stale, from the future, no GPS, no timestamp (the reference
-- case: centre 5.3210/-4.0123, radius 200, photo at 5.3240/-4.0200).
SELECT t.escrow(100, 100) AS g \gset
SELECT idx FROM kobatela.add_milestone(:g, 1, 'Fenced', 100, 'PHOTO', 'SENDER', 5.3210, -4.0123, 200);
SELECT t.row_counts() AS before \gset
SELECT label, t.err(format($$SELECT kobatela.submit_proof(%s, 1, 'PHOTO', 's3://g.jpg', %L, %L)$$, :g, t.sha(label), metadata)) AS outcome
FROM (VALUES ('outside the geofence', t.photo('5 minutes', 5.3240, -4.0200)),
             ('121 minutes old', t.photo('121 minutes', 5.3210, -4.0123)),
             ('3 minutes ahead', t.photo('-3 minutes', 5.3210, -4.0123)),
             ('no GPS', t.photo('5 minutes', 5.3210, -4.0123) - 'gps_lat'),
             ('GPS not a number', jsonb_set(t.photo('5 minutes', 5.3210, -4.0123), '{gps_lat}', '"5.3210"')),
             ('GPS beyond float8 (1e400)', jsonb_set(t.photo('5 minutes', 5.3210, -4.0123), '{gps_lat}', '1e400')),
             ('GPS -1e400', jsonb_set(t.photo('5 minutes', 5.3210, -4.0123), '{gps_lng}', '-1e400')),
             ('GPS 1e-400 (0, outside)', jsonb_set(t.photo('5 minutes', 5.3210, -4.0123), '{gps_lat}', '1e-400')),
             ('no timestamp', t.photo('5 minutes', 5.3210, -4.0123) - 'exif_timestamp'),
             ('unreadable timestamp', jsonb_set(t.photo('5 minutes', 5.3210, -4.0123), '{exif_timestamp}', '"yesterday"')),
             ('metadata not an object', '[1, 2]'::jsonb)) AS c(label, metadata);
SELECT t.row_counts() = :'before' AS nothing_written;
-- Soft failures wait for review: no metadata at all, an untrusted source.
SELECT status, metadata FROM kobatela.submit_proof(:g, 1, 'PHOTO', 's3://g-none.jpg', t.sha('g-none'));
SELECT t.err(format($$SELECT kobatela.submit_proof(%s, 1, 'PHOTO', 's3://g-again.jpg', %L, t.photo('5 minutes', 5.3210, -4.0123))$$,
                    :g, t.sha('g-again'))) AS milestone_under_review;
-- A closed escrow: all of e3's milestones are paid, so none is open (the spec's answer); one
-- released at its deadline with its milestone still waiting takes no proof either; an escrow that
-- does not exist has no milestone. Each after the photo's own checks, and nothing written.
SELECT t.err(format($$SELECT kobatela.submit_proof(%s, 1, 'PHOTO', 's3://dup.jpg', %L, t.photo('5 minutes', 5.3210, -4.0123))$$,
                    :e3, t.sha('chain-1'))) AS closed_escrow_all_paid;
SELECT t.escrow(100, 100) AS late \gset
SELECT idx FROM kobatela.add_milestone(:late, 1, 'Late step', 100, 'PHOTO', 'SENDER', 5.3210, -4.0123, 500);
UPDATE kobatela.escrow_agreements SET deadline_at = now() - interval '1 minute' WHERE id = :late;
SELECT status FROM kobatela.escrow_check_deadline(:late);
SELECT t.row_counts() AS before \gset
SELECT t.err(format($$SELECT kobatela.submit_proof(%s, 1, 'PHOTO', 's3://late.jpg', %L, t.photo('5 minutes', 5.3210, -4.0123))$$,
                    :late, t.sha('late-1'))) AS released_at_deadline;
SELECT t.err(format($$SELECT kobatela.submit_proof(%s, 1, 'PHOTO', 's3://late.jpg', %L, t.photo('5 hours', 5.3210, -4.0123))$$,
                    :late, t.sha('late-1'))) AS released_at_deadline_stale_photo;
SELECT t.err(format($$SELECT kobatela.submit_proof(%s, 1, 'PHOTO', 's3://nowhere.jpg', %L, t.photo('5 minutes', 5.3210, -4.0123))$$,
                    -1, t.sha('nowhere'))) AS no_such_escrow;
SELECT t.row_counts() = :'before' AS nothing_written;
SELECT status FROM kobatela.milestones WHERE escrow_id = :late;

-- Non-photo proofs always wait for a decision; a rejected milestone is no longer open.
SELECT t.escrow(50, 50) AS d \gset
SELECT idx FROM kobatela.add_milestone(:d, 1, 'Invoice', 20, 'DOCUMENT');
SELECT idx FROM kobatela.add_milestone(:d, 2, 'Receipt', 30, 'DOCUMENT');
SELECT id AS doc, status FROM kobatela.submit_proof(:d, 1, 'PDF', 's3://d/1.pdf', t.sha('doc-1')) \gset
SELECT :'status' AS status;
SELECT t.err(format($$SELECT kobatela.decide_proof(%s, 'maybe')$$, :doc)) AS bad_decision;
-- The reviewer's note stays with the proof (and in its audit row); deciding again changes nothing.
SELECT status, metadata FROM kobatela.decide_proof(:doc, 'REJECTED', 'blurry');
SELECT status, metadata AS rejected_twice FROM kobatela.decide_proof(:doc, 'rejected');
SELECT data -> 'new' -> 'metadata' -> 'decision' AS audited FROM kobatela.audit_entries WHERE entity = 'proofs' AND entity_id = :doc AND action = 'REJECT_PROOF';
SELECT t.err(format($$SELECT kobatela.decide_proof(%s, 'approved')$$, :doc)) AS approve_rejected;
SELECT string_agg(status::text, ', ' ORDER BY idx) AS milestones FROM kobatela.milestones WHERE escrow_id = :d;
-- A submitter cannot pre-fill the decision.
SELECT status AS next_milestone_is_open, metadata
FROM kobatela.submit_proof(:d, 2, 'PDF', 's3://d/2.pdf', t.sha('doc-2'), '{"page": 2, "decision": {"decision": "approved"}}');
SELECT t.err('SELECT kobatela.decide_proof(-1, ''approved'')') AS unknown_proof;

-- The file's digest: any string of up to 128 characters (spec.md's data model; its reference tests
-- use 'abc123'), trimmed; a 64-digit hex SHA-256 is one file whatever its case, any other digest is
-- kept as given; blank or longer is refused. Each refusal writes nothing.
SELECT t.escrow(30, 30) AS dg \gset
SELECT idx FROM kobatela.add_milestone(:dg, 1, 'Contract', 10, 'DOCUMENT');
SELECT idx FROM kobatela.add_milestone(:dg, 2, 'Receipt', 20, 'DOCUMENT');
SELECT id AS dg1, status, sha256 FROM kobatela.submit_proof(:dg, 1, 'PDF', 's3://dg/1.pdf', ' abc123 ') \gset
SELECT :'status' AS status, :'sha256' AS sha256;
SELECT status FROM kobatela.decide_proof(:dg1, 'approved');
SELECT t.row_counts() AS before \gset
SELECT label, t.err(format($$SELECT kobatela.submit_proof(%s, 2, 'PDF', 's3://dg/2.pdf', %L)$$, :dg, digest)) AS outcome
FROM (VALUES ('the same digest', 'abc123'),
             ('a used SHA-256 in upper case', upper(t.sha('doc-1'))),
             ('blank', '   '),
             ('129 characters', repeat('x', 129))) AS c(label, digest);
SELECT t.row_counts() = :'before' AS nothing_written;
SELECT status, sha256 FROM kobatela.submit_proof(:dg, 2, 'PDF', 's3://dg/2.pdf', 'ABC123');

-- Money: a payout never exceeds the balance, and a failed payout leaves nothing behind.
SELECT t.escrow(100, 40) AS b \gset
SELECT idx FROM kobatela.add_milestone(:b, 1, 'Big', 60, 'PHOTO');
SELECT t.row_counts() AS before \gset
SELECT t.err(format($$SELECT kobatela.submit_proof(%s, 1, 'PHOTO', 's3://b.jpg', %L, t.photo('5 minutes', 0, 0))$$,
                    :b, t.sha('big'))) AS underfunded;
SELECT t.row_counts() = :'before' AS nothing_written;
SELECT status FROM kobatela.escrow_deposit(:b, 20) AS partly_funded_draft;
SELECT status FROM kobatela.submit_proof(:b, 1, 'PHOTO', 's3://b.jpg', t.sha('big'), t.photo('5 minutes', 0, 0)) AS paid_from_a_draft;

-- execute_payment: a PENDING payment is sent once; an ERROR payment is never reused silently.
-- A PENDING payment exists only where an upgrade left one (sql/versions/kobatela--0.5.0--0.6.0.sql:
-- what a 0.5.0 release left behind) or a DBA planted it: planted here past the books' guard
-- (replica mode skips the audit trigger), with the kind the upgrade gives it. A PENDING payment
-- counts in no counter, so the escrow's stay as they are.
SELECT t.escrow(100, 100) AS x \gset
SET session_replication_role = replica;
INSERT INTO kobatela.payments (escrow_id, milestone_id, amount, kind) VALUES (:x, NULL, 25, 'RELEASE')
RETURNING id AS pending \gset
RESET session_replication_role;
SELECT status, payout_key = 'payment:' || id AS key, psp_ref IS NOT NULL AS has_psp_ref FROM kobatela.execute_payment(:pending);
SELECT status FROM kobatela.execute_payment(:pending) AS executed_twice;
SELECT count(*) AS payment_sent_events FROM kobatela.escrow_events(:x) WHERE kind = 'PAYMENT_SENT';
SELECT t.err('SELECT kobatela.execute_payment(-1)') AS unknown_payment;
-- The PSP failed it, and no webhook will say so: an admin records it (as psp_webhook would).
SELECT status FROM kobatela.correct_payment(:pending, 'ERROR', 'PSP support ticket 4711: returned by the bank');
SELECT status FROM kobatela.execute_payment(:pending) AS an_error_payment_is_not_sent_again;
-- A milestone's payout meets a payment in ERROR under its payout key (planted, with the counters
-- an ERROR payment not retried leaves: its amount is to be repaid): never reused silently.
SELECT t.escrow(100, 100) AS y \gset
SELECT id AS ym FROM kobatela.add_milestone(:y, 1, 'Manual', 100, 'DOCUMENT') \gset
SELECT id AS yp FROM kobatela.submit_proof(:y, 1, 'PDF', 's3://y.pdf', t.sha('x')) \gset
SET session_replication_role = replica;
INSERT INTO kobatela.payments (escrow_id, milestone_id, amount, status, payout_key, kind)
VALUES (:y, :ym, 100, 'ERROR', format('escrow:%s:milestone:%s:amount:100.00', :y, :ym), 'MILESTONE');
UPDATE kobatela.escrow_agreements SET to_repay_amount = to_repay_amount + 100 WHERE id = :y;
INSERT INTO kobatela.escrow_events (escrow_id, kind, data)   -- the timeline a payout leaves
SELECT escrow_id, 'PAYMENT_SENT', jsonb_build_object('payment_id', id, 'amount', amount) FROM kobatela.payments
WHERE escrow_id = :y AND status <> 'PENDING';
RESET session_replication_role;
SELECT t.err(format($$SELECT kobatela.decide_proof(%s, 'approved')$$, :yp)) AS error_payment_not_reused;

-- execute_payment checks the balance: a PENDING payment larger than what the escrow still holds is
-- refused, and nothing is written.
SELECT t.escrow(100, 30) AS lean \gset
SET session_replication_role = replica;
INSERT INTO kobatela.payments (escrow_id, amount, kind) VALUES (:lean, 40, 'RELEASE') RETURNING id AS too_big \gset
RESET session_replication_role;
SELECT t.row_counts() AS before \gset
SELECT t.err(format('SELECT kobatela.execute_payment(%s)', :too_big)) AS pending_beyond_the_balance;
SELECT t.row_counts() = :'before' AS nothing_written, status FROM kobatela.payments WHERE id = :too_big;

-- A payout key already taken by another payment (here one a DBA planted by hand, for another
-- amount, past the books' guard, with the to-repay counter its ERROR status means) is a conflict,
-- never a silent reuse of that payment for this milestone.
SELECT t.escrow(100, 100) AS taken \gset
SELECT id AS taken_ms FROM kobatela.add_milestone(:taken, 1, 'Taken', 100, 'PHOTO', 'SENDER', 5.3210, -4.0123, 500) \gset
SET session_replication_role = replica;
INSERT INTO kobatela.payments (escrow_id, amount, status, payout_key, kind)
VALUES (:taken, 1, 'ERROR', format('pay|escrow:%s|ms:%s|amt:100.00', :taken, :taken_ms), 'RELEASE');
UPDATE kobatela.escrow_agreements SET to_repay_amount = to_repay_amount + 1 WHERE id = :taken;
INSERT INTO kobatela.escrow_events (escrow_id, kind, data)   -- the timeline a payout leaves
SELECT escrow_id, 'PAYMENT_SENT', jsonb_build_object('payment_id', id, 'amount', amount) FROM kobatela.payments
WHERE escrow_id = :taken AND status <> 'PENDING';
RESET session_replication_role;
SELECT t.row_counts() AS before \gset
SELECT t.err(format($$SELECT kobatela.submit_proof(%s, 1, 'PHOTO', 's3://taken.jpg', %L, t.photo('5 minutes', 5.3212, -4.0125))$$,
                    :taken, t.sha('taken'))) AS payout_key_taken;
SELECT t.row_counts() = :'before' AS nothing_written;

-- The invariant, for every escrow: deposits - SENT/SETTLED payments >= 0.
SELECT count(*) AS escrows_paying_more_than_they_hold FROM kobatela.escrow_agreements e
WHERE (SELECT coalesce(sum(amount), 0) FROM kobatela.escrow_deposits WHERE escrow_id = e.id)
    < (SELECT coalesce(sum(amount), 0) FROM kobatela.payments WHERE escrow_id = e.id AND status IN ('SENT', 'SETTLED'));
