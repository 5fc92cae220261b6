#!/usr/bin/env bash
# `make demo`: build, install, start a local cluster with Kobatela, tell the story (examples/story.sql)
# and leave the cluster running. `make demo-stop` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${KOBATELA_DEMO_PORT:-54329}
name=${KOBATELA_DEMO_NAME:-demo}  # the cluster (/var/tmp/kobatela-NAME); test/ops/demo.sh uses its own
db=kobatela_demo

case "${1:-start}" in
  start)
    echo "Building and installing Kobatela..."
    make -s all install >/dev/null
    echo "Starting a local PostgreSQL cluster on port $port (pg_cron and kobatela preloaded)..."
    eval "$(scripts/cluster.sh start "$name" "$port")"
    # pg_cron keeps its jobs in cron.database_name (postgres); Kobatela schedules there from $db.
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db" -c "CREATE EXTENSION pg_cron"
    # Secrets, generated for this cluster: the API key pepper (never printed) and the secret the
    # payment provider signs its webhooks with (the story plays the PSP, so it is handed to psql).
    # Each lives in a file only the server's user can read (scripts/cluster.sh secret).
    psp_secret="whsec_$(openssl rand -hex 16)"
    openssl rand -hex 32 | scripts/cluster.sh secret "$name" api_key_pepper
    printf '%s\n' "$psp_secret" | scripts/cluster.sh secret "$name" psp_webhook_secret
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION kobatela'
    echo
    psql -X -q -v ON_ERROR_STOP=1 -v psp_secret="$psp_secret" -d "$db" -f examples/story.sql
    echo
    echo "The cluster is still running. Connect with:"
    echo "  psql -h $PGHOST -p $PGPORT -U postgres $db"
    echo "Stop it with: make demo-stop"
    ;;
  stop)
    scripts/cluster.sh stop "$name"
    echo "Demo cluster stopped."
    ;;
  *)
    echo "usage: demo.sh start|stop" >&2
    exit 2
    ;;
esac
