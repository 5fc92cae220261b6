#!/usr/bin/python3
"""Kobatela from Python: one database transaction per application request (docs/clients.md).

The first part is a small library an application's request handlers use:

    handler = RequestHandler(psycopg.connect(dsn, autocommit=True))
    outcome = handler.run(api_key, lambda tx: tx.one("SELECT ... FROM kobatela.spend(%s, %s, %s, ...)", ...))

``run`` sends ``BEGIN; SELECT kobatela.authenticate(<key>); <the request's calls>; COMMIT``: the key's
identity lives in the database backend's memory for that one transaction and ends with it. A
request that fails with a serialization failure (40001) or a deadlock (40P01) is run again from
BEGIN, a bounded number of times, after a jittered backoff; any other error is rolled back (nothing
the request did is kept) and raised as an ``ApiError`` with the HTTP status an application answers,
Kobatela's stable code (the error's MESSAGE), its SQLSTATE, DETAIL and HINT. The API key is passed
as a bound parameter and never printed.

The second part is a command-line demo that tells a short story with it (``story``), makes the
deliberate mistakes alone (``errors``) and makes one keyed spend (``spend``, used by
test/ops/clients.sh to make a retry happen).

Configuration (environment): ``KOBATELA_API_KEY`` a key of scope sender (required; never printed),
``KOBATELA_DSN`` the libpq connection string (empty: the PG* variables), ``KOBATELA_ROLE`` a role
to SET after connecting (optional), ``KOBATELA_CLIENT_RENDEZVOUS`` (tests only) an advisory lock
number: the first attempt of each request waits for that lock after its first call, so that a test
can commit a conflicting write from another session at that moment.

Runs with Debian 12's /usr/bin/python3 and python3-psycopg (psycopg 3).
"""

import argparse
import datetime
import json
import os
import random
import re
import sys
import time

import psycopg
from psycopg import sql

# ---------------------------------------------------------------------------------------------------
# The library part: a request in a transaction, with the caller's key, errors mapped, retries.
# ---------------------------------------------------------------------------------------------------

# SQLSTATEs after which the whole transaction may simply be run again: PostgreSQL rolled it back
# because of a concurrent transaction, not because of anything in the request.
RETRYABLE_SQLSTATES = {"40001": "SERIALIZATION_FAILURE", "40P01": "DEADLOCK_DETECTED"}

# Kobatela's codes are MESSAGE; PostgreSQL's own messages are sentences.
KOBATELA_CODE = re.compile(r"^[A-Z][A-Z0-9_]+$")

ISOLATION_LEVELS = {"read-committed": "READ COMMITTED", "repeatable-read": "REPEATABLE READ",
                    "serializable": "SERIALIZABLE"}


class ApiError(Exception):
    """What the application answers: an HTTP status, a stable code, and what to tell the caller."""

    def __init__(self, status, code, sqlstate, detail=None, hint=None, attempts=1):
        super().__init__("%s %s (%s)" % (status, code, sqlstate))
        self.status = status
        self.code = code
        self.sqlstate = sqlstate
        self.detail = detail
        self.hint = hint
        self.attempts = attempts

    def as_dict(self):
        return {"status": self.status, "code": self.code, "sqlstate": self.sqlstate,
                "detail": self.detail, "hint": self.hint, "attempts": self.attempts}


def api_error(error, attempts=1):
    """Maps a database error to an ApiError: Kobatela's SQLSTATE PTxxx carries the HTTP status and
    its MESSAGE the stable code; PostgreSQL's own errors are mapped by SQLSTATE class."""
    state = error.sqlstate or ""
    diag = error.diag
    message = diag.message_primary or ""
    detail, hint = diag.message_detail, diag.message_hint
    kobatela_code = message if KOBATELA_CODE.match(message) else None
    if state.startswith("PT") and state[2:].isdigit():
        return ApiError(int(state[2:]), kobatela_code or "ERROR", state, detail, hint, attempts)
    if state in RETRYABLE_SQLSTATES:   # still failing after the last attempt
        return ApiError(503, RETRYABLE_SQLSTATES[state], state, message, "Try again later.", attempts)
    if state == "42501":               # the login role may not execute this function
        return ApiError(403, "PERMISSION_DENIED", state, message, None, attempts)
    if state == "25006":               # a write in a read-only request
        return ApiError(405, "READ_ONLY_REQUEST", state, message, None, attempts)
    if state.startswith("22"):         # data exception: malformed input PostgreSQL refused itself
        return ApiError(400, "INVALID_INPUT", state, message, hint, attempts)
    if state.startswith("23"):         # integrity constraint
        return ApiError(409, "CONFLICT", state, message, None, attempts)
    if state.startswith(("53", "57", "08")) or not state:  # resources, cancel/shutdown, connection
        return ApiError(503, kobatela_code or "UNAVAILABLE", state or None, message or str(error),
                        "Try again later with the same idempotency key.", attempts)
    return ApiError(500, kobatela_code or "INTERNAL_ERROR", state, message, None, attempts)


class Outcome:
    def __init__(self, value, attempts):
        self.value = value
        self.attempts = attempts


class Transaction:
    """What a request's body gets: queries inside the request's transaction."""

    def __init__(self, conn, after_first_call=None):
        self._conn = conn
        self._after_first_call = after_first_call

    def all(self, query, params=()):
        rows = self._conn.execute(query, params).fetchall()
        if self._after_first_call is not None:
            hook, self._after_first_call = self._after_first_call, None
            hook(self._conn)
        return rows

    def one(self, query, params=()):
        rows = self.all(query, params)
        return rows[0] if rows else None

    def value(self, query, params=()):
        row = self.one(query, params)
        return row[0] if row else None


class RequestHandler:
    """Runs requests on one connection (autocommit, so that BEGIN and COMMIT are ours), one
    transaction each. Not thread-safe: one handler per connection, e.g. per worker thread."""

    def __init__(self, conn, max_attempts=5, base_delay_s=0.02, max_delay_s=1.0, log=None,
                 after_first_call=None):
        if not conn.autocommit:
            raise ValueError("the connection must be in autocommit mode")
        self.conn = conn
        self.max_attempts = max_attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.log = log or (lambda message: None)
        self.after_first_call = after_first_call  # a test hook, run in the first attempt only

    def backoff(self, attempt):
        """Exponential, capped, with jitter: concurrent losers do not collide again in step."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def run(self, api_key, body, read_only=False, isolation=None):
        """body(tx) makes the request's calls and returns its result; it runs again on a retry, so
        it must do nothing but database calls (keep side effects for after run returns)."""
        begin = "BEGIN"
        if isolation:
            begin += " ISOLATION LEVEL " + ISOLATION_LEVELS[isolation]
        if read_only:
            begin += " READ ONLY"
        for attempt in range(1, self.max_attempts + 1):
            try:
                self.conn.execute(begin)
                self.conn.execute("SELECT kobatela.authenticate(%s)", (api_key,))
                value = body(Transaction(self.conn, self.after_first_call if attempt == 1 else None))
                self.conn.execute("COMMIT")
                return Outcome(value, attempt)
            except psycopg.Error as error:
                self.rollback()
                state = error.sqlstate
                if state in RETRYABLE_SQLSTATES and attempt < self.max_attempts:
                    delay = self.backoff(attempt)
                    self.log("attempt %d failed with %s (%s), retrying in %.0f ms"
                             % (attempt, state, RETRYABLE_SQLSTATES[state], delay * 1000))
                    time.sleep(delay)
                    continue
                raise api_error(error, attempt) from None
            except BaseException:
                self.rollback()  # a bug in the request's body: not the database's answer
                raise

    def rollback(self):
        try:
            if self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                self.conn.execute("ROLLBACK")
        except psycopg.Error:
            pass  # the connection is gone; the server rolled the transaction back


def connect(dsn="", role=None):
    conn = psycopg.connect(dsn, autocommit=True)
    if role:
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
    return conn


def rendezvous_hook(lock_id):
    """Test hook: wait for advisory lock lock_id, which the test holds while it commits a
    conflicting write from another session."""
    def wait(conn):
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_id,))
    return wait


# ---------------------------------------------------------------------------------------------------
# The demo part: a short story, the deliberate mistakes, one keyed spend.
# ---------------------------------------------------------------------------------------------------

def emit(request, outcome=None, error=None, **result):
    """One JSON line per request: what the application would answer."""
    if error is not None:
        line = {"request": request, **error.as_dict()}
    else:
        line = {"request": request, "status": 200, "attempts": outcome.attempts, "result": result}
    print(json.dumps(line), flush=True)
    return line


def register(handler, key, run):
    def body(tx):
        client = tx.value("SELECT id FROM kobatela.create_user(%s, %s)", (run + "_amara", run + "_amara@example.fr"))
        provider = tx.value("SELECT id FROM kobatela.create_user(%s, %s)", (run + "_kofi", run + "_kofi@example.ci"))
        return client, provider
    outcome = handler.run(key, body)
    client, provider = outcome.value
    emit("register", outcome, client_id=client, provider_id=provider)
    return client, provider


def create_and_fund(handler, key, run, client, provider, deadline, request="create_and_fund"):
    """An escrow created and funded under idempotency keys: running it again returns the same
    escrow and writes nothing (the same terms, the deadline included, must be sent again)."""
    def body(tx):
        escrow = tx.value(
            "SELECT id FROM kobatela.create_escrow(%s, %s, 300, 'EUR', '{}', %s, %s, %s)",
            (client, provider, deadline, run + "-escrow", json.dumps({"order": run})))
        status, deposited = tx.one(
            "SELECT status::text, deposited_amount::text FROM kobatela.escrow_deposit(%s, 300, %s)",
            (escrow, run + "-deposit"))
        deposits = tx.value("SELECT jsonb_array_length(kobatela.list_deposits(escrow_id => %s)->'data')", (escrow,))
        return escrow, status, deposited, deposits
    outcome = handler.run(key, body)
    escrow, status, deposited, deposits = outcome.value
    emit(request, outcome, escrow_id=escrow, status=status, deposited=deposited, deposits=deposits)
    return escrow


def allow_payee(handler, key, escrow):
    outcome = handler.run(key, lambda tx: tx.value(
        "SELECT payee_ref FROM kobatela.add_allowed_payee(%s, 'clinic', 'Clinique du Plateau')",
        (escrow,)))
    emit("allow_payee", outcome, payee_ref=outcome.value)


def spend(handler, key, escrow, payee, amount, idempotency_key, isolation=None, request="spend"):
    """A spend: the escrow's balance read first (what the application shows), then the payment."""
    def body(tx):
        tx.value("SELECT deposited_amount - paid_amount - refunded_amount - to_repay_amount "
                 "FROM kobatela.get_escrow(%s)", (escrow,))
        return tx.one("SELECT id, status::text, amount::text FROM kobatela.spend(%s, %s, %s, %s, %s)",
                      (escrow, payee, amount, "consultation", idempotency_key))
    try:
        outcome = handler.run(key, body, isolation=isolation)
    except ApiError as error:
        return emit(request, error=error)
    payment, status, paid = outcome.value
    return emit(request, outcome, payment_id=payment, status=status, amount=paid)


def list_page(handler, key, escrow):
    """A read: a READ ONLY transaction (PostgREST's GET), which writes nothing, not even the key's use."""
    def body(tx):
        escrows = tx.value("SELECT kobatela.list_escrows(\"limit\" => 2)")
        # The amounts as text, read in SQL: a JSON number would lose its trailing zeros.
        payments = tx.all("SELECT p->>'status', p->>'amount' FROM jsonb_array_elements("
                          "kobatela.list_payments(escrow_id => %s, \"limit\" => 10)->'data') p", (escrow,))
        return escrows, payments
    outcome = handler.run(key, body, read_only=True)
    escrows, payments = outcome.value
    emit("list_page", outcome, escrows=len(escrows["data"]), escrows_has_more=escrows["has_more"],
         payments=[status + " " + amount for status, amount in payments])


def mistakes(handler, key, escrow):
    """Deliberate mistakes, each mapped to what the application answers; none writes anything."""
    requests = [
        ("bad_amount", key, "SELECT kobatela.spend(%s, 'clinic', 10.005, NULL, NULL)", (escrow,)),
        ("insufficient_funds", key, "SELECT kobatela.spend(%s, 'clinic', 1000, NULL, NULL)", (escrow,)),
        ("unknown_escrow", key, "SELECT kobatela.get_escrow(%s)", (escrow + 1000000,)),
        # A key that is not one: nothing about the key is printed, only the answer.
        ("bad_key", "koba_000000.not-a-valid-key-not-a-valid-key-not-a-valid-key",
         "SELECT kobatela.get_escrow(%s)", (escrow,)),
    ]
    for request, api_key, query, params in requests:
        try:
            outcome = handler.run(api_key, lambda tx: tx.value(query, params))
            emit(request, outcome, unexpected=str(outcome.value))
        except ApiError as error:
            emit(request, error=error)


def deadline_in(days):
    """A deadline computed once by the application (a retry must send the same one)."""
    day = datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=days)
    return day.isoformat() + "T00:00:00Z"


def log(message):
    print("python_client: %s" % message, file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    story_p = sub.add_parser("story", help="register, create and fund an escrow (twice), spend, list, mistakes")
    story_p.add_argument("--run", default="py%d" % int(time.time()),
                         help="a name for this run: usernames and idempotency keys derive from it")
    errors_p = sub.add_parser("errors", help="the deliberate mistakes only, against an escrow with payee 'clinic'")
    errors_p.add_argument("--escrow", type=int, required=True)
    spend_p = sub.add_parser("spend", help="one keyed spend")
    spend_p.add_argument("--escrow", type=int, required=True)
    spend_p.add_argument("--payee", required=True)
    spend_p.add_argument("--amount", required=True)
    spend_p.add_argument("--idempotency-key", required=True)
    spend_p.add_argument("--isolation", choices=sorted(ISOLATION_LEVELS))
    args = parser.parse_args()

    key = os.environ.get("KOBATELA_API_KEY")
    if not key:
        sys.exit("python_client: KOBATELA_API_KEY must hold an API key of scope sender")
    rendezvous = os.environ.get("KOBATELA_CLIENT_RENDEZVOUS")
    handler = RequestHandler(connect(os.environ.get("KOBATELA_DSN", ""), os.environ.get("KOBATELA_ROLE")),
                             log=log, after_first_call=rendezvous_hook(int(rendezvous)) if rendezvous else None)

    if args.command == "story":
        client, provider = register(handler, key, args.run)
        deadline = deadline_in(30)
        escrow = create_and_fund(handler, key, args.run, client, provider, deadline)
        create_and_fund(handler, key, args.run, client, provider, deadline, request="create_and_fund_again")
        allow_payee(handler, key, escrow)
        spend(handler, key, escrow, "clinic", "40.00", args.run + "-spend-1")
        spend(handler, key, escrow, "clinic", "40.00", args.run + "-spend-1", request="spend_again")
        list_page(handler, key, escrow)
        mistakes(handler, key, escrow)
    elif args.command == "errors":
        mistakes(handler, key, args.escrow)
    else:
        line = spend(handler, key, args.escrow, args.payee, args.amount, args.idempotency_key, args.isolation)
        sys.exit(0 if line["status"] == 200 else 1)


if __name__ == "__main__":
    main()
