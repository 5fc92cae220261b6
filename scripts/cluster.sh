#!/usr/bin/env bash
# Throwaway PostgreSQL clusters for the tests and the demo.
#
#   cluster.sh start NAME PORT   fresh cluster in /var/tmp/kobatela-NAME, pg_cron and kobatela
#                                preloaded (KOBATELA_PRELOAD overrides the list, e.g. for a test of
#                                what happens without kobatela); prints the environment to reach it
#                                (eval it)
#   cluster.sh stop NAME         stops it (the files stay for inspection until the next start)
#   cluster.sh secret NAME SECRET < VALUE
#                                writes VALUE into the cluster's secrets/SECRET (mode 0600, the
#                                server's user), points kobatela.SECRET_file at it (ALTER SYSTEM)
#                                and reloads; SECRET is api_key_pepper, psp_webhook_secret or
#                                psp_webhook_secret_previous (docs/security.md, "Secrets")
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
shared_preload_libraries = '${KOBATELA_PRELOAD-pg_cron,kobatela}'
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
  secret)
    secret=${3:?secret name}
    case "$secret" in api_key_pepper|psp_webhook_secret|psp_webhook_secret_previous) ;;
      *) echo "cluster.sh secret: unknown secret $secret" >&2; exit 2 ;; esac
    [ -f "$dir/data/postmaster.pid" ] || { echo "cluster.sh secret: cluster $name is not running" >&2; exit 1; }
    port=$(sed -n 's/^port = \([0-9]*\)$/\1/p' "$dir/data/postgresql.conf" | tail -1)
    file="$dir/secrets/$secret"
    if [ "$(id -u)" -eq 0 ]; then install -d -o postgres -g postgres -m 0700 "$dir/secrets"; else install -d -m 0700 "$dir/secrets"; fi
    # Written to a new file, then renamed over the old one: a reader never sees half a secret.
    as_owner sh -c 'umask 077; cat > "$1.new" && mv "$1.new" "$1"' sh "$file"
    as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres \
      -c "ALTER SYSTEM SET kobatela.${secret}_file = '$file'" -c "SELECT pg_reload_conf()" >/dev/null
    # The reload is asynchronous: wait until a new session has the setting.
    for _ in $(seq 50); do
      got=$(as_owner "$bindir/psql" -X -A -t -h "$dir" -p "$port" -U postgres -d postgres -c "SHOW kobatela.${secret}_file")
      [ "$got" = "$file" ] && exit 0
      sleep 0.1
    done
    echo "cluster.sh secret: the server did not take kobatela.${secret}_file" >&2; exit 1
    ;;
  *)
    echo "usage: cluster.sh start NAME PORT | stop NAME | secret NAME SECRET < VALUE" >&2
    exit 2
    ;;
esac
