#!/usr/bin/env bash
# Installs the Debian 12 packages Kobatela needs to build, test and demo, when they are missing.
set -euo pipefail

packages=(
  make g++ libssl-dev libpq-dev libicu-dev libgtest-dev   # build (libpq: reaching pg_cron's database; ICU:
                                                          # currencies' minor units) and C++ unit tests
  postgresql-15 postgresql-server-dev-15           # server, headers, PGXS, pg_regress, isolation
  postgresql-15-cron                               # pg_cron (preloaded by the throwaway clusters)
  postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl   # pgTAP and pg_prove
  python3-psycopg                                  # examples/event_consumer.py, the payout worker and the fake PSP (psycopg 3) and their tests
  unzip                                            # test/ops/release_files.sh looks inside make dist's zip
  pgbouncer                                        # test/ops/pgbouncer.sh starts its own, in transaction mode
  python3-yaml                                     # test/ops/monitoring.sh reads the exporter configurations (examples/monitoring/)
)

# node-postgres for examples/clients/node_client.js and its test: its own script, because Debian's
# node-pg cannot be installed next to a nodejs that is not Debian's (docs/clients.md).
"$(dirname "$0")/ensure_node_pg.sh" >/dev/null

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Run as root (or: sudo apt-get install ${missing[*]})." >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
others=()
for p in "${missing[@]}"; do [ "$p" = pgbouncer ] || others+=("$p"); done
[ ${#others[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${others[@]}" >/dev/null
[ ${#others[@]} -eq ${#missing[@]} ] && exit 0

# pgbouncer: the package starts a system-wide PgBouncer (port 6432, /etc/pgbouncer) when it is
# installed, through invoke-rc.d or systemd. The tests start their own and want none running: the
# start is denied while the package installs (policy-rc.d exit 101, as container images do; one
# that is already there is left as it is), and the service is disabled, so that no boot starts it.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# kobatela ensure_deps.sh: no service starts while pgbouncer installs\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null
if [ -d /run/systemd/system ]; then
  systemctl disable --now pgbouncer.service >/dev/null 2>&1 || true
else
  /etc/init.d/pgbouncer stop >/dev/null 2>&1 || true   # in case a policy let it start
  if command -v systemctl >/dev/null; then systemctl disable pgbouncer.service >/dev/null 2>&1 || true; fi
fi
update-rc.d pgbouncer disable >/dev/null 2>&1 || true
