#!/usr/bin/python3
"""Many clients, each with its own API key, through a transaction-pooling PgBouncer (test/ops/pgbouncer.sh).

Every client thread has its own connection to PgBouncer and runs transactions one after another;
PgBouncer hands each transaction whichever of its few server connections is free, so the
transactions of different keys take turns on the same backends. Each transaction first looks at
what it landed on (before it authenticates: no scope, no key, the login role as actor, no
request.* setting, every user-settable kobatela.* setting at its default), then does one of:

    commit    authenticate, Idempotency-Key through a transaction-local request.headers, check
              the identity (scope, bound user, actor), create a transfer (and every third time an
              escrow), check that the key's list of transfers is exactly its own committed ones
              plus the new one, COMMIT
    rollback  the same, then ROLLBACK (the next lists must not show it)
    error     authenticate, a call that fails (BAD_AMOUNT), ROLLBACK
    anon      no authenticate: a write must be refused with UNAUTHORIZED
    support   (support keys) authenticate, a write refused with INSUFFICIENT_SCOPE in a savepoint,
              a read, COMMIT

It prints facts, one per line ("name value"), for the suite to check, and writes the committed
transfers and escrows (client, key id, user id, kind, id, idempotency key) to the file named by
--committed, for the suite to compare with the database and the audit trail.

Needs psycopg 3 (Debian: python3-psycopg). Run with /usr/bin/python3.
"""

import argparse
import json
import threading
import time
from collections import Counter, defaultdict

import psycopg

LANDING = """
SELECT pg_backend_pid(), clock_timestamp(), kobatela.current_scope()::text, kobatela.current_user_id(),
       kobatela.current_actor(), coalesce(current_setting('request.headers', true), ''),
       coalesce(current_setting('request.jwt.claims', true), ''),
       (SELECT count(*) FROM pg_catalog.pg_settings
        WHERE name LIKE 'kobatela.%' AND context = 'user' AND setting IS DISTINCT FROM reset_val)
"""
# The kobatela.* settings a client may set itself (none in this version): each one is set
# transaction-locally by every transaction, with a value that names the transaction.
USER_SETTINGS = """
SELECT name FROM pg_catalog.pg_settings WHERE name LIKE 'kobatela.%' AND context = 'user' AND vartype = 'string'
"""


class Client:
    def __init__(self, args, index, scope, key_id, user_id, key, receiver):
        self.args, self.index, self.scope = args, index, scope
        self.key_id, self.user_id, self.key, self.receiver = key_id, user_id, key, receiver
        self.records = []      # one per transaction: (pid, server clock, client, kind, authenticated)
        self.problems = []     # what went wrong, in words
        self.committed = []    # (kind, id, idempotency key)
        self.visible = set()   # the transfer ids this key's list must show
        self.settings = []

    def problem(self, what):
        self.problems.append("client %d: %s" % (self.index, what))

    def expect(self, what, expected, actual):
        if expected != actual:
            self.problem("%s: expected %r, got %r" % (what, expected, actual))

    def expect_error(self, cur, sql, params, code):
        try:
            cur.execute(sql, params)
        except psycopg.Error as error:
            self.expect("error of %s" % sql.split("(")[0], code, error.diag.message_primary)
            return
        self.problem("%s was not refused (expected %s)" % (sql, code))

    def land(self, cur, kind):
        cur.execute("BEGIN")
        pid, clock, scope, user_id, actor, headers, claims, changed = cur.execute(LANDING).fetchone()
        self.records.append((pid, clock, self.index, kind, kind != "anon"))
        self.expect("landing scope", None, scope)
        self.expect("landing user", None, user_id)
        self.expect("landing actor", "role:" + self.args.login, actor)
        self.expect("landing request.headers", "", headers)
        self.expect("landing request.jwt.claims", "", claims)
        self.expect("landing kobatela.* settings changed", 0, changed)

    def authenticate(self, cur, tag):
        self.expect("authenticate", self.scope, cur.execute("SELECT kobatela.authenticate(%s)::text", (self.key,)).fetchone()[0])
        cur.execute("SELECT set_config('request.headers', %s, true)", (json.dumps({"idempotency-key": tag}),))
        for name in self.settings:
            cur.execute("SELECT set_config(%s, %s, true)", (name, tag))
        scope, user_id, actor = cur.execute(
            "SELECT kobatela.current_scope()::text, kobatela.current_user_id(), kobatela.current_actor()").fetchone()
        self.expect("scope", self.scope, scope)
        self.expect("bound user", self.user_id, user_id)
        self.expect("actor", "apikey:%d" % self.key_id, actor)
        for name in self.settings:
            self.expect(name, tag, cur.execute("SELECT current_setting(%s)", (name,)).fetchone()[0])

    def write(self, cur, tag, n, end):
        self.authenticate(cur, tag)
        # No idempotency_key argument: the key comes from the Idempotency-Key header just set.
        tid, sender, idem = cur.execute(
            "SELECT id, sender_id, idempotency_key FROM kobatela.create_transaction(%s, %s, %s, 'USD')",
            (self.user_id, self.receiver, "%d.%02d" % (1 + self.index, n % 100))).fetchone()
        self.expect("transfer's sender", self.user_id, sender)
        self.expect("transfer's idempotency key", tag, idem)
        rows = cur.execute("SELECT kobatela.list_transactions(\"limit\" => 1000)").fetchone()[0]["data"]
        strangers = [r["id"] for r in rows if self.user_id not in (r["sender_id"], r["receiver_id"])]
        if strangers:
            self.problem("the list shows other users' transfers %s" % strangers)
        self.expect("the list's transfers", self.visible | {tid}, {r["id"] for r in rows})
        escrow = None
        if n % 3 == 0:
            escrow = cur.execute(
                "SELECT id FROM kobatela.create_escrow(%s, %s, 10, 'USD', '{}', now() + interval '1 day', %s)",
                (self.user_id, self.receiver, tag)).fetchone()[0]
        cur.execute(end)
        if end == "COMMIT":
            self.visible.add(tid)
            self.committed.append(("transfer", tid, tag))
            if escrow is not None:
                self.committed.append(("escrow", escrow, tag))

    def run_one(self, cur, n):
        tag = "c%d-t%d" % (self.index, n)
        if self.scope == "support":
            kind = "anon" if n % 2 else "support"
        else:
            kind = {2: "anon", 4: "rollback", 5: "error"}.get(n % 6, "commit")
        self.land(cur, kind)
        if kind == "anon":
            self.expect_error(cur, "SELECT kobatela.create_transaction(%s, %s, 1)", (self.user_id or 1, self.receiver),
                              "UNAUTHORIZED")
            cur.execute("ROLLBACK")
        elif kind == "support":
            self.authenticate(cur, tag)
            cur.execute("SAVEPOINT refused")
            self.expect_error(cur, "SELECT kobatela.create_transaction(%s, %s, 1)", (self.receiver, self.receiver),
                              "INSUFFICIENT_SCOPE")
            cur.execute("ROLLBACK TO SAVEPOINT refused")
            cur.execute("SELECT kobatela.list_transactions(\"limit\" => 1)")
            cur.execute("COMMIT")
            self.committed.append(("support", 0, tag))
        elif kind == "error":
            self.authenticate(cur, tag)
            self.expect_error(cur, "SELECT kobatela.create_transaction(%s, %s, 0.001)", (self.user_id, self.receiver),
                              "BAD_AMOUNT")
            cur.execute("ROLLBACK")
        else:
            self.write(cur, tag, n, "COMMIT" if kind == "commit" else "ROLLBACK")

    def run(self, connected, go):
        try:
            # prepare_threshold=None: no server-side prepared statement (PgBouncer 1.18 in transaction
            # mode cannot keep one: docs/operations.md, "Connection pooling").
            conn = psycopg.connect(self.args.pool_dsn, autocommit=True, prepare_threshold=None)
        except psycopg.Error as error:
            self.problem("cannot connect: %s" % error)
            connected.wait()
            go.wait()
            return
        with conn:
            self.settings = [r[0] for r in conn.execute(USER_SETTINGS).fetchall()]
            connected.wait()
            go.wait()
            cur = conn.cursor()
            for n in range(self.args.transactions):
                try:
                    self.run_one(cur, n)
                except psycopg.Error as error:
                    self.problem("transaction %d: %s: %s" % (n, type(error).__name__, error))
                    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                        cur.execute("ROLLBACK")


class Observer:
    """While the clients run: the backends of the login role in the database (pg_stat_activity,
    directly) and PgBouncer's pool (SHOW POOLS on its console)."""

    def __init__(self, args):
        self.args = args
        self.direct = psycopg.connect(args.direct_dsn, autocommit=True)
        # The console speaks the simple query protocol only: a client-side cursor.
        self.console = psycopg.connect(args.console_dsn, autocommit=True, cursor_factory=psycopg.ClientCursor)
        self.samples = []  # (backends, pool clients, pool servers)

    def sample(self):
        backends = self.direct.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND usename = %s",
            (self.args.login,)).fetchone()[0]
        cur = self.console.execute("SHOW POOLS")
        names = [d.name for d in cur.description]
        clients = servers = 0
        for row in cur.fetchall():
            pool = dict(zip(names, row))
            if pool["database"] == self.args.pool_name and pool["user"] == self.args.login:
                clients = pool["cl_active"] + pool["cl_waiting"]
                servers = sum(pool[k] for k in ("sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login"))
        self.samples.append((backends, clients, servers))

    def watch(self, done):
        while not done.wait(0.1):
            self.sample()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pool-dsn", required=True, help="the clients' connection, through PgBouncer")
    parser.add_argument("--direct-dsn", required=True, help="a superuser's, straight to PostgreSQL")
    parser.add_argument("--console-dsn", required=True, help="PgBouncer's console")
    parser.add_argument("--pool-name", required=True, help="the database's name in PgBouncer")
    parser.add_argument("--login", required=True, help="the login role of the clients")
    parser.add_argument("--keys", required=True, help="file: client|scope|key id|user id|key, one a line")
    parser.add_argument("--receiver", type=int, required=True)
    parser.add_argument("--transactions", type=int, default=30, help="per client")
    parser.add_argument("--committed", required=True, help="output file")
    args = parser.parse_args()

    clients = []
    with open(args.keys) as keys:
        for line in keys:
            index, scope, key_id, user_id, key = line.rstrip("\n").split("|")
            clients.append(Client(args, int(index), scope, int(key_id), int(user_id) if user_id else None, key,
                                  args.receiver))
    observer = Observer(args)
    connected = threading.Barrier(len(clients) + 1)
    go = threading.Barrier(len(clients) + 1)
    threads = [threading.Thread(target=c.run, args=(connected, go)) for c in clients]
    for t in threads:
        t.start()
    connected.wait()
    observer.sample()  # every client connected, none in a transaction yet
    done = threading.Event()
    watcher = threading.Thread(target=observer.watch, args=(done,))
    watcher.start()
    started = time.monotonic()
    go.wait()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    done.set()
    watcher.join()
    observer.sample()

    records = sorted((r for c in clients for r in c.records), key=lambda r: (r[0], r[1]))
    problems = [p for c in clients for p in c.problems]
    by_pid = defaultdict(list)
    for record in records:
        by_pid[record[0]].append(record)
    switches = anon_after_other_key = 0
    for turns in by_pid.values():
        for before, after in zip(turns, turns[1:]):
            if before[2] != after[2]:
                switches += 1
                if after[3] == "anon" and before[4]:
                    anon_after_other_key += 1
    kinds = Counter(r[3] for r in records)
    clients_per_pid = sorted((len({r[2] for r in turns}) for turns in by_pid.values()), reverse=True)

    with open(args.committed, "w") as out:
        for c in clients:
            for kind, oid, tag in c.committed:
                out.write("%d|%d|%s|%s|%d|%s\n" % (c.index, c.key_id, c.user_id or "", kind, oid, tag))

    facts = [
        ("clients", len(clients)),
        ("transactions", len(records)),
        ("planned", len(clients) * args.transactions),
        ("kinds", " ".join("%s:%d" % kv for kv in sorted(kinds.items()))),
        ("problems", len(problems)),
        ("server_connections", len(by_pid)),
        ("clients_per_server_connection", " ".join(map(str, clients_per_pid))),
        ("shared_server_connections", sum(1 for n in clients_per_pid if n > 1)),
        ("switches", switches),
        ("anon_after_other_key", anon_after_other_key),
        ("samples", len(observer.samples)),
        ("max_backends", max(s[0] for s in observer.samples)),
        ("max_pool_servers", max(s[2] for s in observer.samples)),
        ("first_sample", "%d %d %d" % observer.samples[0]),
        ("user_settings", len(clients[0].settings)),
        ("seconds", "%.1f" % elapsed),
    ]
    for name, value in facts:
        print(name, value)
    for p in problems[:20]:
        print("problem", p)


if __name__ == "__main__":
    main()
