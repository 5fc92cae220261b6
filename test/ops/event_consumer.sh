#!/usr/bin/env bash
# event_consumer.sh — the example consumer of the event feed (examples/event_consumer.py,
# docs/events.md), end to end, with Debian's python3 and python3-psycopg:
#
#   * it runs while business activity goes on, is killed with SIGKILL in the middle of it and started
#     again: every event is then processed exactly once (the consumer's table has one row per event,
#     none missing), in feed order;
#   * a consumer with a key bound to a user processes exactly that user's events;
#   * a listener of channel kobatela_events is notified only once a transaction that wrote events has
#     committed (not before, not for one that rolled back), with an empty payload; a burst of such
#     transactions is notified fewer times than it has transactions (coalesced), at least once.
#
# Runs against the cluster in PGHOST/PGPORT/PGUSER (a superuser); prints TAP lines.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$here/lib.sh"
source "$here/helpers.bash"
cd "$here/../.."

db=ops_event_consumer
python=/usr/bin/python3
consumer=examples/event_consumer.py
export PGDATABASE=$db

recreate_db "$db" || bail_out "cannot create $db"
# The API key pepper, in a file of the data directory only the server's user reads, named by the
# database's setting.
pepper_file=$(q -d postgres -c "SHOW data_directory")/kobatela-ops-events-pepper
q -d postgres -c "COPY (SELECT 'ops-events-pepper-do-not-log') TO PROGRAM 'umask 077 && cat > ''$pepper_file'''" >/dev/null
q -d postgres -c "ALTER DATABASE $db SET kobatela.api_key_pepper_file = '$pepper_file'" >/dev/null
q -c 'CREATE EXTENSION kobatela' >/dev/null 2>"$tmp/out" || { diag "$tmp/out"; bail_out "CREATE EXTENSION kobatela"; }
check "python3 has psycopg 3 (python3-psycopg)" "$python" -c 'import psycopg; assert psycopg.__version__ >= "3"'

platform_key=$(q -c "SELECT api_key FROM kobatela.create_api_key('ops platform', 'sender')")
# Two users who deal with each other, and a third who only ever gets users of its own.
ama=$(q -c "SELECT id FROM kobatela.create_user('ops_ama', 'ops_ama@example.com')")
kwe=$(q -c "SELECT id FROM kobatela.create_user('ops_kwe', 'ops_kwe@example.com')")
q -c "SELECT kobatela.add_to_allowlist($ama, $kwe)" >/dev/null
ama_key=$(q -c "SELECT api_key FROM kobatela.create_api_key('ops ama', 'sender', $ama)")

# activity ROUNDS: business changes in many transactions (one per statement): users, transfers,
# escrows funded and released, with events for ama and kwe and events for nobody of theirs.
activity() {
  for i in $(seq 1 "$1"); do
    cat <<SQL
SELECT kobatela.create_user('ops_u${i}', 'ops_u${i}@example.com');
SELECT kobatela.create_transaction($ama, $kwe, 1.${i}, 'USD', 'ops-tx-${i}');
SELECT id FROM kobatela.create_escrow($ama, $kwe, 10, 'USD', '{}', now() + interval '1 day', 'ops-e-${i}') \gset e_
SELECT kobatela.escrow_deposit(:e_id, 10, 'ops-d-${i}');
SELECT kobatela.escrow_client_approve(:e_id);
SQL
  done
}
activity 40 >"$tmp/activity.sql"
total_planned=$((2 + 40 * 7))  # 2 users before; per round: user, transfer, escrow, deposit, funded, released, sent
run_activity() { q -f "$tmp/activity.sql" >"$tmp/activity.out" 2>&1; }

processed() { q -c "SELECT count(*) FROM ${1:-consumer}.processed" 2>/dev/null || echo 0; }
# wait_until SECONDS COMMAND...: polls until the command succeeds (a bound on the wait, not a timing claim).
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -lt $deadline ] || return 1; sleep 0.2; done
}

# The consumer, slowed down per event so that it is still busy when it is killed.
KOBATELA_API_KEY=$platform_key KOBATELA_CONSUMER_PAGE=3 KOBATELA_CONSUMER_DELAY=0.02 KOBATELA_CONSUMER_WAIT=1 \
  "$python" "$consumer" >"$tmp/consumer1.log" 2>&1 &
pid=$!
run_activity &
activity_pid=$!
at_least() { [ "$(processed)" -ge "$1" ]; }
check "the consumer processes events while the activity runs" wait_until 60 at_least 20
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
status=$?
check_eq "it is killed with SIGKILL in the middle (exit status 137)" 137 "$status"
killed_at=$(processed)
check "the activity completes" wait "$activity_pid"
all_events=$(q -c "SELECT count(*) FROM kobatela.events")
check "it was killed mid-stream: it had processed some events, not all ($killed_at of $all_events)" \
  test "$killed_at" -gt 0 -a "$killed_at" -lt "$all_events"

# Started again, it goes on from its stored cursor and stops after 3 s without an event.
KOBATELA_API_KEY=$platform_key KOBATELA_CONSUMER_PAGE=7 KOBATELA_CONSUMER_WAIT=1 KOBATELA_CONSUMER_IDLE_EXIT=3 \
  "$python" "$consumer" >"$tmp/consumer2.log" 2>&1
status=$?
[ "$status" -eq 0 ] || diag "$tmp/consumer2.log"
check_eq "started again, it runs until idle and exits 0" 0 "$status"
check_eq "every event was processed (the events of the activity: $total_planned planned)" "$all_events" "$(processed)"
check_eq "none twice: one row per event" "$(processed)" "$(q -c "SELECT count(DISTINCT event_id) FROM consumer.processed")"
check_eq "in feed order: processed in (txid, id) order" \
  "$(q -c "SELECT md5(string_agg(id::text, ' ' ORDER BY txid, id)) FROM kobatela.events")" \
  "$(q -c "SELECT md5(string_agg(event_id::text, ' ' ORDER BY seq)) FROM consumer.processed")"
check_eq "the events are those of the activity" "$total_planned" "$all_events"
check_eq "its cursor is the last event's" "t" \
  "$(q -c "SELECT position IS NOT NULL FROM consumer.cursor WHERE name = 'main'")"

# A consumer with ama's key, in a schema of its own: exactly the events where ama is a party.
KOBATELA_API_KEY=$ama_key KOBATELA_CONSUMER_SCHEMA=consumer_ama KOBATELA_CONSUMER_WAIT=1 KOBATELA_CONSUMER_IDLE_EXIT=2 \
  "$python" "$consumer" >"$tmp/consumer3.log" 2>&1 || diag "$tmp/consumer3.log"
ama_events=$(q -c "SELECT count(*) FROM kobatela.events WHERE $ama IN (party_a, party_b)")
check_eq "a bound key's consumer processes its user's events" "$ama_events" "$(processed consumer_ama)"
check_eq "... and no other (none of the other users' user.created)" 0 \
  "$(q -c "SELECT count(*) FROM consumer_ama.processed p JOIN kobatela.events e ON e.id = p.event_id
           WHERE $ama IS DISTINCT FROM e.party_a AND $ama IS DISTINCT FROM e.party_b")"
check "... which are fewer than all" test "$ama_events" -gt 0 -a "$ama_events" -lt "$all_events"

# Notifications: only after COMMIT, none for a ROLLBACK, empty payload.
cat >"$tmp/notify.py" <<'PY'
import select, sys
import psycopg
key = sys.argv[1]
got = []
listener = psycopg.connect(autocommit=True)
listener.add_notify_handler(lambda n: got.append((n.channel, n.payload)))
listener.execute("LISTEN kobatela_events")
def drain(timeout):
    if select.select([listener.fileno()], [], [], timeout)[0]:
        listener.execute("SELECT 1")
writer = psycopg.connect(autocommit=True)
def write(name, end):
    with writer.cursor() as cur:
        cur.execute("BEGIN")
        cur.execute("SELECT kobatela.authenticate(%s)", (key,))
        cur.execute("SELECT kobatela.create_user(%s, %s)", (name, name + "@example.com"))
        drain(0.5)
        before = len(got)
        cur.execute(end)
    return before
before_commit = write("ops_notify_1", "COMMIT")
drain(10)
after_commit = len(got)
before_rollback = write("ops_notify_2", "ROLLBACK")
drain(0.5)
after_rollback = len(got) - after_commit
print(before_commit, after_commit, after_rollback, got[0] if got else None)
PY
check_eq "a listener is notified once after COMMIT (none before), on kobatela_events with an empty payload, and not for a ROLLBACK" \
  "0 1 0 ('kobatela_events', '')" "$("$python" "$tmp/notify.py" "$platform_key" 2>&1)"

# Coalescing (src/core/notify_throttle.hpp: PostgreSQL serialises the commits of notifying
# transactions): a burst of transactions that write events sends fewer notifications than it has
# transactions, at least one; a transaction after a quiet moment is notified again.
cat >"$tmp/burst.py" <<'PY'
import select, sys, time
import psycopg
key, burst = sys.argv[1], int(sys.argv[2])
got = []
listener = psycopg.connect(autocommit=True)
listener.add_notify_handler(lambda n: got.append(n.channel))
listener.execute("LISTEN kobatela_events")
def drain(timeout):
    while select.select([listener.fileno()], [], [], timeout)[0]:
        listener.execute("SELECT 1")
        timeout = 0.2
writer = psycopg.connect(autocommit=True)
def write(name):
    with writer.cursor() as cur:
        cur.execute("BEGIN")
        cur.execute("SELECT kobatela.authenticate(%s)", (key,))
        cur.execute("SELECT kobatela.create_user(%s, %s)", (name, name + "@example.com"))
        cur.execute("COMMIT")
time.sleep(0.3)
for i in range(burst):
    write("ops_burst_%d" % i)
drain(2)
in_burst = len(got)
time.sleep(0.3)
write("ops_after_burst")
drain(2)
print(1 <= in_burst < burst, len(got) - in_burst)
PY
check_eq "a burst of 40 transactions that wrote events is notified at least once and fewer than 40 times; a later transaction is notified again" \
  "True 1" "$("$python" "$tmp/burst.py" "$platform_key" 40 2>&1)"

drop_db "$db"
rm -f "$pepper_file"
done_testing
