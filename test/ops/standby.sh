#!/usr/bin/env bash
# standby.sh — read scale-out on a hot standby (docs/operations.md, "Scaling"):
#
#   * a hot standby of the test cluster, made on this machine with pg_basebackup -R (streaming
#     replication over the local socket, which the cluster's pg_hba.conf trusts), started on its own
#     port with the same shared_preload_libraries, catches up with the primary;
#   * there, with API keys as PostgREST uses them, the reads answer: authenticate, the gets, the
#     lists, events_since, verify_audit_chain, health (role "standby" and the replay position);
#   * every call that writes fails with the catalogued READ_ONLY (SQLSTATE 25006, a hint that sends
#     writes to the primary), never PostgreSQL's "cannot execute INSERT in a read-only transaction";
#   * a write on the primary is read on the standby once the standby has replayed the write's LSN.
#
# The standby is stopped and removed at the end (the database ops_standby too, when every check passed). Runs against the cluster in PGHOST/PGPORT/PGUSER
# (a superuser); the standby listens on KOBATELA_STANDBY_PORT (54346 by default). Prints TAP lines.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$here/lib.sh"
source "$here/helpers.bash"
cd "$here/../.."

db=ops_standby
standby_port=${KOBATELA_STANDBY_PORT:-54346}
standby_dir=/var/tmp/kobatela-ops-standby-$standby_port
export PGDATABASE=$db

# The cluster's files belong to the postgres user when the suite runs as root (scripts/cluster.sh).
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
stop_standby() {
  if [ -f "$standby_dir/data/postmaster.pid" ]; then
    as_owner "$pg_bin/pg_ctl" -D "$standby_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
}
# The standby always goes; the database stays for inspection when a check failed.
cleanup() {
  stop_standby
  rm -rf "$standby_dir" "$tmp"
  if [ "$failures" -eq 0 ]; then drop_db "$db"; fi
}
trap cleanup EXIT

# qs [psql args...]: q against the standby.
qs() { q -h "$standby_dir" -p "$standby_port" "$@"; }

# ---- The primary: a database with Kobatela, keys of every scope, and some business ---------------
stop_standby
rm -rf "$standby_dir"
recreate_db "$db" || bail_out "cannot create $db"
# The API key pepper, in a file of the data directory that the database's setting names: the
# standby reads the same setting (replicated) and the same file (same machine, same user).
pepper_file=$(q -d postgres -c "SHOW data_directory")/kobatela-ops-standby-pepper
q -d postgres -c "COPY (SELECT 'ops-standby-pepper-do-not-log') TO PROGRAM 'umask 077 && cat > ''$pepper_file'''" >/dev/null
q -d postgres -c "ALTER DATABASE $db SET kobatela.api_key_pepper_file = '$pepper_file'" >/dev/null
q -c 'CREATE EXTENSION kobatela' >/dev/null 2>"$tmp/out" || { diag "$tmp/out"; bail_out "CREATE EXTENSION kobatela"; }

client=$(q -c "SELECT id FROM kobatela.create_user('sb_client', 'sb_client@example.com')")
provider=$(q -c "SELECT id FROM kobatela.create_user('sb_provider', 'sb_provider@example.com')")
admin_key=$(q -c "SELECT api_key FROM kobatela.create_api_key('sb admin', 'admin')")
sender_key=$(q -c "SELECT api_key FROM kobatela.create_api_key('sb client', 'sender', $client)")
support_key=$(q -c "SELECT api_key FROM kobatela.create_api_key('sb support', 'support')")
worker_key=$(q -c "SELECT api_key FROM kobatela.create_api_key('sb worker', 'worker')")
# A transfer, an escrow released to the provider (a payment, queued for the payout worker), an
# escrow with a payee and a spend to it.
escrow=$(q <<SQL 2>"$tmp/out"
SELECT kobatela.add_to_allowlist($client, $provider) \g /dev/null
SELECT kobatela.create_transaction($client, $provider, 12.50, 'USD', 'sb-tx') \g /dev/null
SELECT id AS released FROM kobatela.create_escrow($client, $provider, 300, 'EUR', '{}', now() + interval '30 days') \gset
SELECT kobatela.escrow_deposit(:released, 300) \g /dev/null
SELECT kobatela.escrow_client_approve(:released) \g /dev/null
SELECT id AS e FROM kobatela.create_escrow($client, $provider, 200, 'USD', '{}', now() + interval '30 days') \gset
SELECT kobatela.escrow_deposit(:e, 200) \g /dev/null
SELECT kobatela.add_allowed_payee(:e, 'clinic', 'Clinique') \g /dev/null
SELECT kobatela.spend(:e, 'clinic', 40) \g /dev/null
SELECT :e;
SQL
) || { diag "$tmp/out"; bail_out "cannot set up the business on the primary"; }
payments_on_primary=$(q -c "SELECT count(*) FROM kobatela.payments")
events_on_primary=$(q -c "SELECT count(*) FROM kobatela.events")
check_eq "the primary holds the business: two payments (a release, a spend)" 2 "$payments_on_primary"

# ---- The standby ------------------------------------------------------------------------------------
check_eq "the primary's WAL is enough for a standby (wal_level replica or logical)" t \
  "$(q -c "SELECT current_setting('wal_level') IN ('replica', 'logical')")"
check_eq "pg_hba.conf lets the superuser replicate over the local socket (trust)" t \
  "$(q -c "SELECT count(*) > 0 FROM pg_catalog.pg_hba_file_rules
           WHERE type = 'local' AND 'replication' = ANY (database) AND auth_method = 'trust'")"
if [ "$(id -u)" -eq 0 ]; then install -d -o postgres -g postgres -m 0700 "$standby_dir"; else install -d -m 0700 "$standby_dir"; fi
if as_owner "$pg_bin/pg_basebackup" -D "$standby_dir/data" -R -X stream -c fast \
     -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" >"$tmp/out" 2>&1; then
  ok "pg_basebackup -R copies the primary and writes standby.signal and primary_conninfo"
else
  diag "$tmp/out"; bail_out "pg_basebackup"
fi
check "the copy is a standby (standby.signal)" test -f "$standby_dir/data/standby.signal"
# Its own port and socket; everything else (shared_preload_libraries...) is the primary's.
if as_owner "$pg_bin/pg_ctl" -D "$standby_dir/data" -l "$standby_dir/server.log" -w -t 60 \
     -o "-p $standby_port -k $standby_dir -c listen_addresses=''" start >"$tmp/out" 2>&1; then
  ok "the standby starts on port $standby_port"
else
  diag "$tmp/out"; diag "$standby_dir/server.log"; bail_out "the standby does not start"
fi
check_eq "the standby is in recovery, read-only" "t|on" \
  "$(qs -c "SELECT pg_is_in_recovery(), current_setting('transaction_read_only')" -F '|')"
check_eq "with the primary's shared_preload_libraries" \
  "$(q -c "SHOW shared_preload_libraries")" "$(qs -c "SHOW shared_preload_libraries")"

# wait_replayed LSN: until the standby has replayed the primary's WAL up to LSN (a bound on the
# wait, not a timing claim).
wait_replayed() {
  local deadline=$((SECONDS + 60))
  until [ "$(qs -c "SELECT pg_last_wal_replay_lsn() >= '$1'::pg_lsn" 2>/dev/null)" = t ]; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}
check "the standby replays the primary's WAL up to its current LSN" wait_replayed "$(q -c "SELECT pg_current_wal_lsn()")"

# ---- Reads on the standby, as PostgREST calls them -----------------------------------------------------
# as_key_on_standby KEY SQL: the SQL's result, run as kobatela_anon with KEY authenticated.
as_key_on_standby() {
  qs -v key="$1" <<SQL
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'key') \g /dev/null
$2
COMMIT;
SQL
}
check_eq "authenticate works on the standby (the key's use is not recorded: nothing can be)" "admin|sender|support|worker" \
  "$(for key in "$admin_key" "$sender_key" "$support_key" "$worker_key"; do
       echo "SET ROLE kobatela_anon; SELECT kobatela.authenticate(:'key');" | qs -v key="$key"; done | paste -sd '|')"
check_eq "get_escrow, get_user, get_transaction answer" "FUNDED|sb_client|COMPLETED" \
  "$(as_key_on_standby "$admin_key" "SELECT (SELECT status::text FROM kobatela.get_escrow($escrow)) || '|' ||
       (SELECT username FROM kobatela.get_user($client)) || '|' ||
       (SELECT status::text FROM kobatela.get_transaction((SELECT max(id) FROM kobatela.transactions)));")"
check_eq "the list_* functions answer, with what the primary has" "2|2|1|1|1|4" \
  "$(as_key_on_standby "$admin_key" "SELECT jsonb_array_length(kobatela.list_escrows() -> 'data') || '|' ||
       jsonb_array_length(kobatela.list_payments() -> 'data') || '|' ||
       jsonb_array_length(kobatela.list_payees($escrow) -> 'data') || '|' ||
       jsonb_array_length(kobatela.list_transactions() -> 'data') || '|' ||
       jsonb_array_length(kobatela.list_deposits($escrow) -> 'data') || '|' ||
       jsonb_array_length(kobatela.list_api_keys() -> 'data');")"
check_eq "a sender's key bound to a user sees its escrows there too (row-level security)" 2 \
  "$(as_key_on_standby "$sender_key" "SELECT jsonb_array_length(kobatela.list_escrows() -> 'data');")"
check_eq "events_since reads the whole feed, as on the primary" "$events_on_primary" \
  "$(as_key_on_standby "$admin_key" "SELECT count(*) FROM kobatela.events_since(NULL, 1000);")"
check_eq "verify_audit_chain() holds on the standby" t "$(qs -c "SELECT kobatela.verify_audit_chain()")"
# (The status is the primary's: the same figures, the same problems, e.g. pg_cron not created in
# the test cluster; never "error", which would mean Kobatela cannot serve there.)
primary_status=$(q -c "SELECT kobatela.health() ->> 'status'")
check "the primary's health() serves (status $primary_status)" test "$primary_status" = ok -o "$primary_status" = warning
check_eq "health(): the primary's status ($primary_status, not error), role standby, its replay position, replay not paused" \
  "$primary_status|standby|t|false" \
  "$(qs -F '|' -c "SELECT h ->> 'status', h ->> 'role', h -> 'replication' ->> 'replay_lsn' IS NOT NULL,
                          h -> 'replication' ->> 'replay_paused'
                   FROM kobatela.health() AS h")"
check_eq "health() on the primary: role primary, no replication section" "primary|t" \
  "$(q -F '|' -c "SELECT h ->> 'role', NOT h ? 'replication' FROM kobatela.health() AS h")"

# ---- Writes on the standby: READ_ONLY, with the hint ------------------------------------------------------
# refused_on_standby WHAT KEY SQL: the call fails with READ_ONLY (SQLSTATE 25006), its hint sends
# writes to the primary, and PostgreSQL's own message is not what the client gets.
refused_on_standby() {
  local what=$1 key=$2 sql=$3
  qs -v VERBOSITY=verbose -v key="$key" >"$tmp/refused" 2>&1 <<SQL
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'key') \g /dev/null
$sql
SQL
  if grep -q '^ERROR:  25006: READ_ONLY$' "$tmp/refused" \
     && grep -q '^DETAIL:  This server is a hot standby' "$tmp/refused" \
     && grep -q '^HINT:  Send writes to the primary' "$tmp/refused" \
     && ! grep -q 'cannot execute' "$tmp/refused"; then
    ok "on the standby, $what is READ_ONLY (25006) with a hint to write to the primary"
  else
    not_ok "on the standby, $what is READ_ONLY (25006) with a hint to write to the primary"; diag "$tmp/refused"
  fi
}
refused_on_standby "create_user" "$admin_key" "SELECT kobatela.create_user('sb_eve', 'sb_eve@example.com');"
refused_on_standby "create_escrow" "$sender_key" \
  "SELECT kobatela.create_escrow($client, $provider, 10, 'USD', '{}', now() + interval '1 day', 'sb-new');"
refused_on_standby "escrow_deposit" "$sender_key" "SELECT kobatela.escrow_deposit($escrow, 1);"
refused_on_standby "spend" "$sender_key" "SELECT kobatela.spend($escrow, 'clinic', 5);"
refused_on_standby "claim_payouts (the payout worker)" "$worker_key" "SELECT * FROM kobatela.claim_payouts('sb worker');"
refused_on_standby "create_api_key" "$admin_key" "SELECT kobatela.create_api_key('sb new', 'sender');"
refused_on_standby "add_certification" "$admin_key" "SELECT kobatela.add_certification($provider, 'gold');"
refused_on_standby "release_overdue_escrows (a pg_cron job's command)" "$admin_key" "SELECT kobatela.release_overdue_escrows();"
refused_on_standby "expire_mandates (a pg_cron job's command)" "$admin_key" "SELECT kobatela.expire_mandates();"
# The key authenticated read-only has its use recorded before the first row a call writes: here
# that record is the first write, and it is refused the same way.
refused_on_standby "authenticate then a write in the same transaction" "$sender_key" \
  "SELECT kobatela.add_to_allowlist($client, $provider);"
# A read-write transaction cannot even begin on a standby: PostgreSQL refuses it before any
# Kobatela call (its own 25006).
qs -c "BEGIN READ WRITE" -c "SELECT 1" >"$tmp/out" 2>&1
check "BEGIN READ WRITE is refused by PostgreSQL itself on the standby" grep -q 'cannot set transaction read-write mode during recovery' "$tmp/out"
# The feed's notifications are the primary's: a consumer on a standby polls events_since.
qs -c "LISTEN kobatela_events" >"$tmp/out" 2>&1
check "LISTEN kobatela_events is refused on the standby (a consumer there polls)" grep -q 'cannot execute LISTEN during recovery' "$tmp/out"
check_eq "the standby still has what the primary has: nothing was written there" \
  "$payments_on_primary|$(q -c "SELECT count(*) FROM kobatela.users")" \
  "$(qs -F '|' -c "SELECT (SELECT count(*) FROM kobatela.payments), (SELECT count(*) FROM kobatela.users)")"

# ---- Read your writes: a write on the primary, read on the standby once replayed -------------------------
# The write's LSN: the primary's insert position right after the commit.
new_user=$(q -c "SELECT id FROM kobatela.create_user('sb_new', 'sb_new@example.com')")
write_lsn=$(q -c "SELECT pg_current_wal_insert_lsn()")
check "the standby replays up to the write's LSN" wait_replayed "$write_lsn"
check_eq "then the write reads on the standby (get_user with the admin key)" sb_new \
  "$(as_key_on_standby "$admin_key" "SELECT username FROM kobatela.get_user($new_user);")"
check_eq "and the audit chain, one record longer, still verifies there" t "$(qs -c "SELECT kobatela.verify_audit_chain()")"
check_eq "health() there tells the commit time of the last transaction replayed (the write's)" t \
  "$(qs -c "SELECT (h -> 'replication' ->> 'last_replay_at')::timestamptz
                   >= (SELECT created_at FROM kobatela.users WHERE id = $new_user)
                   AND (h -> 'replication' ->> 'since_last_replay_ms')::bigint >= 0
            FROM kobatela.health() AS h")"

stop_standby
check "the standby stops" test ! -f "$standby_dir/data/postmaster.pid"
done_testing
