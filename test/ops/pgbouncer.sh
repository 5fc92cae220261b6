#!/usr/bin/env bash
# pgbouncer.sh — Kobatela behind a transaction-pooling PgBouncer (docs/operations.md, "Connection
# pooling"), with Debian's pgbouncer (1.18) started by this suite in front of the test cluster:
#
#   * 24 clients, each with its own API key (20 sender keys bound to their own users, 4 support
#     keys), run 30 transactions each through a pool of 3 server connections
#     (test/ops/pool_clients.py): every transaction lands on a backend that other keys used
#     before it and finds there no identity, no request.* setting and no changed kobatela.*
#     setting; one that authenticates acts as its key only (scope, user, actor, its list of
#     transfers exactly its own); one that does not is refused with UNAUTHORIZED, also right after
#     another key's transaction on the same backend. Then, from the database: the transfers and
#     escrows are exactly those the clients committed, per key; every audit record of them names
#     the key that made them, with its action; each key's uses are audited once per committed
#     transaction; the chain verifies and the books hold;
#   * the same, step by step, on a pool of one server connection;
#   * what the docs forbid through a transaction pool goes wrong as they say: a session-level SET
#     of request.headers or of the role reaches the next client; kobatela.* settings cannot be set
#     by clients at all; psycopg's server-side prepared statements collide; a LISTEN through the
#     pool receives nothing (directly or through a session pool it does); a session advisory lock
#     is shared with the next client; statement pooling refuses Kobatela's transactions; session
#     pooling resets the session between clients.
#
# Runs against the cluster in PGHOST/PGPORT/PGUSER (a superuser); PgBouncer listens on 127.0.0.1,
# port KOBATELA_PGBOUNCER_PORT (default 54347). Prints TAP lines.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$here/lib.sh"
cd "$here/../.."

db=ops_pgbouncer
port=${KOBATELA_PGBOUNCER_PORT:-54347}
python=/usr/bin/python3
pgbouncer=/usr/sbin/pgbouncer
app=ops_pool_app          # the clients' login: PostgREST's kobatela_anon, no scope of its own
ops=ops_pool_ops          # a login granted kobatela_admin and kobatela_support (role-based identity)
clients=24
per_client=30
pool_size=3
tmp=$(mktemp -d)
umask 077
chmod 711 "$tmp"  # PgBouncer's own directory in it belongs to the user it runs as
# diag FILE [N]: its last lines as TAP diagnostics.
diag() { [ -s "$1" ] && tail -n "${2:-15}" "$1" | sed 's/^/#   /'; return 0; }
stop_pgbouncer() {
  local pid
  pid=$(cat "$tmp/pgbouncer/pgbouncer.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}
cleanup() { stop_pgbouncer; rm -rf "$tmp"; }
trap cleanup EXIT

[ -x "$pgbouncer" ] || bail_out "pgbouncer is installed (Debian's pgbouncer; scripts/ensure_deps.sh)"
"$python" -c 'import psycopg' 2>/dev/null || bail_out "Debian's python3 has psycopg (python3-psycopg; scripts/ensure_deps.sh)"

# ---- the database, its users and keys ----------------------------------------------------------------
q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null ||
  bail_out "creates $db"
pepper_file=$(q -d postgres -c "SHOW data_directory")/kobatela-ops-pgbouncer-pepper
q -d postgres -c "COPY (SELECT 'ops-pgbouncer-pepper-do-not-log') TO PROGRAM 'umask 077 && cat > ''$pepper_file'''" >/dev/null
q -d postgres -c "ALTER DATABASE $db SET kobatela.api_key_pepper_file = '$pepper_file'" >/dev/null
q -d "$db" -c 'CREATE EXTENSION kobatela' >/dev/null || bail_out "creates the extension"
q -d postgres >/dev/null <<SQL || bail_out "creates the login roles $app and $ops"
SET client_min_messages = warning;
DROP ROLE IF EXISTS $app;
DROP ROLE IF EXISTS $ops;
CREATE ROLE $app LOGIN IN ROLE kobatela_anon;
CREATE ROLE $ops LOGIN IN ROLE kobatela_admin, kobatela_support;
SQL
receiver=$(q -d "$db" -c "SELECT id FROM kobatela.create_user('ops_pool_receiver', 'ops_pool_receiver@example.com')")
# One user per client, allowlisting the receiver; every sixth client has an unbound support key,
# the others a sender key bound to their user. "client|scope|key id|user id (bound)|key"
q -d "$db" -v n="$clients" -v r="$receiver" >"$tmp/keys" <<'SQL' || bail_out "creates the clients' users and keys"
SELECT i || '|' || s.scope || '|' || k.id || '|' || coalesce(b.user_id::text, '') || '|' || k.api_key
FROM generate_series(0, :n - 1) i,
     LATERAL (SELECT CASE WHEN i % 6 = 5 THEN 'support' ELSE 'sender' END AS scope) s,
     LATERAL kobatela.create_user('ops_pool_' || i, 'ops_pool_' || i || '@example.com') u,
     LATERAL kobatela.add_to_allowlist(u.id, :r) a,
     LATERAL (SELECT CASE WHEN s.scope = 'sender' THEN u.id END AS user_id) b,
     LATERAL kobatela.create_api_key('ops pool client ' || i, s.scope::kobatela.api_scope, b.user_id) k
ORDER BY i;
SQL
check_eq "$clients keys: $((clients - clients / 6)) sender keys bound to their users, $((clients / 6)) support keys" \
  "$((clients - clients / 6)) $((clients / 6))" \
  "$(awk -F'|' '$2 == "sender" && $4 != "" {s++} $2 == "support" && $4 == "" {u++} END {print s + 0, u + 0}' "$tmp/keys")"

# ---- PgBouncer, in transaction mode ------------------------------------------------------------------
# Four names for the database: the pool under test (transaction mode, $pool_size server connections
# per user), a pool of one server connection (each client's transaction lands on the previous
# client's backend: the step-by-step checks), and the session and statement modes.
mkdir -p "$tmp/pgbouncer"
server="host=${PGHOST:-/var/run/postgresql} port=${PGPORT:-5432} dbname=$db"
cat >"$tmp/pgbouncer/pgbouncer.ini" <<INI
[databases]
$db = $server
${db}_one = $server pool_size=1
${db}_session = $server pool_mode=session pool_size=1
${db}_statement = $server pool_mode=statement

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $tmp/pgbouncer/userlist.txt
admin_users = ${PGUSER:-postgres}
pool_mode = transaction
default_pool_size = $pool_size
max_client_conn = 500
logfile = $tmp/pgbouncer/pgbouncer.log
pidfile = $tmp/pgbouncer/pgbouncer.pid
INI
printf '"%s" ""\n' "$app" "$ops" "${PGUSER:-postgres}" >"$tmp/pgbouncer/userlist.txt"
# PgBouncer refuses to run as root: as root, it runs as the postgres user (the cluster's owner).
if [ "$(id -u)" -eq 0 ]; then
  chown -R postgres: "$tmp/pgbouncer"
  runuser -u postgres -- "$pgbouncer" -q -d "$tmp/pgbouncer/pgbouncer.ini" 2>"$tmp/pgbouncer.err"
else
  "$pgbouncer" -q -d "$tmp/pgbouncer/pgbouncer.ini" 2>"$tmp/pgbouncer.err"
fi
console="host=127.0.0.1 port=$port dbname=pgbouncer user=${PGUSER:-postgres}"
listening() { psql -X -qAt -d "$console" -c "SHOW VERSION" >/dev/null 2>&1; }
for _ in $(seq 100); do listening && break; sleep 0.1; done
listening || { diag "$tmp/pgbouncer.err"; diag "$tmp/pgbouncer/pgbouncer.log"; bail_out "PgBouncer listens on 127.0.0.1:$port"; }
# console_field SHOW-WHAT KEY-COLUMN KEY COLUMN: one field of PgBouncer's console output, by column name.
console_field() {
  psql -X -qA -F'|' -d "$console" -c "SHOW $1" | awk -F'|' -v k="$2" -v v="$3" -v c="$4" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $col[k] == v { print $col[c] }'
}
check_eq "PgBouncer listens on 127.0.0.1:$port, the pool in transaction mode with $pool_size server connections" \
  "transaction $pool_size" "$(console_field CONFIG key pool_mode value) $(console_field CONFIG key default_pool_size value)"

pool() { echo "host=127.0.0.1 port=$port dbname=${1:-$db} user=${2:-$app}"; }
# through POOL [USER] SQL...: psql through PgBouncer, one connection (one client) per call.
through() { local name=$1 user=$2; shift 2; psql -X -qAt -v ON_ERROR_STOP=1 -d "$(pool "$name" "$user")" "$@"; }

# ---- many keys, few server connections ---------------------------------------------------------------
"$python" test/ops/pool_clients.py --pool-dsn "$(pool)" --direct-dsn "dbname=$db" --console-dsn "$console" \
  --pool-name "$db" --login "$app" --keys "$tmp/keys" --receiver "$receiver" --transactions "$per_client" \
  --committed "$tmp/committed" >"$tmp/facts" 2>"$tmp/clients.err"
status=$?
[ "$status" -eq 0 ] || { diag "$tmp/clients.err"; diag "$tmp/facts"; }
check_eq "the clients' program ran to its end" 0 "$status"
fact() { sed -n "s/^$1 //p" "$tmp/facts"; }
grep '^problem ' "$tmp/facts" | sed 's/^/#   /'
check_eq "$clients clients ran their $((clients * per_client)) transactions" "$clients $((clients * per_client))" \
  "$(fact clients) $(fact transactions)"
# Sender clients: per six transactions three commit, one rolls back, one fails, one does not
# authenticate; support clients: every other one does not authenticate.
senders=$((clients - clients / 6)) supports=$((clients / 6))
check_eq "... of every kind" \
  "anon:$((senders * per_client / 6 + supports * per_client / 2)) commit:$((senders * per_client / 2)) error:$((senders * per_client / 6)) rollback:$((senders * per_client / 6)) support:$((supports * per_client / 2))" \
  "$(fact kinds)"
check_eq "no transaction found another's identity, request.* or kobatela.* setting where it landed; each authenticated one acted as its key only (scope, user, actor, list of transfers); every unauthenticated write was UNAUTHORIZED" \
  0 "$(fact problems)"
echo "# server connections used: $(fact server_connections); distinct clients per server connection: $(fact clients_per_server_connection)"
echo "# first sample (all clients connected): backends of $app, clients in the pool, server connections: $(fact first_sample)"
check "the $clients clients shared at most $pool_size server connections (their transactions' pg_backend_pid)" \
  test "$(fact server_connections)" -ge 1 -a "$(fact server_connections)" -le "$pool_size"
check_eq "with all $clients clients connected, PgBouncer's pool held $clients clients" "$clients" "$(fact first_sample | cut -d' ' -f2)"
check "... and PostgreSQL never had more than $pool_size backends of $app, nor the pool more server connections ($(fact samples) samples of pg_stat_activity and SHOW POOLS)" \
  test "$(fact max_backends)" -le "$pool_size" -a "$(fact max_pool_servers)" -le "$pool_size" -a "$(fact samples)" -ge 2
check "server connections were shared: one served several clients, and $(fact switches) times a backend passed from one key's client to another's" \
  test "$(fact shared_server_connections)" -ge 1 -a "$(fact switches)" -ge 1
check "$(fact anon_after_other_key) unauthenticated transactions landed right after another key's transaction on the same backend (and were refused)" \
  test "$(fact anon_after_other_key)" -ge 1
echo "# user-settable kobatela.* settings (each set transaction-locally by every transaction): $(fact user_settings)"
echo "# the clients' run took $(fact seconds) s"

# ---- what the database says ----------------------------------------------------------------------------
q -d "$db" >/dev/null <<SQL || bail_out "loads the committed transfers"
CREATE SCHEMA pool_probe;
CREATE TABLE pool_probe.committed (client int, key_id bigint, user_id bigint, kind text, id bigint, tag text);
\copy pool_probe.committed FROM '$tmp/committed' WITH (FORMAT csv, DELIMITER '|')
SQL
committed_transfers=$(q -d "$db" -c "SELECT count(*) FROM pool_probe.committed WHERE kind = 'transfer'")
check_eq "the transfers are exactly those the clients committed, per key ($committed_transfers: id, sender, idempotency key from the transaction-local header)" \
  "$committed_transfers|0|0" \
  "$(q -d "$db" -c "WITH made AS (SELECT id, sender_id, idempotency_key FROM kobatela.transactions WHERE receiver_id = $receiver),
                         told AS (SELECT id, user_id, tag FROM pool_probe.committed WHERE kind = 'transfer')
                    SELECT (SELECT count(*) FROM made) || '|' || (SELECT count(*) FROM (SELECT * FROM made EXCEPT SELECT * FROM told) x)
                           || '|' || (SELECT count(*) FROM (SELECT * FROM told EXCEPT SELECT * FROM made) y)")"
check_eq "so are the escrows" "0|0" \
  "$(q -d "$db" -c "WITH made AS (SELECT id, client_id, idempotency_key FROM kobatela.escrow_agreements WHERE provider_id = $receiver),
                         told AS (SELECT id, user_id, tag FROM pool_probe.committed WHERE kind = 'escrow')
                    SELECT (SELECT count(*) FROM (SELECT * FROM made EXCEPT SELECT * FROM told) x)
                           || '|' || (SELECT count(*) FROM (SELECT * FROM told EXCEPT SELECT * FROM made) y)")"
check_eq "every transfer and escrow was audited once, with its action (CREATE_TRANSACTION, ESCROW_CREATED) and the key that made it as actor" \
  "0" \
  "$(q -d "$db" -c "SELECT count(*) FROM pool_probe.committed c
                    WHERE c.kind IN ('transfer', 'escrow')
                      AND (SELECT array_agg(e.actor || ' ' || e.action) FROM kobatela.audit_entries e
                           WHERE e.entity = CASE c.kind WHEN 'transfer' THEN 'transactions' ELSE 'escrow_agreements' END
                             AND e.entity_id = c.id AND e.operation = 'INSERT')
                          IS DISTINCT FROM ARRAY['apikey:' || c.key_id || ' ' || CASE c.kind WHEN 'transfer' THEN 'CREATE_TRANSACTION' ELSE 'ESCROW_CREATED' END]")"
check_eq "no client key is the actor of a change to another user's transfer or escrow, or to another key" "0" \
  "$(q -d "$db" -c "WITH keys AS (SELECT DISTINCT key_id, user_id FROM pool_probe.committed)
                    SELECT count(*) FROM kobatela.audit_entries e JOIN keys k ON e.actor = 'apikey:' || k.key_id
                    WHERE (e.entity = 'transactions' AND (SELECT sender_id FROM kobatela.transactions WHERE id = e.entity_id) IS DISTINCT FROM k.user_id)
                       OR (e.entity = 'escrow_agreements' AND (SELECT client_id FROM kobatela.escrow_agreements WHERE id = e.entity_id) IS DISTINCT FROM k.user_id)
                       OR (e.entity = 'api_keys' AND e.entity_id <> k.key_id)")"
check_eq "each key's use was audited once per committed transaction it authenticated (API_KEY_USED), and never for a rolled back one" "0" \
  "$(q -d "$db" -c "WITH expected AS (SELECT 'apikey:' || key_id AS actor, count(*) AS n FROM pool_probe.committed
                                       WHERE kind IN ('transfer', 'support') GROUP BY key_id),
                         used AS (SELECT actor, count(*) AS n FROM kobatela.audit_entries
                                   WHERE action = 'API_KEY_USED' AND operation = 'EVENT' GROUP BY actor)
                    SELECT count(*) FROM expected FULL JOIN used USING (actor) WHERE expected.n IS DISTINCT FROM used.n")"
check_eq "nothing was written as the clients' login role ($app)" "0" \
  "$(q -d "$db" -c "SELECT count(*) FROM kobatela.audit_entries WHERE actor LIKE 'role:$app%'")"
check_eq "the audit chain verifies and the books hold" "true|" \
  "$(q -d "$db" -c "SELECT kobatela.verify_audit_chain() || '|' || coalesce((SELECT string_agg(rule, ' ') FROM kobatela.check_invariants()), '')")"

# ---- step by step, on one server connection ------------------------------------------------------------
one=${db}_one
key_of() { awk -F'|' -v c="$1" '$1 == c {print $5}' "$tmp/keys"; }
user_of() { awk -F'|' -v c="$1" '$1 == c {print $4}' "$tmp/keys"; }
key_a=$(key_of 0) user_a=$(user_of 0) key_b=$(key_of 1) user_b=$(user_of 1)
pid_a=$(through "$one" "$app" -v k="$key_a" <<SQL
BEGIN;
SELECT kobatela.authenticate(:'k') \g /dev/null
SELECT kobatela.create_transaction($user_a, $receiver, 3, 'USD', 'ops-one-a') \g /dev/null
SELECT pg_backend_pid();
COMMIT;
SQL
)
after_a=$(through "$one" "$app" -v ON_ERROR_STOP=0 2>&1 <<SQL
BEGIN;
SELECT pg_backend_pid() || '|' || coalesce(kobatela.current_scope()::text, 'no scope') || '|' || kobatela.current_actor();
SELECT kobatela.create_transaction($user_a, $receiver, 4, 'USD', 'ops-one-anon');
ROLLBACK;
SQL
)
check_eq "a client that does not authenticate, on the backend another client's key just committed on, has no identity and is refused: UNAUTHORIZED" \
  "$pid_a|no scope|role:$app ERROR:  UNAUTHORIZED" "$(head -1 <<<"$after_a") $(grep -o 'ERROR:  UNAUTHORIZED$' <<<"$after_a")"
check_eq "... and wrote nothing" "1" \
  "$(q -d "$db" -c "SELECT count(*) FROM kobatela.transactions WHERE idempotency_key IN ('ops-one-a', 'ops-one-anon')")"

# ---- what must not be done through a transaction pool ------------------------------------------------
# A session-level SET stays on the backend and reaches whichever client comes next.
pid_set=$(through "$one" "$app" -c "SET request.headers = '{\"idempotency-key\": \"ops-leaked\"}'" -c "SELECT pg_backend_pid()")
leaked=$(through "$one" "$app" -v k="$key_b" <<SQL
BEGIN;
SELECT kobatela.authenticate(:'k') \g /dev/null
SELECT pg_backend_pid() || '|' || idempotency_key FROM kobatela.create_transaction($user_b, $receiver, 5);
COMMIT;
SQL
)
check_eq "unsafe: a session-level SET request.headers by one client becomes the Idempotency-Key of the next client's call" \
  "$pid_set|ops-leaked" "$leaked"
through "$one" "$app" -c "RESET request.headers"
through "$one" "$app" -c "BEGIN" -c "SET LOCAL request.headers = '{\"idempotency-key\": \"ops-local\"}'" -c "COMMIT"
check_eq "safe: the same with SET LOCAL ends with the transaction" "" \
  "$(through "$one" "$app" -c "SELECT coalesce(current_setting('request.headers', true), '')")"

roles() { through "$one" "$ops" -c "SELECT kobatela.current_scope() || '|' || kobatela.current_actor()"; }
through "$one" "$ops" -c "SET ROLE kobatela_support"
check_eq "unsafe: a session-level SET ROLE by one client gives the next client that role's scope and audit actor" \
  "support|role:kobatela_support" "$(roles)"
through "$one" "$ops" -c "RESET ROLE"
through "$one" "$ops" -c "BEGIN" -c "SET LOCAL ROLE kobatela_support" -c "COMMIT"
check_eq "safe: SET LOCAL ROLE (as PostgREST does) ends with the transaction" "admin|role:$ops" "$(roles)"

through "$one" "$app" -c "SET kobatela.proof_max_age_min = 100000" >"$tmp/set.out" 2>&1
check "Kobatela's settings cannot be set by a client (SET kobatela.proof_max_age_min: permission denied)" \
  grep -q 'permission denied to set parameter "kobatela.proof_max_age_min"' "$tmp/set.out"
through "$one" "$app" -c "BEGIN" -c "SET LOCAL kobatela.audit_reason = 'x'" >"$tmp/set.out" 2>&1
check "... nor invented under the kobatela. prefix (SET LOCAL kobatela.audit_reason: refused, the prefix is reserved)" \
  grep -q 'invalid configuration parameter name "kobatela.audit_reason"' "$tmp/set.out"
check_eq "... and none of them is settable by a client (pg_settings: no kobatela.* setting of context user)" 0 \
  "$(q -d "$db" -c "SELECT count(*) FROM pg_settings WHERE name LIKE 'kobatela.%' AND context = 'user'")"

# Server-side prepared statements: PgBouncer 1.18 does not carry them from one backend to another.
cat >"$tmp/prepared.py" <<'PY'
import sys
import psycopg
def run(threshold):
    # Two clients, one after the other, each repeating its query as an application does.
    outcome = []
    for client in range(2):
        with psycopg.connect(sys.argv[1], autocommit=True, prepare_threshold=threshold) as conn:
            try:
                for _ in range(8):
                    conn.execute("SELECT kobatela.current_actor()").fetchone()
                outcome.append("ok")
            except psycopg.Error as error:
                outcome.append(type(error).__name__)
    return " ".join(outcome)
print("default: %s; prepare_threshold=None: %s" % (run(5), run(None)))
PY
check_eq "unsafe: psycopg's default (prepare after 5 executions) makes the second client collide with the first's prepared statement; prepare_threshold=None does not" \
  "default: ok DuplicatePreparedStatement; prepare_threshold=None: ok ok" \
  "$("$python" "$tmp/prepared.py" "$(pool "$one")" 2>&1)"
through "$one" "$app" -c "DEALLOCATE ALL"

# LISTEN: the backend that listens is handed to other clients; the notification never reaches the
# client that asked for it. Directly, or through a session pool, it does.
cat >"$tmp/listen.py" <<'PY'
import select, sys, time
import psycopg
direct, session, transaction = (psycopg.connect(dsn, autocommit=True) for dsn in sys.argv[1:4])
got = {}
for name, conn in (("direct", direct), ("session pool", session), ("transaction pool", transaction)):
    got[name] = 0
    conn.add_notify_handler(lambda n, name=name: got.__setitem__(name, got[name] + 1))
    conn.execute("LISTEN kobatela_events")
writer = psycopg.connect(sys.argv[1], autocommit=True)
time.sleep(0.2)  # past the coalescing window of earlier notifications (docs/events.md)
writer.execute("SELECT kobatela.create_user('ops_pool_listen', 'ops_pool_listen@example.com')")  # as a superuser: admin
deadline = time.monotonic() + 10
while got["direct"] == 0 and time.monotonic() < deadline:
    if select.select([direct.fileno()], [], [], 0.5)[0]:
        direct.execute("SELECT 1")
for name, conn in (("session pool", session), ("transaction pool", transaction)):
    deadline = time.monotonic() + 2
    while got[name] == 0 and time.monotonic() < deadline:
        select.select([conn.fileno()], [], [], 0.5)
        try:
            conn.execute("SELECT 1")
        except psycopg.Error:
            break
print(", ".join("%s %d" % kv for kv in got.items()))
PY
check_eq "unsafe: a LISTEN through the transaction pool is never notified (directly or through a session pool it is)" \
  "direct 1, session pool 1, transaction pool 0" \
  "$("$python" "$tmp/listen.py" "dbname=$db" "$(pool "${db}_session")" "$(pool "$one")" 2>&1)"

pid_lock=$(through "$one" "$app" -c "SELECT pg_advisory_lock(4242)" -c "SELECT pg_backend_pid()" | tail -1)
check_eq "unsafe: a session-level advisory lock taken by one client is held for the next one: it takes it too (the same backend)..." \
  "$pid_lock|true" "$(through "$one" "$app" -c "SELECT pg_backend_pid() || '|' || pg_try_advisory_lock(4242)")"
check_eq "... while a connection of its own cannot" "f" "$(q -d "$db" -c "SELECT pg_try_advisory_lock(4242)")"
through "$one" "$app" -c "SELECT pg_advisory_unlock_all()" >/dev/null

through "${db}_statement" "$app" -v k="$key_a" >"$tmp/statement.out" 2>&1 <<'SQL'
BEGIN;
SELECT kobatela.authenticate(:'k');
SELECT kobatela.current_actor();
COMMIT;
SQL
check "statement pooling refuses Kobatela's transactions (authenticate and the call in one transaction)" \
  grep -q 'transaction blocks not allowed in statement pooling mode' "$tmp/statement.out"

pid_session=$(through "${db}_session" "$app" -c "SET request.headers = '{\"idempotency-key\": \"ops-session\"}'" -c "SELECT pg_backend_pid()")
check_eq "session pooling: the next client on the same backend finds none of the previous client's session settings (DISCARD ALL)" \
  "$pid_session|" \
  "$(through "${db}_session" "$app" -c "SELECT pg_backend_pid() || '|' || coalesce(current_setting('request.headers', true), '')")"

if done_testing; then
  stop_pgbouncer
  q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "DROP ROLE IF EXISTS $app" -c "DROP ROLE IF EXISTS $ops" >/dev/null 2>&1
  rm -f "$pepper_file"
  exit 0
fi
diag "$tmp/pgbouncer/pgbouncer.log" 30
exit 1
