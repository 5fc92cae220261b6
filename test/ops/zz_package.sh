#!/usr/bin/env bash
# zz_package.sh — the Debian package postgresql-15-kobatela (META.json, LICENSE, CHANGELOG.md and
# make dist: test/ops/release_files.sh).
#
#   1. debian/changelog's version is kobatela.control's default_version
#   2. dpkg-buildpackage builds the .deb from a copy of the working tree (tracked files and
#      untracked ones that are not ignored, so uncommitted work is packaged too); the build runs
#      make installcheck against the files it packages (debian/rules, override_dh_pgxs_test), in a
#      pg_virtualenv cluster preloading pg_cron and kobatela on port 54339, and every test passes
#   3. the .deb holds kobatela.so (no RPATH), the control file, the install scripts and the
#      upgrade script
#   4. dpkg -i; a fresh cluster "pkg" (port 54339) runs CREATE EXTENSION and real calls, and
#      updates 0.1.0 to the new version; the package's autopkgtest (debian/tests) passes, run by
#      autopkgtest with the null runner (the suites against the installed package, port 54339
#      again); dpkg --purge removes every file; `make -s install` restores the developer install
#
# Step 4 changes the system-wide extension files, so it holds /tmp/kobatela-install.lock from
# dpkg -i to the restoring `make install`; the EXIT trap stops the cluster, purges the package and
# restores the developer install on failure too. Runs on its own cluster: no PG environment needed.
# Build logs: build/test-logs/package-*.log (their tail is printed on failure).
# As root only (apt-get, dpkg -i): otherwise steps 2 to 4 are skipped.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/ops/lib.sh

repo=$PWD
logs=$repo/build/test-logs
work=$repo/build/package
port=${KOBATELA_PACKAGE_PORT:-54339}
pkg=postgresql-15-kobatela
lock=/tmp/kobatela-install.lock
pg_config=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
mkdir -p "$logs"

# Prints a log's tail as TAP comments.
show_tail() { tail -n "${2:-25}" "$1" 2>/dev/null | sed 's/^/#   /'; }

version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" kobatela.control)

# --- 1. Versions -----------------------------------------------------------------------------
# (META.json, LICENSE, CHANGELOG.md and make dist: test/ops/release_files.sh.)
check_eq "debian/changelog is at version $version-N (kobatela.control's)" "$version" \
  "$(sed -n '1s/^kobatela (\([^-]*\)-[0-9][^)]*).*/\1/p' debian/changelog)"

if [ "$(id -u)" -ne 0 ]; then
  echo "# skipped: building and installing the Debian package need root (apt-get, dpkg -i)"
  done_testing; exit
fi

# --- 2. Build --------------------------------------------------------------------------------
# What make test needs (server, pg_cron, compiler), then what the package build needs.
scripts/ensure_deps.sh >"$logs/package-deps.log" 2>&1 || { show_tail "$logs/package-deps.log"; }
# (dpkg-buildpackage also requires build-essential; readelf is in binutils.)
packaging=(build-essential debhelper dpkg-dev binutils postgresql-server-dev-all postgresql-15-cron autopkgtest)
missing=()
for p in "${packaging[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "# installing Debian packages: ${missing[*]}"
  { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq \
      && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >>"$logs/package-deps.log" 2>&1
fi
check "packaging tools installed (debhelper, pg_buildext, autopkgtest)" \
  bash -c 'command -v dh pg_buildext dpkg-buildpackage readelf autopkgtest >/dev/null'
check "debian/control is up to date with debian/control.in" pg_buildext checkcontrol

rm -rf "$work"
src=$work/kobatela-$version
mkdir -p "$src"
# Tracked files and untracked ones that are not ignored, as they are in the working tree
# (files deleted but not yet committed are left out). Outside a git checkout: everything but
# build products.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z -co --exclude-standard \
    | while IFS= read -r -d '' f; do if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi; done \
    | xargs -0 -r cp -P --parents -t "$src"
else
  tar -c --exclude=./.git --exclude=./build --exclude=./test/unit/build \
      --exclude='*.o' --exclude='*.so' --exclude='*.d' --exclude='*.bc' . | tar -x -C "$src"
fi
check "the working tree is copied to build/package" test -f "$src/debian/rules" -a -f "$src/Makefile"

build_log=$logs/package-build.log
started=$SECONDS
# The build's tests run in a pg_virtualenv cluster, which takes its port from PGPORT (make test
# exports the test cluster's): this suite's own port, free while the package builds.
(cd "$src" && PGPORT=$port dpkg-buildpackage -us -uc -b) >"$build_log" 2>&1
build_status=$?
deb=$work/${pkg}_$(sed -n '1s/^kobatela (\([^)]*\)).*/\1/p' debian/changelog)_$(dpkg --print-architecture).deb
if [ "$build_status" -eq 0 ] && [ -f "$deb" ]; then
  ok "dpkg-buildpackage builds $(basename "$deb") ($((SECONDS - started)) s)"
else
  not_ok "dpkg-buildpackage builds $(basename "$deb") (log: $build_log)"
  show_tail "$build_log" 40
  done_testing; exit
fi
check "the build runs make installcheck with pg_cron and kobatela preloaded, against the files it packages" \
  grep -qxF 'pg_buildext -o shared_preload_libraries=pg_cron,kobatela installcheck . . postgresql-%v-kobatela' "$build_log"
n_regress=$(wc -w <<<"$(make_var REGRESS)")
n_isolation=$(wc -w <<<"$(make_var ISOLATION)")
check_eq "every test of the build's installcheck passes ($n_regress pg_regress, $n_isolation isolation)" \
  "All $n_regress tests passed.|All $n_isolation tests passed." \
  "$(grep -oE '(All [0-9]+ tests passed|[0-9]+ of [0-9]+ tests failed)\.' "$build_log" | paste -sd'|')"

# --- 3. Contents -----------------------------------------------------------------------------
listing=$(dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|')
libdir=$("$pg_config" --pkglibdir)
extdir=$("$pg_config" --sharedir)/extension
# The library, the control file, the current install script, and every earlier install script
# and upgrade script in sql/versions (0.1.0 and 0.1.0 -> 0.2.0 at least).
expected=$(printf '%s\n' kobatela.control "kobatela--$version.sql" kobatela--0.1.0.sql kobatela--0.1.0--0.2.0.sql \
             $(cd sql/versions && ls kobatela--*.sql 2>/dev/null) | sort -u)
for f in "$libdir/kobatela.so" $(sed "s|^|$extdir/|" <<<"$expected"); do
  check "the package holds $f" grep -qxF "$f" <<<"$listing"
done
check_eq "package name and version" "$pkg $(sed -n '1s/^kobatela (\([^)]*\)).*/\1/p' debian/changelog)" \
  "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)"
check "the package depends on postgresql-15 and libssl3" \
  bash -c 'd=$(dpkg-deb -f "$1" Depends); [[ $d == *postgresql-15* && $d == *libssl3* ]]' _ "$deb"
rm -rf "$work/contents"
dpkg-deb -x "$deb" "$work/contents"
check "kobatela.so has no RPATH or RUNPATH" \
  bash -c '! readelf -d "$1" | grep -qE "RPATH|RUNPATH"' _ "$work/contents$libdir/kobatela.so"
check "kobatela.so is stripped (debug symbols in the -dbgsym package)" \
  bash -c '! readelf -S "$1" | grep -q "\.debug_info"' _ "$work/contents$libdir/kobatela.so"

# --- 4. Install, use, purge, restore ---------------------------------------------------------
install_log=$logs/package-install.log
: >"$install_log"
cluster_started=no
restored=no
locked=no

# Purges the package when it is there (even half-installed).
restore_purge() {
  local status
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)
  if [ -n "$status" ] && [ "$status" != not-installed ]; then
    dpkg --purge "$pkg" >>"$install_log" 2>&1 || true
  fi
}

restore() {
  if [ "$cluster_started" = yes ]; then
    scripts/cluster.sh stop pkg >>"$install_log" 2>&1 || true
    cluster_started=no
  fi
  [ "$locked" = yes ] || return 0    # the system-wide files are not ours to touch without the lock
  restore_purge
  if [ "$restored" = no ]; then
    echo "# restoring the developer install (make -s install)"
    make -s -C "$repo" install >>"$install_log" 2>&1 || show_tail "$install_log"
    restored=yes
  fi
  flock -u 9
  locked=no
}
trap restore EXIT
trap 'exit 130' INT TERM

exec 9>"$lock"
if ! flock -w 1200 9; then
  not_ok "got $lock within 20 minutes"; done_testing; exit
fi
locked=yes

# A package left by an interrupted run goes first; then the developer install's files, so that
# the cluster below sees the package's files only (a file the package lacks must not be found).
restore_purge
rm -f "$libdir/kobatela.so" "$extdir/kobatela.control" "$extdir"/kobatela--*.sql

if dpkg -i "$deb" >>"$install_log" 2>&1; then
  ok "dpkg -i $(basename "$deb")"
else
  not_ok "dpkg -i $(basename "$deb")"; show_tail "$install_log"
fi
check_eq "dpkg knows $pkg as installed" "install ok installed" \
  "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)"
check "the installed files are the package's (dpkg --verify)" \
  bash -c '[ -z "$(dpkg --verify "$1" 2>&1)" ]' _ "$pkg"
check "every kobatela file installed belongs to the package" \
  bash -c 'for f in "$2/kobatela.so" "$3"/kobatela*; do dpkg -S "$f" 2>/dev/null | grep -q "^$1:" || exit 1; done' \
  _ "$pkg" "$libdir" "$extdir"

if cluster_env=$(scripts/cluster.sh start pkg "$port" 2>>"$install_log"); then
  cluster_started=yes
  eval "$cluster_env"
  ok "a fresh cluster with kobatela preloaded starts (port $port)"
else
  not_ok "a fresh cluster with kobatela preloaded starts (port $port)"
  show_tail /var/tmp/kobatela-pkg/server.log
fi

if [ "$cluster_started" = yes ]; then
  check "CREATE EXTENSION kobatela" q -d postgres -c 'CREATE EXTENSION kobatela'
  check_eq "kobatela.health() reports version $version" "$version" \
    "$(q -d postgres -c "SELECT kobatela.health()->>'version'" 2>&1)"
  check "kobatela.error_catalogue() lists error codes" \
    test "$(q -d postgres -c 'SELECT count(*) FROM kobatela.error_catalogue()' 2>/dev/null || echo 0)" -gt 0
  check_eq "kobatela.create_user writes a user" "pkg_amara 1" \
    "$(q -d postgres -c "SELECT username FROM kobatela.create_user('pkg_amara', 'pkg_amara@example.com')" \
         -c "SELECT count(*) FROM kobatela.users WHERE username = 'pkg_amara'" 2>&1 | paste -sd' ')"
  check_eq "the packaged scripts update 0.1.0 to $version" "0.1.0 $version" \
    "$(q -d postgres -c 'CREATE DATABASE pkg_upgrade' >/dev/null 2>&1
       q -d pkg_upgrade -c "CREATE EXTENSION kobatela VERSION '0.1.0'" \
         -c "SELECT extversion FROM pg_extension WHERE extname = 'kobatela'" \
         -c 'ALTER EXTENSION kobatela UPDATE' \
         -c "SELECT extversion FROM pg_extension WHERE extname = 'kobatela'" 2>&1 | paste -sd' ')"
  scripts/cluster.sh stop pkg >>"$install_log" 2>&1
  cluster_started=no
fi

# The package's autopkgtest (debian/tests/installcheck: make installcheck against the installed
# package in a pg_virtualenv cluster that preloads pg_cron and kobatela), run as a Debian archive
# would, by autopkgtest on this machine (the null runner: the package is installed already, -B
# builds nothing), on this suite's port.
autopkgtest_log=$logs/package-autopkgtest.log
rm -rf "$work/autopkgtest"
started=$SECONDS
autopkgtest -B --env=PGPORT="$port" --output-dir "$work/autopkgtest" "$src" -- null >"$autopkgtest_log" 2>&1
autopkgtest_status=$?
if [ "$autopkgtest_status" -eq 0 ]; then
  ok "autopkgtest (null runner): debian/tests pass against the installed package ($((SECONDS - started)) s)"
else
  not_ok "autopkgtest (null runner): debian/tests pass against the installed package (status $autopkgtest_status, log: $autopkgtest_log)"
  show_tail "$autopkgtest_log" 40
fi
check_eq "autopkgtest ran the test installcheck, and it passed" "installcheck PASS" \
  "$(awk '{print $1, $2}' "$work/autopkgtest/summary" 2>/dev/null)"
check_eq "it ran every pg_regress and isolation test" \
  "All $n_regress tests passed.|All $n_isolation tests passed." \
  "$(grep -oE '(All [0-9]+ tests passed|[0-9]+ of [0-9]+ tests failed)\.' "$autopkgtest_log" | paste -sd'|')"

if dpkg --purge "$pkg" >>"$install_log" 2>&1; then
  ok "dpkg --purge $pkg"
else
  not_ok "dpkg --purge $pkg"; show_tail "$install_log"
fi
check "the purge removed every kobatela file" \
  bash -c '! compgen -G "$1/kobatela*" >/dev/null && ! compgen -G "$2/kobatela*" >/dev/null' _ "$libdir" "$extdir"

if make -s -C "$repo" install >>"$install_log" 2>&1; then
  ok "make -s install restores the developer install"
else
  not_ok "make -s install restores the developer install"; show_tail "$install_log"
fi
restored=yes
check "the developer install is back" cmp -s "$repo/kobatela.so" "$libdir/kobatela.so"
flock -u 9
locked=no

done_testing
