#!/usr/bin/env bash
# `make demo` is the main job, so `make test` tells its story too: scripts/demo.sh on a cluster of
# its own (a name and port apart from a demo the user may have running), every step of
# examples/story.sql under ON_ERROR_STOP (the refusals the story shows are the only errors, each
# expected by code), then what the story leaves behind.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/ops/lib.sh

export KOBATELA_DEMO_NAME=ops-demo KOBATELA_DEMO_PORT=54343
tmp=$(mktemp -d)
trap 'scripts/demo.sh stop >/dev/null 2>&1; rm -rf "$tmp"' EXIT
log=$tmp/demo.log

tell_story() {
  scripts/demo.sh start >"$log" 2>&1 && return 0
  sed 's/^/#   /' "$log" | tail -20
  return 1
}
check "scripts/demo.sh start tells the whole story (exit 0)" tell_story
check_eq "every step is told (0 to 22)" "$(seq -s ' ' 0 22)" \
  "$(grep -oE '^[0-9]+\. ' "$log" | tr -d '. ' | paste -sd ' ')"
# The refusals the story shows, one each, and no other error.
check_eq "the refusals it shows, and no other error" \
  "BAD_AMOUNT DAILY_LIMIT_REACHED GEOFENCE_VIOLATION IDEMPOTENCY_CONFLICT INSUFFICIENT_SCOPE INVALID_CURRENCY INVALID_SIGNATURE MANDATE_CATEGORY_FORBIDDEN MANDATE_REQUIRED NOT_A_PARTY PAYEE_NOT_ALLOWED UNAUTHORIZED" \
  "$(grep -E '^(psql:[^ ]* )?ERROR:' "$log" | sed -E 's/.*ERROR: +//' | sort | paste -sd ' ')"
check "it ends with the psql line to connect" grep -q "psql -h /var/tmp/kobatela-ops-demo -p 54343 -U postgres kobatela_demo" "$log"

# The cluster is left running, as the README says: what the story did is there.
demo_q() { PGHOST=/var/tmp/kobatela-ops-demo PGPORT=54343 PGUSER=postgres q -d kobatela_demo -c "$1"; }
check_eq "the cluster is still running: health() ok, with its three maintenance jobs scheduled" "ok|3" \
  "$(demo_q "SELECT h ->> 'status', jsonb_array_length(h -> 'pg_cron' -> 'jobs') FROM kobatela.health() h")"
check_eq "the audit chain verifies" "t" "$(demo_q "SELECT kobatela.verify_audit_chain()")"
check_eq "the books hold: check_invariants() finds nothing, every currency of the ledger sums to zero" "0|0" \
  "$(demo_q "SELECT (SELECT count(*) FROM kobatela.check_invariants()),
                    (SELECT count(*) FROM (SELECT currency FROM (SELECT currency, amount FROM kobatela.ledger
                                                                 UNION ALL SELECT currency, -amount FROM kobatela.ledger) p
                                           GROUP BY currency HAVING sum(amount) <> 0) u)")"
check_eq "the webhook settled a milestone's payout; one mandate is still active, one expired" "t|ACTIVE,EXPIRED" \
  "$(demo_q "SELECT EXISTS (SELECT FROM kobatela.payments WHERE milestone_id IS NOT NULL AND status = 'SETTLED'),
                    (SELECT string_agg(status::text, ',' ORDER BY id) FROM kobatela.usage_mandates)")"
check_eq "the milestone's payout was claimed by the worker and reported transmitted before its webhook settled it" \
  "demo-worker|1|PAYOUT_CLAIMED PAYOUT_TRANSMITTED PAYMENT_SETTLED" \
  "$(demo_q "SELECT t.claimed_by || '|' || t.attempts || '|' || (
               SELECT string_agg(a.action, ' ' ORDER BY a.record_id, a.change_no) FROM kobatela.audit_entries a
               WHERE (a.entity = 'payout_transmissions' AND a.entity_id = t.id AND a.action LIKE 'PAYOUT%')
                  OR (a.entity = 'payments' AND a.entity_id = t.payment_id AND a.action = 'PAYMENT_SETTLED'))
             FROM kobatela.payout_transmissions t JOIN kobatela.payments p ON p.id = t.payment_id
             WHERE p.milestone_id IS NOT NULL ORDER BY p.id LIMIT 1")"
check_eq "the care escrow was refunded to Amara and the school fees released to Kofi, each as a sent payment" \
  "REFUND|320.00|REFUNDED;RELEASE|250.00|RELEASED" \
  "$(demo_q "SELECT string_agg(p.kind || '|' || p.amount || '|' || e.status, ';' ORDER BY p.id) FROM kobatela.payments p
             JOIN kobatela.escrow_agreements e ON e.id = p.escrow_id WHERE p.kind IN ('REFUND', 'RELEASE') AND p.status = 'SENT'")"
check_eq "the consultation's payment carries the app's metadata" "CDP-2026-1142" \
  "$(demo_q "SELECT metadata ->> 'invoice' FROM kobatela.payments WHERE idempotency_key = 'care-2026-11-001'")"
check_eq "the grocery mandate holds what was spent" "45.80" \
  "$(demo_q "SELECT total_spent FROM kobatela.usage_mandates WHERE status = 'ACTIVE'")"

check_eq "the feed tells the story: more than 40 events, all read from the feed in commit order" "t|t" \
  "$(demo_q "SELECT count(*) > 40, (SELECT md5(string_agg(id::text, ' ')) FROM kobatela.events_since(NULL, 1000))
                                 = md5(string_agg(id::text, ' ' ORDER BY txid, id)) FROM kobatela.events")"

stop_demo() { scripts/demo.sh stop >/dev/null 2>&1 && [ ! -f /var/tmp/kobatela-ops-demo/data/postmaster.pid ]; }
check "make demo-stop stops it" stop_demo
done_testing
