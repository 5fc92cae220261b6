#!/usr/bin/env bash
# clients.sh — the example clients (examples/clients/, docs/clients.md) end to end: the Python one
# (Debian's python3 with python3-psycopg) and the Node one (node-postgres from Debian's node-pg, as
# scripts/ensure_node_pg.sh provides it), each connecting as a login role that is only a member of
# kobatela_anon, so that every call is allowed by the API key its transaction authenticates:
#
#   * the story: users registered, an escrow created and funded under idempotency keys and the same
#     request again (the same escrow, one deposit), a payee, a keyed spend and its replay (one
#     payment), a list page read in a READ ONLY transaction;
#   * each deliberate mistake mapped by SQLSTATE and Kobatela's code: a bad amount 400 BAD_AMOUNT
#     (PT400), insufficient funds 409 INSUFFICIENT_ESCROW_BALANCE (PT409), an unknown escrow 404
#     ESCROW_NOT_FOUND (PT404), a bad key 401 UNAUTHORIZED (PT401); both clients answer the story
#     the same way; failing requests write nothing (every table's rows the same before and after);
#   * the retry: the client spends at REPEATABLE READ and waits, after its first call, for an
#     advisory lock the test holds while it commits a spend of the same escrow from another
#     session; the client's first attempt fails with 40001, the second succeeds: two attempts, one
#     payment for its idempotency key, the escrow's paid amount counts it once;
#   * a connection lost in the middle of a request (the other session terminates the client's
#     backend at the rendezvous): 503 UNAVAILABLE, nothing paid; the same request sent again with its
#     idempotency key pays once;
#   * no API key in the clients' output, nor in the server log, where every statement of theirs is
#     logged (log_parameter_max_length = 0 for their role); check_invariants() empty at the end.
#
# Runs against the cluster in PGHOST/PGPORT/PGUSER (a superuser); prints TAP lines.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$here/lib.sh"
source "$here/helpers.bash"
cd "$here/../.." || exit 1

db=ops_clients
app=ops_clients_app     # the applications' login role (roles are the cluster's: dropped at the end)
lock=72017              # the retry's rendezvous (an advisory lock number)
python=/usr/bin/python3
export PGDATABASE=$db

# wait_until SECONDS COMMAND...: polls until the command succeeds (a bound on the wait, not a timing claim).
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -lt $deadline ] || return 1; sleep 0.1; done
}

holder= pepper_file=
cleanup() {
  [ -n "$holder" ] && kill "$holder" 2>/dev/null
  drop_db "$db"
  q -d postgres -c "DROP ROLE IF EXISTS $app" >/dev/null 2>&1
  rm -f "$pepper_file"
  rm -rf "$tmp"
}
trap cleanup EXIT

recreate_db "$db" || bail_out "cannot create $db"
pepper_file=$(q -d postgres -c "SHOW data_directory")/kobatela-ops-clients-pepper
q -d postgres -c "COPY (SELECT 'ops-clients-pepper-do-not-log') TO PROGRAM 'umask 077 && cat > ''$pepper_file'''" >/dev/null
q -d postgres -c "ALTER DATABASE $db SET kobatela.api_key_pepper_file = '$pepper_file'" >/dev/null
q -c 'CREATE EXTENSION kobatela' >/dev/null 2>"$tmp/out" || { diag "$tmp/out"; bail_out "CREATE EXTENSION kobatela"; }
# Every statement of the clients is logged, with the recipe of docs/clients.md that keeps the key
# (a bound parameter) out of the log all the same.
q -d postgres -c "DROP ROLE IF EXISTS $app" -c "CREATE ROLE $app LOGIN IN ROLE kobatela_anon" \
  -c "ALTER ROLE $app SET log_min_duration_statement = 0" -c "ALTER ROLE $app SET log_parameter_max_length = 0" \
  >/dev/null 2>"$tmp/out" || { diag "$tmp/out"; bail_out "creates the login role $app"; }
platform_key=$(q -c "SELECT api_key FROM kobatela.create_api_key('ops clients platform', 'sender')")
[ -n "$platform_key" ] || bail_out "a sender key is created"

check "python3 has psycopg 3 (python3-psycopg)" "$python" -c 'import psycopg; assert psycopg.__version__ >= "3"'
if node_path=$(scripts/ensure_node_pg.sh 2>"$tmp/out"); then ok "scripts/ensure_node_pg.sh provides node-postgres${node_path:+ in $node_path}"
else diag "$tmp/out"; bail_out "scripts/ensure_node_pg.sh provides node-postgres"; fi
export NODE_PATH=$node_path
check_eq "node finds Debian's node-pg (under a usr/share/nodejs)" "usr/share/nodejs/pg/lib/index.js" \
  "$(node -e 'console.log(require.resolve("pg"))' 2>&1 | grep -o 'usr/share/nodejs/pg/lib/index.js')"

# client LANG ARGS...: runs a client as the applications' role with the platform's key.
client() {
  local lang=$1; shift
  case $lang in
    python) PGUSER=$app KOBATELA_API_KEY=$platform_key "$python" examples/clients/python_client.py "$@" ;;
    node) PGUSER=$app KOBATELA_API_KEY=$platform_key node examples/clients/node_client.js "$@" ;;
  esac
}
# answer FILE REQUEST JQ: a field of one request's answer line.
answer() { jq -r --arg r "$2" "select(.request == \$r) | $3" "$1"; }
# mistakes_mapped LANG FILE: each deliberate mistake's answer (status, code, SQLSTATE).
mistakes_mapped() {
  check_eq "$1: a bad amount is 400 BAD_AMOUNT (PT400)" "400 BAD_AMOUNT PT400" \
    "$(answer "$2" bad_amount '"\(.status) \(.code) \(.sqlstate)"')"
  check_eq "$1: insufficient funds are 409 INSUFFICIENT_ESCROW_BALANCE (PT409)" "409 INSUFFICIENT_ESCROW_BALANCE PT409" \
    "$(answer "$2" insufficient_funds '"\(.status) \(.code) \(.sqlstate)"')"
  check_eq "$1: an unknown escrow is 404 ESCROW_NOT_FOUND (PT404)" "404 ESCROW_NOT_FOUND PT404" \
    "$(answer "$2" unknown_escrow '"\(.status) \(.code) \(.sqlstate)"')"
  check_eq "$1: a bad key is 401 UNAUTHORIZED (PT401), with its HINT" \
    "401 UNAUTHORIZED PT401 Check the key: it may be mistyped, revoked or expired." \
    "$(answer "$2" bad_key '"\(.status) \(.code) \(.sqlstate) \(.hint)"')"
}
key_secret=${platform_key#*.}
no_key_in() { ! grep -qF -e "$platform_key" -e "$key_secret" "$@"; }

row_digest_query "$db" >"$tmp/digest.sql"

# hold_rendezvous SQL: another session takes the rendezvous lock, waits until a client queues on it,
# runs SQL, and releases the lock; release_rendezvous waits for it to end (holder_status, holder_out).
hold_rendezvous() {
  cat >"$tmp/holder.sql" <<SQL
SELECT pg_advisory_lock($lock) \g /dev/null
DO \$\$
BEGIN
    FOR i IN 1..600 LOOP   -- at most 60 s
        IF EXISTS (SELECT FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND objid = $lock AND NOT granted
                   AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())) THEN
            RETURN;
        END IF;
        PERFORM pg_catalog.pg_sleep(0.1);
    END LOOP;
    RAISE EXCEPTION 'no client waited at the rendezvous';
END \$\$;
$1
SELECT pg_advisory_unlock($lock) \g /dev/null
SQL
  q -f "$tmp/holder.sql" >"$tmp/holder.out" 2>&1 &
  holder=$!
  wait_until 60 lock_held || { diag "$tmp/holder.out"; bail_out "the test session holds the rendezvous lock"; }
}
lock_held() { [ "$(q -c "SELECT count(*) FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND objid = $lock AND granted")" = 1 ]; }
release_rendezvous() {
  wait "$holder"
  holder_status=$?
  holder=
  holder_out=$(cat "$tmp/holder.out")
  [ "$holder_status" -eq 0 ] || diag "$tmp/holder.out"
}

for lang in python node; do
  # ---- the story ------------------------------------------------------------------------------------
  client "$lang" story --run "$lang" >"$tmp/$lang.story" 2>"$tmp/$lang.story.err"
  status=$?
  [ "$status" -eq 0 ] || { diag "$tmp/$lang.story"; diag "$tmp/$lang.story.err"; }
  check_eq "$lang: the story runs to its end" 0 "$status"
  check_eq "$lang: it answers 11 requests, 7 with 200" "11 7" \
    "$(jq -s '"\(length) \(map(select(.status == 200)) | length)"' -r "$tmp/$lang.story")"
  escrow=$(answer "$tmp/$lang.story" create_and_fund .result.escrow_id)
  check_eq "$lang: create_and_fund makes a FUNDED escrow of 300.00 with one deposit" "FUNDED 300.00 1" \
    "$(answer "$tmp/$lang.story" create_and_fund '"\(.result.status) \(.result.deposited) \(.result.deposits)"')"
  check_eq "$lang: the same request again answers the same escrow, still one deposit" "$escrow FUNDED 1" \
    "$(answer "$tmp/$lang.story" create_and_fund_again '"\(.result.escrow_id) \(.result.status) \(.result.deposits)"')"
  check_eq "$lang: ... one escrow and one deposit in the database for its keys" "1|1" \
    "$(q -c "SELECT (SELECT count(*) FROM kobatela.escrow_agreements WHERE idempotency_key = '$lang-escrow'),
                    (SELECT count(*) FROM kobatela.escrow_deposits WHERE escrow_id = $escrow)")"
  payment=$(answer "$tmp/$lang.story" spend .result.payment_id)
  check_eq "$lang: the keyed spend is SENT, 40.00; its replay answers the same payment" "SENT 40.00 $payment" \
    "$(answer "$tmp/$lang.story" spend '"\(.result.status) \(.result.amount)"') $(answer "$tmp/$lang.story" spend_again .result.payment_id)"
  check_eq "$lang: ... one payment in the database for its key" 1 \
    "$(q -c "SELECT count(*) FROM kobatela.payments WHERE idempotency_key = '$lang-spend-1'")"
  check_eq "$lang: the list page (READ ONLY) shows the escrow's payment" '200 ["SENT 40.00"]' \
    "$(answer "$tmp/$lang.story" list_page '"\(.status) \(.result.payments | tojson)"')"
  mistakes_mapped "$lang" "$tmp/$lang.story"
  check "$lang: the API key is in none of its output" no_key_in "$tmp/$lang.story" "$tmp/$lang.story.err"

  # ---- failing requests write nothing -------------------------------------------------------------
  row_digests "$db" "$tmp/digest.sql" >"$tmp/$lang.before"
  client "$lang" errors --escrow "$escrow" >"$tmp/$lang.errors" 2>"$tmp/$lang.errors.err"
  check_eq "$lang: the mistakes alone run (exit 0)" 0 $?
  mistakes_mapped "$lang (alone)" "$tmp/$lang.errors"
  row_digests "$db" "$tmp/digest.sql" >"$tmp/$lang.after"
  compare_files "$lang: the failing requests wrote nothing (every table's rows are the same)" \
    "$tmp/$lang.before" "$tmp/$lang.after" before after

  # ---- the retry ------------------------------------------------------------------------------------
  # Another session holds the rendezvous lock; once the client waits for it (after its first call,
  # in its REPEATABLE READ snapshot), it commits a spend of the same escrow and lets the client go on.
  hold_rendezvous "SELECT status FROM kobatela.spend($escrow, 'clinic', 10, 'concurrent', '$lang-concurrent-1');"
  KOBATELA_CLIENT_RENDEZVOUS=$lock client "$lang" spend --escrow "$escrow" --payee clinic --amount 5.00 \
    --idempotency-key "$lang-retry-1" --isolation repeatable-read >"$tmp/$lang.retry" 2>"$tmp/$lang.retry.err"
  status=$?
  release_rendezvous
  check_eq "$lang: the other session committed its spend of the same escrow meanwhile" "0 SENT" "$holder_status $holder_out"
  [ "$status" -eq 0 ] || { diag "$tmp/$lang.retry"; diag "$tmp/$lang.retry.err"; }
  check_eq "$lang: the spend at REPEATABLE READ succeeds after 2 attempts" "0 200 SENT 2" \
    "$status $(answer "$tmp/$lang.retry" spend '"\(.status) \(.result.status) \(.attempts)"')"
  check_eq "$lang: ... its first attempt failed with a serialization failure (40001)" 1 \
    "$(grep -c 'attempt 1 failed with 40001 (SERIALIZATION_FAILURE), retrying in' "$tmp/$lang.retry.err")"
  check_eq "$lang: ... one payment for its key, one for the other session's" "1|1" \
    "$(q -c "SELECT (SELECT count(*) FROM kobatela.payments WHERE idempotency_key = '$lang-retry-1'),
                    (SELECT count(*) FROM kobatela.payments WHERE idempotency_key = '$lang-concurrent-1')")"
  check_eq "$lang: ... the escrow paid 40.00 + 10.00 + 5.00, each once" "55.00" \
    "$(q -c "SELECT paid_amount FROM kobatela.escrow_agreements WHERE id = $escrow")"
  retry_payment=$(answer "$tmp/$lang.retry" spend .result.payment_id)
  client "$lang" spend --escrow "$escrow" --payee clinic --amount 5.00 --idempotency-key "$lang-retry-1" \
    >"$tmp/$lang.replay" 2>"$tmp/$lang.stderr"
  check_eq "$lang: the same spend sent again answers the same payment at once, and pays nothing more" \
    "200 $retry_payment 1 55.00" \
    "$(answer "$tmp/$lang.replay" spend '"\(.status) \(.result.payment_id) \(.attempts)"') $(q -c "SELECT paid_amount FROM kobatela.escrow_agreements WHERE id = $escrow")"
  check "$lang: the API key is in none of the retry's output" no_key_in "$tmp/$lang.retry" "$tmp/$lang.retry.err"

  # ---- a connection lost in the middle of a request -------------------------------------------------
  # This time the other session terminates the client's backend while it waits at the rendezvous.
  hold_rendezvous "SELECT count(pg_catalog.pg_terminate_backend(pid)) FROM pg_catalog.pg_locks
                   WHERE locktype = 'advisory' AND objid = $lock AND NOT granted;"
  KOBATELA_CLIENT_RENDEZVOUS=$lock client "$lang" spend --escrow "$escrow" --payee clinic --amount 7.00 \
    --idempotency-key "$lang-lost-1" >"$tmp/$lang.lost" 2>"$tmp/$lang.stderr"
  status=$?
  release_rendezvous
  check_eq "$lang: the other session terminated the client's backend" "0 1" "$holder_status $holder_out"
  check_eq "$lang: a connection lost mid-request is 503 UNAVAILABLE (exit 1), nothing paid" "1 503 UNAVAILABLE 0" \
    "$status $(answer "$tmp/$lang.lost" spend '"\(.status) \(.code)"') $(q -c "SELECT count(*) FROM kobatela.payments WHERE idempotency_key = '$lang-lost-1'")"
  client "$lang" spend --escrow "$escrow" --payee clinic --amount 7.00 --idempotency-key "$lang-lost-1" \
    >"$tmp/$lang.lost.again" 2>"$tmp/$lang.stderr"
  check_eq "$lang: the same request sent again with its key pays once" "200 SENT 1 62.00" \
    "$(answer "$tmp/$lang.lost.again" spend '"\(.status) \(.result.status)"') $(q -c "SELECT count(*) FROM kobatela.payments WHERE idempotency_key = '$lang-lost-1'") $(q -c "SELECT paid_amount FROM kobatela.escrow_agreements WHERE id = $escrow")"
done

# The two clients answer the story the same way, ids and the number of escrows listed aside.
same_story() { jq -c 'del(.result.client_id, .result.provider_id, .result.escrow_id, .result.payment_id, .result.escrows)' "$1"; }
same_story "$tmp/python.story" >"$tmp/python.same"
same_story "$tmp/node.story" >"$tmp/node.same"
compare_files "the Python and the Node client answer the story alike" "$tmp/python.same" "$tmp/node.same" python node

check_eq "check_invariants() is empty: the books hold" 0 "$(q -c "SELECT count(*) FROM kobatela.check_invariants()")"
check_eq "the audit chain verifies" t "$(q -c "SELECT kobatela.verify_audit_chain()")"
server_log=$(dirname "$(q -c "SHOW data_directory")")/server.log
if [ -r "$server_log" ]; then
  check "the clients' statements were logged ($server_log)" grep -qF 'execute <unnamed>: SELECT kobatela.authenticate($1)' "$server_log"
  check "... but not the API key" no_key_in "$server_log"
else
  not_ok "the server log is readable ($server_log, scripts/cluster.sh's)"
fi

done_testing
