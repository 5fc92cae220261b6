#!/usr/bin/env bash
# pg_cron really runs Kobatela's maintenance jobs (issue: "pg_cron once per cluster").
#
# Kobatela lives in database kobatela_cron; pg_cron in cron.database_name (postgres), so
# schedule_maintenance() reaches it over libpq and registers the jobs with
# cron.schedule_in_database. A mandate and an escrow fall due, pg_cron runs both jobs at the next
# minute (pg_cron 1.4 has minute granularity: one wait of up to ~65 s), and the suite checks
# cron.job_run_details, the expired and released rows, health(), re-scheduling, unscheduling, and
# the same calls from the cron database itself. The third job purges pg_cron's run history (0.9.0):
# it runs in the cron database, daily, keeping kobatela.cron_history_retention_days; here it is
# moved to every minute so that it runs with the others, over planted old runs.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/ops/lib.sh
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

app=kobatela_cron
cron_db=$(q -d postgres -c "SHOW cron.database_name") || bail_out "no test cluster with pg_cron preloaded"
q -d "$cron_db" -c "DROP DATABASE IF EXISTS $app" -c "CREATE DATABASE $app" -c "CREATE EXTENSION IF NOT EXISTS pg_cron" \
  && q -d "$app" -c "CREATE EXTENSION kobatela" || bail_out "cannot set up database $app"
trap 'q -d "$cron_db" -c "SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname LIKE '"'"'kobatela:%'"'"'" >/dev/null 2>&1' EXIT

# Something for each job to do: a mandate and a funded escrow that fall due in two seconds.
q -d "$app" >/dev/null <<'SQL'
SELECT id AS sender FROM kobatela.create_user('cron_sender', 'cron_sender@example.com') \gset
SELECT id AS beneficiary FROM kobatela.create_user('cron_beneficiary', 'cron_beneficiary@example.com') \gset
SELECT kobatela.create_mandate(:sender, :beneficiary, 50, 'USD', NULL, NULL, now() + interval '2 seconds');
SELECT kobatela.escrow_deposit(e.id, 80)
FROM kobatela.create_escrow(:sender, :beneficiary, 80, 'USD', '{}', now() + interval '2 seconds') AS e;
SQL
check_eq "a mandate is ACTIVE and an escrow FUNDED before the jobs run" "ACTIVE FUNDED" \
  "$(q -d "$app" -c "SELECT (SELECT status FROM kobatela.usage_mandates) || ' ' || (SELECT status FROM kobatela.escrow_agreements)")"
# Both fall due before the jobs are scheduled: otherwise a minute that starts within those two
# seconds runs the jobs while nothing is due yet, and they succeed having done nothing.
sleep 3

# Scheduling: two jobs in the cron database that run in Kobatela's, and the purge, which runs in
# the cron database; again: the same jobs, updated (the retention is read each time).
ids=$(PGOPTIONS="$PGOPTIONS -c kobatela.cron_history_retention_days=30" \
      q -d "$app" -c "SELECT string_agg(id::text, ',') FROM kobatela.schedule_maintenance('0 3 * * *') AS id")
check_eq "the purge keeps the retention the setting said when scheduling (30 days)" \
  "DELETE FROM cron.job_run_details WHERE end_time < now() - interval '30 days'" \
  "$(q -d "$cron_db" -c "SELECT command FROM cron.job WHERE jobname = 'kobatela:purge-cron-history:$app'")"
again=$(q -d "$app" -c "SELECT string_agg(id::text, ',') FROM kobatela.schedule_maintenance('* * * * *') AS id")
check_eq "re-scheduling returns the same three job ids" "$ids" "$again"
check_eq "the jobs are registered once, the business jobs for Kobatela's database with the new schedule, the purge daily in the cron database (7 days by default)" \
  "kobatela:escrow-deadlines:$app|* * * * *|SELECT kobatela.release_overdue_escrows()|$app
kobatela:expire-mandates:$app|* * * * *|SELECT kobatela.expire_mandates()|$app
kobatela:purge-cron-history:$app|17 3 * * *|DELETE FROM cron.job_run_details WHERE end_time < now() - interval '7 days'|$cron_db" \
  "$(q -d "$cron_db" -c "SELECT jobname, schedule, command, database FROM cron.job WHERE jobname LIKE 'kobatela:%' ORDER BY jobname")"
refuses_bad_schedule() {  # (psql fails here, so its output is kept before grep: pipefail is on)
  local out
  out=$(q -d "$app" -c "SELECT kobatela.schedule_maintenance('every 5 seconds')" 2>&1)
  grep -q 'INVALID_ARGUMENT' <<<"$out"
}
check "schedule_maintenance refuses a schedule pg_cron rejects (INVALID_ARGUMENT)" refuses_bad_schedule

# Two planted runs of an old job, one that ended 9 days ago (past the 7 days kept), one 6 days ago
# (kept); then the purge every minute.
q -d "$cron_db" >/dev/null <<'SQL'
INSERT INTO cron.job_run_details (jobid, database, username, command, status, start_time, end_time) VALUES
    (999999, 'postgres', 'postgres', 'SELECT 9', 'succeeded', now() - interval '9 days', now() - interval '9 days'),
    (999999, 'postgres', 'postgres', 'SELECT 6', 'succeeded', now() - interval '6 days', now() - interval '6 days');
SELECT cron.alter_job(jobid, schedule => '* * * * *') FROM cron.job WHERE jobname LIKE 'kobatela:purge-cron-history:%';
SQL
# pg_cron runs the three at the next minute (background workers; the wait is at most ~65 s).
runs=0
for _ in $(seq 1 80); do
  runs=$(q -d "$cron_db" -c "SELECT count(DISTINCT j.jobid) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
                             WHERE j.jobname LIKE 'kobatela:%' AND d.status IN ('succeeded', 'failed')")
  [ "$runs" -ge 3 ] && break
  sleep 1
done
check_eq "pg_cron ran the three jobs, and all succeeded" "escrow-deadlines|succeeded
expire-mandates|succeeded
purge-cron-history|succeeded" \
  "$(q -d "$cron_db" -c "SELECT DISTINCT split_part(j.jobname, ':', 2), d.status FROM cron.job_run_details d JOIN cron.job j USING (jobid)
                         WHERE j.jobname LIKE 'kobatela:%' ORDER BY 1")"
check_eq "the purge deleted the run older than 7 days and kept the newer one" "SELECT 6" \
  "$(q -d "$cron_db" -c "SELECT string_agg(command, ',') FROM cron.job_run_details WHERE jobid = 999999")"
check_eq "the mandate was expired and the escrow released, each audited once and each an event of the feed" \
  "EXPIRED RELEASED 1 1 escrow.released mandate.expired" \
  "$(q -d "$app" -c "SELECT (SELECT status FROM kobatela.usage_mandates) || ' ' || (SELECT status FROM kobatela.escrow_agreements) || ' ' ||
                            (SELECT count(*) FROM kobatela.audit_entries WHERE action = 'MANDATE_EXPIRED' AND entity = 'usage_mandates') || ' ' ||
                            (SELECT count(*) FROM kobatela.audit_entries WHERE action = 'ESCROW_RELEASED' AND entity = 'escrow_agreements') || ' ' ||
                            (SELECT string_agg(type, ' ' ORDER BY type) FROM kobatela.events WHERE type IN ('mandate.expired', 'escrow.released'))")"
check_eq "health() shows the three jobs scheduled with their last run, start and end" "true true|succeeded,succeeded,succeeded|3" \
  "$(q -d "$app" -c "SELECT h->'pg_cron'->>'available' || ' ' || bool_and((j->>'scheduled')::boolean) || '|' ||
                            string_agg(j->>'last_status', ',') || '|' ||
                            count(*) FILTER (WHERE j->>'last_end' >= j->>'last_start')
                     FROM kobatela.health() h, jsonb_array_elements(h->'pg_cron'->'jobs') j GROUP BY h")"
check_eq "... and no problem about them (pg_cron and its jobs are well)" "0" \
  "$(q -d "$app" -c "SELECT count(*) FROM kobatela.health() h, jsonb_array_elements_text(h->'problems') p
                     WHERE p LIKE '%pg_cron%' OR p LIKE '%maintenance job%'")"
check_eq "the metrics show each job's last run, by status, and how long ago it started" \
  "kobatela:escrow-deadlines:$app|succeeded|t
kobatela:expire-mandates:$app|succeeded|t
kobatela:purge-cron-history:$app|succeeded|t" \
  "$(q -d "$app" -c "SELECT labels->>'job', labels->>'status', value >= 0 FROM kobatela.metrics
                     WHERE name = 'kobatela_cron_job_last_run_seconds' ORDER BY 1")"
# A job pg_cron no longer runs is a problem of health(), and its metric says so.
q -d "$cron_db" -c "SELECT cron.alter_job(jobid, active => false) FROM cron.job WHERE jobname = 'kobatela:expire-mandates:$app'" >/dev/null
check_eq "a job made inactive is a problem (status warning), and kobatela_cron_job_active is 0" \
  "warning|The maintenance job kobatela:expire-mandates:$app is not active.|0" \
  "$(q -d "$app" -c "SELECT h->>'status' || '|' || (SELECT p FROM jsonb_array_elements_text(h->'problems') p WHERE p LIKE '%maintenance job%')
                            || '|' || (SELECT value FROM kobatela.metrics WHERE name = 'kobatela_cron_job_active'
                                                                         AND labels->>'job' = 'kobatela:expire-mandates:$app')
                     FROM kobatela.health() h")"

# Unscheduling removes exactly these jobs; a second time, none.
check_eq "unschedule_maintenance removes the three jobs, then none" "3 0 0" \
  "$(q -d "$app" -c "SELECT kobatela.unschedule_maintenance()") $(q -d "$app" -c "SELECT kobatela.unschedule_maintenance()") $(q -d "$cron_db" -c "SELECT count(*) FROM cron.job WHERE jobname LIKE 'kobatela:%'")"

# Kobatela in the cron database itself: the same calls, through SPI, in the caller's transaction.
q -d "$cron_db" -c "CREATE EXTENSION kobatela"
check_eq "in the cron database, scheduling registers the jobs for that database" "3 $cron_db" \
  "$(q -d "$cron_db" -c "SELECT count(*) FROM kobatela.schedule_maintenance()") $(q -d "$cron_db" -c "SELECT DISTINCT database FROM cron.job WHERE jobname LIKE 'kobatela:%'")"
q -d "$cron_db" -c "SELECT kobatela.unschedule_maintenance()" >/dev/null
q -d "$cron_db" -c "BEGIN" -c "SELECT count(*) FROM kobatela.schedule_maintenance()" -c "ROLLBACK" >/dev/null
check_eq "there, a rolled-back schedule leaves no job (same transaction)" "0" \
  "$(q -d "$cron_db" -c "SELECT count(*) FROM cron.job WHERE jobname LIKE 'kobatela:%'")"
# A cancel is the caller's, not pg_cron's answer: a statement timeout while Kobatela waits for
# pg_cron's table goes on as itself (57014), never as PG_CRON_UNAVAILABLE.
psql -X -q -d "$cron_db" -c "BEGIN" -c "LOCK TABLE cron.job IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(10)" \
  -c "COMMIT" >/dev/null 2>&1 &
locker=$!
for _ in $(seq 50); do
  [ "$(q -d "$cron_db" -c "SELECT count(*) FROM pg_locks WHERE relation = 'cron.job'::regclass AND granted
                           AND mode = 'AccessExclusiveLock'")" = 1 ] && break
  sleep 0.1
done
cancelled=$(psql -X -d "$cron_db" -c '\set VERBOSITY verbose' -c "SET statement_timeout = '300ms'" \
              -c "SELECT kobatela.schedule_maintenance()" 2>&1)
kill "$locker" 2>/dev/null; wait "$locker" 2>/dev/null
q -d "$cron_db" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(10)%' AND pid <> pg_backend_pid()" >/dev/null
check_eq "there, a statement timeout while pg_cron's table is locked stays a timeout (57014)" \
  "ERROR:  57014: canceling statement due to statement timeout" "$(grep -m1 '^ERROR' <<<"$cancelled")"
q -d "$cron_db" -c "DROP EXTENSION kobatela" -c "DROP DATABASE $app" -c "DROP EXTENSION pg_cron"

done_testing
