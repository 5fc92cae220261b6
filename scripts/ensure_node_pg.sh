#!/usr/bin/env bash
# Makes node-postgres (Debian 12's node-pg) usable by examples/clients/node_client.js, and prints
# the directory to put in NODE_PATH (nothing when Node finds `pg` by itself). Called by
# scripts/ensure_deps.sh and test/ops/clients.sh; docs/clients.md explains the three cases:
#
#   * no node at all (a fresh Debian 12): apt-get install nodejs node-pg (Debian's Node 18, which
#     looks in /usr/share/nodejs by itself);
#   * a node that finds `pg` already (Debian's nodejs with node-pg): nothing to do;
#   * a node that does not, and node-pg cannot be installed beside it: a nodejs that is not
#     Debian's (NodeSource's nodejs 20, say: node-pg depends on node-libpq, which needs Debian's
#     libnode108, which apt refuses next to it). Then Debian's pure-JavaScript .debs are fetched
#     with `apt-get download` — node-pg (which bundles pg-pool, pg-protocol, pg-types,
#     pg-connection-string, pgpass...) and node-split2 (pgpass's one outside dependency) — and
#     unpacked with `dpkg-deb -x` under build/node-pg. node-libpq is left out: it is needed only by
#     pg.native, which the example never uses.
set -euo pipefail
cd "$(dirname "$0")/.."

dest=build/node-pg
modules=$PWD/$dest/root/usr/share/nodejs
debs=(node-pg node-split2)
say() { echo "ensure_node_pg: $*" >&2; }
finds_pg() { NODE_PATH=${1:-} node -e 'require("pg")' >/dev/null 2>&1; }
as_root() {
  [ "$(id -u)" -eq 0 ] && return 0
  say "run as root (or: sudo apt-get install $*)"
  exit 1
}

if ! command -v node >/dev/null 2>&1; then
  as_root nodejs node-pg
  say "installing Debian packages: nodejs node-pg"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs node-pg >/dev/null
fi
finds_pg && exit 0
if finds_pg "$modules"; then echo "$modules"; exit 0; fi

if apt-get install -s -qq node-pg >/dev/null 2>&1; then
  as_root node-pg
  say "installing Debian package: node-pg"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends node-pg >/dev/null
  finds_pg && exit 0
  finds_pg /usr/share/nodejs && { echo /usr/share/nodejs; exit 0; }
fi

say "node-pg cannot be installed beside $(node --version) ($(command -v node)): unpacking Debian's ${debs[*]} into $dest"
rm -rf "$dest"
mkdir -p "$dest/debs" "$dest/root"
# apt-get download works as any user (as root, apt warns that its _apt user cannot write here).
if ! (cd "$dest/debs" && apt-get download -qq "${debs[@]}" 2>/dev/null); then
  as_root "${debs[@]}"
  apt-get update -qq
  (cd "$dest/debs" && apt-get download -qq "${debs[@]}" 2>/dev/null)
fi
for deb in "$dest"/debs/*.deb; do dpkg-deb -x "$deb" "$dest/root"; done
if ! finds_pg "$modules"; then
  say "node still does not find pg in $modules"
  exit 1
fi
echo "$modules"
