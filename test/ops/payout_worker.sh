#!/usr/bin/env bash
# payout_worker.sh — the payout hand-off end to end (docs/payouts.md): payouts of every kind are
# made through the API; a fake PSP (examples/fake_psp.py) and the payout worker
# (examples/payout_worker.py, Debian's python3 with python3-psycopg) run for real on localhost;
# the first worker is killed in the middle of a batch (it exits abruptly right after the PSP
# accepted a payout it never reported); its leases expire (kobatela.payout_lease_s = 2 for this
# database); a second worker finishes; then the PSP settles every transfer by webhook (it holds
# them until every payout was reported transmitted, so that the run is the same every time). Then: every payout reached the PSP exactly once (one
# transfer per psp_ref, none missing, none extra; the unreported one was sent again and the PSP
# deduplicated it), every payment was settled by a signed webhook, nothing is left QUEUED or
# CLAIMED, check_invariants() is empty and the audit chain verifies. Runs against the cluster in
# PGHOST/PGPORT/PGUSER (a superuser); prints TAP lines.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$here/lib.sh"
cd "$here/../.."

db=ops_payout_worker
python=/usr/bin/python3
tmp=$(mktemp -d)
pids=()
# diag FILE [N]: its last lines as TAP diagnostics.
diag() { [ -s "$1" ] && tail -n "${2:-15}" "$1" | sed 's/^/#   /'; return 0; }
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

"$python" -c 'import psycopg' 2>/dev/null || bail_out "Debian's python3 has psycopg (python3-psycopg; scripts/ensure_deps.sh)"
q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null 2>&1 || bail_out "creates $db"
q -d "$db" -c 'CREATE EXTENSION kobatela' >/dev/null || bail_out "creates the extension"

# Secrets in files only the server's user can read, named by this database's settings (never
# ALTER SYSTEM: the cluster is shared with the other suites); the PSP's copy in a file of ours.
# Neither value is ever printed.
umask 077
psp_secret="whsec_$(openssl rand -hex 16)"
printf '%s' "$psp_secret" >"$tmp/psp_secret"
datadir=$(q -d postgres -c 'SHOW data_directory')
store_secret() {  # store_secret NAME VALUE
  local path="$datadir/kobatela-ops-payout-$1"
  q -d postgres -v v="$2" <<<"COPY (SELECT :'v') TO PROGRAM 'umask 077 && cat > ''$path'''" >/dev/null &&
    q -d postgres -c "ALTER DATABASE $db SET kobatela.$1_file = '$path'" >/dev/null
}
store_secret psp_webhook_secret "$psp_secret" || bail_out "the PSP secret is configured"
store_secret api_key_pepper "$(openssl rand -hex 32)" || bail_out "the API key pepper is configured"
# Short leases, so that the dead worker's payouts come back quickly.
q -d postgres -c "ALTER DATABASE $db SET kobatela.payout_lease_s = 2" >/dev/null
unset psp_secret

# ---- payouts of every kind, through the API --------------------------------------------------------
make_payouts() {
  q -d "$db" >/dev/null <<'SQL'
SELECT id AS c FROM kobatela.create_user('amara', 'amara@example.fr') \gset
SELECT id AS p FROM kobatela.create_user('kofi', 'kofi@example.ci') \gset
-- three milestones approved by the client (MILESTONE), and what is left released (RELEASE)
SELECT id AS e1 FROM kobatela.create_escrow(:c, :p, 900, 'EUR', '{}', now() + interval '30 days') \gset
SELECT kobatela.escrow_deposit(:e1, 900);
SELECT kobatela.add_milestone(:e1, i, 'step ' || i, 200, 'DOCUMENT') FROM generate_series(1, 3) i;
SELECT kobatela.decide_proof((kobatela.submit_proof(:e1, i, 'PDF', 's3://w/' || i || '.pdf', 'ops-worker-' || i)).id, 'approved')
FROM generate_series(1, 3) i;
SELECT kobatela.escrow_client_approve(:e1);
-- four spends to allowed payees (PAYEE)
SELECT id AS e2 FROM kobatela.create_escrow(:c, :p, 400, 'USD', '{}', now() + interval '30 days') \gset
SELECT kobatela.escrow_deposit(:e2, 400);
SELECT kobatela.add_allowed_payee(:e2, 'clinic', 'Clinique Bamako');
SELECT kobatela.add_allowed_payee(:e2, 'school', 'Lycée Moderne');
SELECT kobatela.spend(:e2, CASE WHEN i % 2 = 0 THEN 'clinic' ELSE 'school' END, 25 * i) FROM generate_series(1, 4) i;
-- two escrows rejected by the client (REFUND)
SELECT id AS e3 FROM kobatela.create_escrow(:c, :p, 60, 'USD', '{}', now() + interval '30 days') \gset
SELECT kobatela.escrow_deposit(:e3, 60);
SELECT kobatela.escrow_client_reject(:e3);
SELECT id AS e4 FROM kobatela.create_escrow(:c, :p, 70, 'EUR', '{}', now() + interval '30 days') \gset
SELECT kobatela.escrow_deposit(:e4, 70);
SELECT kobatela.escrow_client_reject(:e4);
SQL
}
check "payouts of every kind are made through the API" make_payouts
check_eq "each is SENT and queued for a worker: 3 MILESTONE, 4 PAYEE, 1 RELEASE, 2 REFUND" \
  "MILESTONE 3|PAYEE 4|REFUND 2|RELEASE 1" \
  "$(q -d "$db" -c "SELECT string_agg(kind || ' ' || n, '|' ORDER BY kind) FROM (SELECT p.kind::text, count(*) AS n
                    FROM kobatela.payments p JOIN kobatela.payout_transmissions t ON t.payment_id = p.id
                    WHERE p.status = 'SENT' AND t.state = 'QUEUED' GROUP BY p.kind) k")"
payouts=$(q -d "$db" -c "SELECT count(*) FROM kobatela.payout_transmissions")
q -d "$db" -At -c "SELECT psp_ref FROM kobatela.payments ORDER BY psp_ref" >"$tmp/refs.expected"

# The worker's key (scope worker), handed to it in its environment.
export KOBATELA_WORKER_KEY
KOBATELA_WORKER_KEY=$(q -d "$db" -c "SELECT api_key FROM kobatela.create_api_key('payout worker', 'worker')")
[ -n "$KOBATELA_WORKER_KEY" ] || bail_out "a worker key is created"
# Both programs connect as the test does (a superuser), then act as PostgREST's role would.
export KOBATELA_DSN="dbname=$db" KOBATELA_ROLE=kobatela_anon PSP_SECRET_FILE="$tmp/psp_secret"

# ---- the PSP ------------------------------------------------------------------------------------
"$python" examples/fake_psp.py --port 0 --port-file "$tmp/psp_port" --fail-first 2 --hold-webhooks 2>"$tmp/psp.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/psp_port" ] && break; sleep 0.1; done
[ -s "$tmp/psp_port" ] || { diag "$tmp/psp.log"; bail_out "the fake PSP listens"; }
export PSP_URL="http://127.0.0.1:$(cat "$tmp/psp_port")"
transfers() { "$python" -c 'import json, sys, urllib.request
print(json.dumps(json.load(urllib.request.urlopen(sys.argv[1] + "/transfers"))))' "$PSP_URL"; }
release_webhooks() { "$python" -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/webhooks/release", data=b"", method="POST"))' "$PSP_URL"; }
ok "the fake PSP listens on $PSP_URL"

# ---- the first worker dies in the middle of its batch ---------------------------------------------
# It claims 6, and exits abruptly right after the PSP accepted its 4th payout: that one is at the
# PSP but never reported, and the ones after it are claimed and never sent.
"$python" examples/payout_worker.py --name worker-1 --batch 6 --poll 0.2 --crash-after-posts 4 2>"$tmp/worker1.log"
status=$?
check_eq "worker-1 died in the middle of its batch (exit $status: the crash option's os._exit)" 3 "$status"
check_eq "it left 6 payouts claimed by it... " "6" \
  "$(q -d "$db" -c "SELECT count(*) FROM kobatela.payout_transmissions WHERE claimed_by = 'worker-1'")"
check "... some of them still CLAIMED, their leases running" test \
  "$(q -d "$db" -c "SELECT count(*) FROM kobatela.payout_transmissions WHERE state = 'CLAIMED'")" -gt 0
unreported=$(transfers | "$python" -c 'import json, sys
refs = {t["reference"] for t in json.load(sys.stdin)["transfers"]}
print("\n".join(sorted(refs)))' | while read -r ref; do
  q -d "$db" -c "SELECT p.psp_ref FROM kobatela.payments p JOIN kobatela.payout_transmissions t ON t.payment_id = p.id
                 WHERE p.psp_ref = '$ref' AND t.state = 'CLAIMED'"; done)
check_eq "the PSP has one payout the worker never reported (it is still CLAIMED)" 1 "$(grep -c . <<<"$unreported")"

# ---- a second worker finishes the work ------------------------------------------------------------
"$python" examples/payout_worker.py --name worker-2 --batch 3 --poll 0.2 2>"$tmp/worker2.log" &
worker2=$!
pids+=("$worker2")
# It waits out worker-1's leases (2 s) and the backoff of the PSP's 500s (5 s) and reports every
# payout transmitted; then the PSP's webhooks settle them. (Deadlines, not measurements: on a slow
# machine they only wait longer.)
all_transmitted() {
  [ "$(q -d "$db" -c "SELECT count(*) FROM kobatela.payout_transmissions WHERE state = 'TRANSMITTED'")" = "$payouts" ]
}
for _ in $(seq 600); do all_transmitted && break; sleep 0.2; done
check "worker-2 reported every payout transmitted" all_transmitted
check_eq "... before any webhook came: every payment still SENT" "$payouts" \
  "$(q -d "$db" -c "SELECT count(*) FROM kobatela.payments WHERE status = 'SENT'")"
check "the PSP releases its webhooks" release_webhooks
settled() {
  [ "$(q -d "$db" -c "SELECT count(*) FILTER (WHERE p.status = 'SETTLED' AND t.state = 'TRANSMITTED')
                      FROM kobatela.payments p JOIN kobatela.payout_transmissions t ON t.payment_id = p.id")" = "$payouts" ]
}
for _ in $(seq 600); do settled && break; sleep 0.2; done
kill -TERM "$worker2" 2>/dev/null
wait "$worker2"
check_eq "worker-2 stopped cleanly on SIGTERM" 0 "$?"

# ---- what happened ----------------------------------------------------------------------------------
transfers >"$tmp/transfers.json"
"$python" -c 'import json, sys
for t in json.load(open(sys.argv[1]))["transfers"]: print(t["reference"])' "$tmp/transfers.json" | sort >"$tmp/refs.psp"
check_eq "the PSP made one transfer per payout ($payouts)" "$payouts" "$(grep -c . "$tmp/refs.psp")"
check_eq "no duplicate transfer (one per psp_ref)" "$payouts" "$(sort -u "$tmp/refs.psp" | grep -c .)"
check "none missing, none extra: the transfers' references are the payments' psp_refs" \
  diff "$tmp/refs.expected" "$tmp/refs.psp"
check_eq "the unreported payout was sent again after its lease expired, and the PSP answered it from its first transfer" \
  "2 requests, 1 transfer" \
  "$("$python" -c 'import json, sys
d = json.load(open(sys.argv[1])); ref = sys.argv[2]
print("%d requests, %d transfer" % (d["requests"].get(ref, 0), sum(t["reference"] == ref for t in d["transfers"])))' \
    "$tmp/transfers.json" "${unreported:-none}")"
check_eq "that payout took two attempts (claimed again once the lease expired)" 2 \
  "$(q -d "$db" -c "SELECT t.attempts FROM kobatela.payout_transmissions t JOIN kobatela.payments p ON p.id = t.payment_id
                    WHERE p.psp_ref = '${unreported:-none}'")"
check_eq "the PSP's two 500s were retried after a backoff (2 payouts with last_error, each 2 attempts or more)" 2 \
  "$(q -d "$db" -c "SELECT count(*) FROM kobatela.payout_transmissions WHERE last_error = 'PSP answered HTTP 500' AND attempts >= 2")"
check_eq "every payment SETTLED by a signed webhook, every hand-off TRANSMITTED" "$payouts|$payouts|$payouts" \
  "$(q -d "$db" -c "SELECT count(*) FILTER (WHERE p.status = 'SETTLED'),
                           count(*) FILTER (WHERE t.state = 'TRANSMITTED'),
                           (SELECT count(*) FROM kobatela.psp_webhook_events WHERE kind = 'payment.settled')
                    FROM kobatela.payments p JOIN kobatela.payout_transmissions t ON t.payment_id = p.id")"
check_eq "no payout left QUEUED or CLAIMED" 0 \
  "$(q -d "$db" -c "SELECT count(*) FROM kobatela.payout_transmissions WHERE state IN ('QUEUED', 'CLAIMED')")"
check_eq "no alert but the expected ones (no payout abandoned, no contradiction)" "" \
  "$(q -d "$db" -c "SELECT string_agg(type, ' ') FROM kobatela.alerts")"
check_eq "check_invariants() is empty" "" \
  "$(q -d "$db" -c "SELECT string_agg(rule || ' ' || ids::text, '; ') FROM kobatela.check_invariants()")"
check_eq "the audit chain verifies" t "$(q -d "$db" -c "SELECT kobatela.verify_audit_chain()")"
check_eq "the worker's reports are audited under its key" "apikey" \
  "$(q -d "$db" -c "SELECT string_agg(DISTINCT split_part(actor, ':', 1), ' ') FROM kobatela.audit_entries
                    WHERE entity = 'payout_transmissions' AND action IN ('PAYOUT_CLAIMED', 'PAYOUT_TRANSMISSION_FAILED')")"
secret_printed() { grep -qF -f "$tmp/psp_secret" "$tmp"/*.log; }
check "neither program printed the PSP secret" eval '! secret_printed'

if done_testing; then
  q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
  exit 0
fi
for f in "$tmp"/*.log; do echo "# $(basename "$f"):"; diag "$f" 30; done
exit 1
