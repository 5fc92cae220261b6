#!/usr/bin/env bash
# Monitoring (docs/operations.md, "Monitoring"): the exporter configurations of examples/monitoring/
# against a database with something to report. Every query of postgres_exporter_queries.yaml and of
# sql_exporter.yml runs as a login role granted kobatela_support, as an exporter would, and returns
# its rows; every metric they read and every metric the view shows is in the documentation's table.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/ops/lib.sh
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

db=kobatela_monitoring
role=kobatela_monitoring_exporter
q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" -c "DROP ROLE IF EXISTS $role" \
  -c "CREATE ROLE $role LOGIN IN ROLE kobatela_support" && q -d "$db" -c "CREATE EXTENSION kobatela" \
  || bail_out "cannot set up database $db"
trap 'q -d postgres -c "DROP DATABASE IF EXISTS '$db' WITH (FORCE)" -c "DROP ROLE IF EXISTS '$role'" >/dev/null 2>&1' EXIT

# Something to report: two SENT payments (their hand-offs QUEUED), a refused transfer's alert, a PSP
# webhook event that names no payment; the statistics behind the estimates.
q -d "$db" >/dev/null <<'SQL'
SELECT id AS client FROM kobatela.create_user('mon_client', 'mon_client@example.com') \gset
SELECT id AS provider FROM kobatela.create_user('mon_provider', 'mon_provider@example.com') \gset
SELECT id AS esc FROM kobatela.create_escrow(:client, :provider, 50, 'EUR', '{}', now() + interval '1 day') \gset
SELECT kobatela.escrow_deposit(:esc, 50);
SELECT kobatela.add_allowed_payee(:esc, 'mon_payee', 'Payee');
SELECT kobatela.spend(:esc, 'mon_payee', 5);
SELECT kobatela.spend(:esc, 'mon_payee', 6);
SELECT kobatela.create_transaction(:client, :provider, 1);
INSERT INTO kobatela.psp_webhook_events (event_id, psp_ref, kind, raw) VALUES ('mon-1', 'PSP-unknown', 'payment.settled', '{}');
ANALYZE kobatela.payments, kobatela.escrow_agreements;
SQL

# The queries of both files, one per line (newlines inside a query folded), with their origin.
queries=$(python3 - <<'PY'
import yaml
pe = yaml.safe_load(open("examples/monitoring/postgres_exporter_queries.yaml"))
for name, entry in pe.items():
    print("postgres_exporter " + name + "\t" + " ".join(entry["query"].split()))
se = yaml.safe_load(open("examples/monitoring/sql_exporter.yml"))
for job in se["jobs"]:
    for query in job["queries"]:
        print("sql_exporter " + query["name"] + "\t" + " ".join(query["query"].split()))
PY
) || bail_out "cannot read the exporter configurations (python3-yaml)"
check "both files hold queries (at least 15)" test "$(wc -l <<<"$queries")" -ge 15

while IFS=$'\t' read -r origin sql; do
  out=$(PGUSER=$role q -d "$db" -c "$sql" 2>&1)
  rc=$?
  case "$origin" in
    *cron_job_last_run*) check "$origin runs as the exporter's role (no job ran here: no row needed)" test "$rc" -eq 0 ;;
    *) check "$origin runs as the exporter's role and returns rows" test "$rc" -eq 0 -a -n "$out" ;;
  esac
  [ "$rc" -eq 0 ] || printf '#   %s\n' "$out"
done <<<"$queries"

# The metric names: those the files read, those the view shows here, all documented.
documented=$(sed -n '/^### The view `kobatela.metrics`/,/^### Exporters/p' docs/operations.md \
             | grep -oE '^\| `kobatela_[a-z_]+`(, `kobatela_[a-z_]+`)?' | grep -oE 'kobatela_[a-z_]+' | sort -u)
check "the documentation's table lists the metrics (at least 20)" test "$(wc -l <<<"$documented")" -ge 20
read_by_files=$(grep -ohE "name = '[a-z_]+'" examples/monitoring/*.y*ml | grep -oE "kobatela_[a-z_]+" | sort -u)
check_eq "every metric the exporter files read is documented" "" "$(comm -23 <(echo "$read_by_files") <(echo "$documented"))"
shown=$(PGUSER=$role q -d "$db" -c "SELECT DISTINCT name FROM kobatela.metrics ORDER BY 1")
check_eq "every metric the view shows is documented" "" "$(comm -23 <(echo "$shown") <(echo "$documented"))"
check_eq "the view shows the figures made here: two SENT payments in EUR (their hand-offs QUEUED), a refused transfer's alert, one unmatched webhook" \
  "kobatela_alerts_recent|UNAUTHORIZED_TRANSFER_ATTEMPT|1
kobatela_payments_estimate|SENT|2
kobatela_payout_queue|QUEUED|2
kobatela_unsettled_payments|EUR|2
kobatela_webhook_events|unmatched|1" \
  "$(PGUSER=$role q -d "$db" -c "SELECT name, coalesce(labels->>'type', labels->>'status', labels->>'state', labels->>'currency'), value
                                 FROM kobatela.metrics
                                 WHERE (name, labels) IN (('kobatela_alerts_recent', '{\"type\": \"UNAUTHORIZED_TRANSFER_ATTEMPT\"}'),
                                                          ('kobatela_payments_estimate', '{\"status\": \"SENT\"}'),
                                                          ('kobatela_payout_queue', '{\"state\": \"QUEUED\"}'),
                                                          ('kobatela_unsettled_payments', '{\"currency\": \"EUR\"}'),
                                                          ('kobatela_webhook_events', '{\"status\": \"unmatched\"}'))
                                 ORDER BY 1")"

done_testing
