#!/usr/bin/python3
"""A Kobatela event consumer that processes every event exactly once (docs/events.md).

The loop, one transaction per page:

    BEGIN
      SELECT kobatela.authenticate(<key>)               -- the key's identity lasts one transaction
      SELECT position FROM <schema>.cursor ... FOR UPDATE   -- the stored cursor (one consumer at a time)
      SELECT * FROM kobatela.events_since(position, n)  -- the next page, in commit order
      ... process each event: here, INSERT INTO <schema>.processed ...
      UPDATE <schema>.cursor SET position = <the last event's cursor>
    COMMIT                                              -- the effects and the cursor, together

A crash anywhere before COMMIT undoes the page's effects and its cursor alike: the page is read and
processed again, for the first time as far as the database knows. A crash after COMMIT keeps both.
So nothing is processed twice and nothing is skipped (the feed never puts an event behind a cursor
it handed out). When a page comes back empty, the consumer waits for a notification on channel
kobatela_events (sent at commit by transactions that wrote events, at most one per 100 ms: an
event committed just after one was sent is read when the wait times out), or the timeout, and
reads again.

Configuration, from the environment:
    KOBATELA_API_KEY            the API key (required); a key bound to a user reads that user's events
    PGHOST, PGPORT, PGDATABASE, PGUSER, ...   where Kobatela is (libpq's variables)
    KOBATELA_CONSUMER_SCHEMA    the consumer's own schema (default: consumer), created if missing
    KOBATELA_CONSUMER_NAME      the cursor's name in it (default: main)
    KOBATELA_CONSUMER_PAGE      events per page (default: 100)
    KOBATELA_CONSUMER_WAIT      seconds to wait for a notification before reading anyway (default: 2)
    KOBATELA_CONSUMER_IDLE_EXIT exit after this many seconds without an event (default: never)
    KOBATELA_CONSUMER_DELAY     seconds to sleep per event, to simulate slow work (default: 0)

Needs psycopg 3 (Debian: python3-psycopg). Run with /usr/bin/python3.
"""

import os
import select
import signal
import sys
import time

import psycopg
from psycopg.rows import dict_row
from psycopg import sql

CHANNEL = "kobatela_events"


def setting(name, default=None, kind=str):
    value = os.environ.get(name)
    return default if value in (None, "") else kind(value)


def prepare(conn, schema, name):
    """The consumer's own tables, once: its cursor and what it did (here: a row per event)."""
    with conn.transaction():
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        conn.execute(sql.SQL(
            "CREATE TABLE IF NOT EXISTS {}.cursor (name text PRIMARY KEY, position text)"
        ).format(sql.Identifier(schema)))
        # seq: the order in which events were processed, so that a test can check it is the feed's.
        conn.execute(sql.SQL(
            "CREATE TABLE IF NOT EXISTS {}.processed ("
            " event_id bigint PRIMARY KEY, seq bigint GENERATED ALWAYS AS IDENTITY,"
            " consumer text NOT NULL, type text NOT NULL, object text NOT NULL, object_id bigint NOT NULL,"
            " processed_at timestamptz NOT NULL DEFAULT clock_timestamp())"
        ).format(sql.Identifier(schema)))
        conn.execute(sql.SQL(
            "INSERT INTO {}.cursor (name, position) VALUES (%s, NULL) ON CONFLICT (name) DO NOTHING"
        ).format(sql.Identifier(schema)), (name,))


def process(conn, schema, name, event, delay):
    """The work an event causes, in the consumer's transaction. Here: remember it."""
    if delay:
        time.sleep(delay)
    conn.execute(sql.SQL(
        "INSERT INTO {}.processed (event_id, consumer, type, object, object_id) VALUES (%s, %s, %s, %s, %s)"
    ).format(sql.Identifier(schema)), (event["id"], name, event["type"], event["object"], event["object_id"]))


def one_page(conn, key, schema, name, page, delay):
    """Reads and processes one page in one transaction; returns how many events it held."""
    with conn.transaction():
        conn.execute("SELECT kobatela.authenticate(%s)", (key,))
        position = conn.execute(sql.SQL(
            "SELECT position FROM {}.cursor WHERE name = %s FOR UPDATE"
        ).format(sql.Identifier(schema)), (name,)).fetchone()["position"]
        events = conn.execute(
            "SELECT cursor, id, type, object, object_id, data FROM kobatela.events_since(%s, %s)",
            (position, page)).fetchall()
        for event in events:
            process(conn, schema, name, event, delay)
        if events:
            conn.execute(sql.SQL("UPDATE {}.cursor SET position = %s WHERE name = %s").format(
                sql.Identifier(schema)), (events[-1]["cursor"], name))
        return len(events)


def wait_for_notification(listener, timeout):
    """Blocks until a notification may have arrived on the listening connection, or the timeout."""
    readable, _, _ = select.select([listener.fileno()], [], [], timeout)
    if readable:
        listener.execute("SELECT 1")  # reads what arrived (the notifications are only a wake-up)


def main():
    key = setting("KOBATELA_API_KEY")
    if not key:
        print("event_consumer: set KOBATELA_API_KEY", file=sys.stderr)
        return 2
    schema = setting("KOBATELA_CONSUMER_SCHEMA", "consumer")
    name = setting("KOBATELA_CONSUMER_NAME", "main")
    page = setting("KOBATELA_CONSUMER_PAGE", 100, int)
    wait = setting("KOBATELA_CONSUMER_WAIT", 2.0, float)
    idle_exit = setting("KOBATELA_CONSUMER_IDLE_EXIT", None, float)
    delay = setting("KOBATELA_CONSUMER_DELAY", 0.0, float)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    # Two connections: one works in transactions, the other only listens (autocommit), so that a
    # notification is never held up by, or lost with, a page's transaction.
    with psycopg.connect(row_factory=dict_row) as conn, \
            psycopg.connect(autocommit=True) as listener:
        listener.execute("LISTEN " + CHANNEL)  # before the first read: nothing committed after it is missed
        prepare(conn, schema, name)
        idle_since = time.monotonic()
        while True:
            if one_page(conn, key, schema, name, page, delay):
                idle_since = time.monotonic()
                continue  # maybe more: read on until a page comes back empty
            if idle_exit is not None and time.monotonic() - idle_since >= idle_exit:
                return 0
            wait_for_notification(listener, wait if idle_exit is None else min(wait, idle_exit))


if __name__ == "__main__":
    sys.exit(main())
