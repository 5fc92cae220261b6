#!/usr/bin/env bash
# `make test`: every suite, in order, then one line "N passed, M failed".
#
#   1. build with -Wall -Wextra -Werror       (a failed build counts as one failure), and the
#      test-only probes (test/probes/)
#   2. C++ unit tests of the pure core        (GoogleTest, under ASan + UBSan)
#   3. install (with the probes), start a throwaway cluster
#   4. pg_regress: test/sql/*.sql             (API slice, bridge barrier, bad input): make installcheck,
#      then make installcheck-dev (the Makefile's REGRESS_DEV: what needs the probes and prepared
#      transactions, which plain installcheck leaves out)
#   5. isolation: test/isolation/specs/*.spec (concurrency)
#   6. pgTAP via pg_prove: test/pgtap/*.sql
#   7. operations suites: test/ops/*.sh (shell, TAP lines: benchmark drivers, clients, pg_cron, the demo, dump/restore, the event consumer, PgBouncer, PostgREST's configuration, a hot standby, upgrade, release files, installcheck on a README server, package)
# Exit status is non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

port=${KOBATELA_TEST_PORT:-54330}
logs=build/test-logs
passed=0
failed=0

banner() { printf '\n==== %s\n' "$*"; }
finish() {
  scripts/cluster.sh stop test >/dev/null 2>&1 || true
  printf '\n%d passed, %d failed\n' "$passed" "$failed"
  [ "$failed" -eq 0 ]
  exit
}
count_lines() { grep -cE "$1" "$2" || true; }

mkdir -p "$logs"

# The developers' build: warnings are errors (plain make, make install and the package never make
# them so). Exported so that every make of this run, the suites' own `make install` included,
# compiles with the same flags: the Makefile rebuilds everything when they change.
export KOBATELA_WERROR=1

banner "build (warnings are errors)"
if ! make -s all probes >"$logs/build.log" 2>&1; then
  cat "$logs/build.log"; failed=$((failed + 1)); finish
fi
passed=$((passed + 1))

banner "C++ unit tests (GoogleTest, ASan + UBSan)"
make -s -C test/unit run 2>&1 | tee "$logs/unit.log"
unit_status=${PIPESTATUS[0]}
unit_passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\?\..*/\1/p' "$logs/unit.log" | tail -1)
unit_failed=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) tests\?, listed below.*/\1/p' "$logs/unit.log" | tail -1)
passed=$((passed + ${unit_passed:-0}))
failed=$((failed + ${unit_failed:-0}))
if [ "$unit_status" -ne 0 ] && [ "${unit_failed:-0}" -eq 0 ]; then failed=$((failed + 1)); fi

banner "install and start a throwaway cluster (port $port)"
# install-probes: test/sql/bridge.sql declares its probe in $libdir/koba_test_probes.
if ! make -s install install-probes >"$logs/install.log" 2>&1; then
  cat "$logs/install.log"; failed=$((failed + 1)); finish
fi
if ! cluster_env=$(scripts/cluster.sh start test "$port"); then
  cat /var/tmp/kobatela-test/server.log 2>/dev/null; failed=$((failed + 1)); finish
fi
eval "$cluster_env"

banner "pg_regress and isolation tests"
make -s installcheck 2>&1 | tee "$logs/installcheck.log"
regress_status=${PIPESTATUS[0]}
banner "pg_regress tests that need this server (make installcheck-dev: probes, prepared transactions)"
make -s installcheck-dev 2>&1 | tee -a "$logs/installcheck.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || regress_status=1
regress_ok=$(count_lines '\.\.\. ok' "$logs/installcheck.log")
regress_failed=$(count_lines '\.\.\. FAILED|\.\.\. failed' "$logs/installcheck.log")
passed=$((passed + regress_ok))
failed=$((failed + regress_failed))
for diffs in test/regression.diffs test/isolation/regression.diffs test/dev/regression.diffs; do
  if [ -s "$diffs" ]; then banner "$diffs"; head -c 20000 "$diffs"; fi
done
if [ "$regress_status" -ne 0 ] && [ "$regress_failed" -eq 0 ]; then
  failed=$((failed + 1))
fi

banner "pgTAP (pg_prove)"
db=kobatela_tap
psql -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" \
  && psql -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION kobatela'
pg_prove -d "$db" test/pgtap/*.sql 2>&1 | tee "$logs/pgtap.log"
tap_status=${PIPESTATUS[0]}
tap_total=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$logs/pgtap.log" | tail -1)
tap_failed=$(sed -n 's/.*Failed \([0-9]*\)\/[0-9]* subtests.*/\1/p' "$logs/pgtap.log" | awk '{s += $1} END {print s + 0}')
if [ "$tap_status" -ne 0 ] && [ "$tap_failed" -eq 0 ]; then tap_failed=1; fi
passed=$((passed + ${tap_total:-0} - tap_failed))
[ "$passed" -lt 0 ] && passed=0
failed=$((failed + tap_failed))

banner "operations suites (test/ops/*.sh: benchmark drivers, clients, pg_cron, the demo, dump/restore, the event consumer, PgBouncer, PostgREST's configuration, a hot standby, upgrade, release files, installcheck on a README server, package)"
for suite in test/ops/*.sh; do
  [ "$(basename "$suite")" = lib.sh ] && continue
  echo "-- $suite"
  suite_log="$logs/ops-$(basename "$suite" .sh).log"
  bash "$suite" 2>&1 | tee "$suite_log"
  suite_status=${PIPESTATUS[0]}
  suite_ok=$(count_lines '^ok [0-9]+' "$suite_log")
  suite_failed=$(count_lines '^not ok [0-9]+' "$suite_log")
  passed=$((passed + suite_ok))
  failed=$((failed + suite_failed))
  if [ "$suite_status" -ne 0 ] && [ "$suite_failed" -eq 0 ]; then
    echo "$suite exited with status $suite_status"; failed=$((failed + 1))
  fi
done

banner "no secret in the server log"
# The suites use secrets marked do-not-log / do_not_print / SECRETMARKER, some in failing calls.
if grep -nE 'do-not-log|do_not_print|SECRETMARKER' /var/tmp/kobatela-test/server.log; then
  echo "a secret reached the server log (lines above)"; failed=$((failed + 1))
else
  echo "ok"; passed=$((passed + 1))
fi

finish
