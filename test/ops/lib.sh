# lib.sh — sourced by the operations suites (test/ops/*.sh), which test what a DBA does from the
# shell: pg_cron jobs, dump and restore, upgrades, the Debian package.
#
# Each check prints one TAP line ("ok N - what" / "not ok N - what"); scripts/run_tests.sh counts
# them. A suite ends with `done_testing`, which fails the script when any check failed.
# The suites run against the test cluster: PGHOST, PGPORT and PGUSER are set by run_tests.sh.

checks=0
failures=0

ok()     { checks=$((checks + 1)); echo "ok $checks - $1"; }
not_ok() { checks=$((checks + 1)); failures=$((failures + 1)); echo "not ok $checks - $1"; }

# check "what" command [args...]: passes when the command exits 0.
check() {
  local what=$1; shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# check_eq "what" expected actual
check_eq() {
  if [ "$2" = "$3" ]; then ok "$1"; else
    not_ok "$1"
    printf '#   expected: %s\n#   actual:   %s\n' "$2" "$3"
  fi
}

# q [psql args...]: one query's result, unaligned, tuples only; stops on the first error.
q() { psql -X -qAt -v ON_ERROR_STOP=1 "$@"; }

# bail_out "why": the suite cannot go on; counted as one failure.
bail_out() {
  not_ok "$1"
  echo "1..$checks"
  exit 1
}

done_testing() {
  echo "1..$checks"
  [ "$failures" -eq 0 ]
}

# make_var NAME: the Makefile's value of a variable (e.g. REGRESS), as make sees it.
make_var() {
  make -s --no-print-directory -f Makefile -f - kobatela-print-var <<<"kobatela-print-var: ; @echo \$($1)"
}
