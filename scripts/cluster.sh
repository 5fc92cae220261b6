#!/usr/bin/env bash
# Throwaway PostgreSQL clusters for the tests and the demo.
#
#   cluster.sh start NAME PORT   fresh cluster in /var/tmp/kobatela-NAME, pg_cron and kobatela
#                                preloaded; prints the environment to reach it (eval it)
#   cluster.sh stop NAME         stops it (the files stay for inspection until the next start)
#
# initdb refuses to run as root, so as root the cluster belongs to the postgres user.
set -euo pipefail

cmd=${1:?usage: cluster.sh start NAME PORT | stop NAME}
name=${2:?cluster name}
dir=/var/tmp/kobatela-$name
pg_config=${PG_CONFIG:-$(ls /usr/lib/postgresql/15/bin/pg_config 2>/dev/null || echo pg_config)}
bindir=$("$pg_config" --bindir)

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

case "$cmd" in
  start)
    port=${3:?port}
    stop
    rm -rf "$dir"
    if [ "$(id -u)" -eq 0 ]; then install -d -o postgres -g postgres -m 0700 "$dir"; else install -d -m 0700 "$dir"; fi
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log"
    cat >>"$dir/data/postgresql.conf" <<CONF
# --- kobatela throwaway cluster ---
port = $port
listen_addresses = ''
unix_socket_directories = '$dir'
shared_preload_libraries = 'pg_cron,kobatela'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 16
max_connections = 60
max_prepared_transactions = 2
CONF
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
    echo "export PGHOST='$dir' PGPORT='$port' PGUSER=postgres"
    ;;
  stop)
    stop
    ;;
  *)
    echo "usage: cluster.sh start NAME PORT | stop NAME" >&2
    exit 2
    ;;
esac
