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
  python3-yaml                                     # test/ops/monitoring.sh reads the exporter configurations (examples/monitoring/)
)

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
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
