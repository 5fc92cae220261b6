#!/usr/bin/python3
"""A payout worker: hands Kobatela's SENT payments to the payment provider (docs/payouts.md).

In a loop: claim a batch of due payouts (``kobatela.claim_payouts``, one short transaction), send
each to the PSP (``POST <PSP_URL>/payouts``, JSON, with the payment's psp_ref as the
``Idempotency-Key``, so that sending it again never pays twice), and report what the PSP answered,
each in its own short transaction: ``kobatela.payout_transmitted(payment_id, psp_ref)`` when it
accepted the instruction (the reference it echoes back), ``kobatela.payout_transmission_failed
(payment_id, reason)`` when it did not. A payout the worker claimed but never reported (it died)
is claimed again once its lease expires (``kobatela.payout_lease_s``), by this worker or another.
The PSP's webhooks then settle or fail the payments; the worker never changes a payment's status.

Configuration (environment): ``KOBATELA_WORKER_KEY`` an API key of scope worker (required; never
printed), ``KOBATELA_DSN`` the libpq connection string (empty: the PG* variables),
``KOBATELA_ROLE`` a role to SET after connecting (e.g. kobatela_anon, as PostgREST would;
optional), ``PSP_URL`` the PSP's base URL (default http://127.0.0.1:54379).

``--crash-after-posts K`` makes the worker exit abruptly (``os._exit``, no report, no cleanup) right
after the PSP accepted its K-th payout: a worker killed mid-batch, for the tests.

Runs with Debian's /usr/bin/python3 and python3-psycopg (psycopg 3).
"""

import argparse
import json
import os
import signal
import socket
import sys
import time
import urllib.error
import urllib.request

import psycopg
from psycopg import sql

MAX_REASON_CHARS = 500  # kobatela.payout_transmission_failed's bound on a reason
CRASH_EXIT_CODE = 3


class Worker:
    def __init__(self, args):
        self.key = os.environ.get("KOBATELA_WORKER_KEY")
        if not self.key:
            sys.exit("payout_worker: KOBATELA_WORKER_KEY must hold an API key of scope worker")
        self.name = args.name
        self.batch = args.batch
        self.psp_url = os.environ.get("PSP_URL", "http://127.0.0.1:54379").rstrip("/")
        self.crash_after_posts = args.crash_after_posts
        self.posts = 0
        self.conn = None
        self.connect()
        self.stopping = False

    def connect(self):
        try:
            if self.conn is not None:
                self.conn.close()
            self.conn = psycopg.connect(os.environ.get("KOBATELA_DSN", ""), autocommit=True)
            role = os.environ.get("KOBATELA_ROLE")
            if role:
                self.conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        except psycopg.OperationalError as e:
            if self.conn is None:
                raise
            log("cannot connect (%s)" % str(e).splitlines()[0])

    # --- Kobatela: each call in its own short transaction, with the key authenticated in it ---
    def call(self, sql, params):
        with self.conn.transaction():
            self.conn.execute("SELECT kobatela.authenticate(%s)", (self.key,))
            return self.conn.execute(sql, params).fetchall()

    def claim(self):
        return self.call(
            "SELECT payment_id, psp_ref, kind::text, amount::text, currency, escrow_id, beneficiary_user_id, "
            "payee_ref, payee_label, attempt FROM kobatela.claim_payouts(%s, %s)", (self.name, self.batch))

    def transmitted(self, payment_id, psp_ref):
        self.call("SELECT state::text FROM kobatela.payout_transmitted(%s, %s)", (payment_id, psp_ref))

    def failed(self, payment_id, reason):
        self.call("SELECT state::text FROM kobatela.payout_transmission_failed(%s, %s)", (payment_id, bounded(reason)))

    # --- the PSP ---
    def post(self, row):
        payment_id, psp_ref, kind, amount, currency, escrow_id, user_id, payee_ref, payee_label, attempt = row
        beneficiary = ({"payee_ref": payee_ref, "label": payee_label} if payee_ref is not None
                       else {"user_id": user_id})
        body = json.dumps({"reference": psp_ref, "kind": kind, "amount": amount, "currency": currency,
                           "beneficiary": beneficiary, "escrow_id": escrow_id}).encode()
        request = urllib.request.Request(self.psp_url + "/payouts", data=body, method="POST", headers={
            "Content-Type": "application/json", "Idempotency-Key": psp_ref})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def send(self, row):
        payment_id, psp_ref = row[0], row[1]
        try:
            transfer = self.post(row)
        except urllib.error.HTTPError as e:
            self.report(self.failed, payment_id, "PSP answered HTTP %d" % e.code)
            log("payment %s: PSP answered %d, attempt %s failed" % (payment_id, e.code, row[9]))
            return
        except (urllib.error.URLError, OSError, ValueError) as e:
            self.report(self.failed, payment_id, "PSP unreachable: %s" % e)
            log("payment %s: PSP unreachable, attempt %s failed" % (payment_id, row[9]))
            return
        self.posts += 1
        if self.crash_after_posts and self.posts >= self.crash_after_posts:
            log("crashing after %d payouts accepted by the PSP (payment %s not reported)" % (self.posts, payment_id))
            os._exit(CRASH_EXIT_CODE)
        # The PSP echoes the reference it was given: Kobatela refuses a report for another payment.
        if self.report(self.transmitted, payment_id, str(transfer.get("reference", ""))):
            log("payment %s: transmitted as %s (%s)" % (payment_id, transfer.get("id"), psp_ref))

    def report(self, how, payment_id, value):
        """A report Kobatela refuses (PSP_REF_MISMATCH: the PSP answered for another reference) is
        logged and left alone: the payout stays CLAIMED, and is claimed again once its lease expires."""
        try:
            how(payment_id, value)
            return True
        except psycopg.DatabaseError as e:
            log("payment %s: report refused (%s %s)" % (payment_id, e.sqlstate, str(e).splitlines()[0]))
            return False

    def run(self, poll_s, once):
        while not self.stopping:
            try:
                rows = self.claim()
            except psycopg.OperationalError as e:  # the database went away: wait, then connect again
                log("claim failed (%s), reconnecting" % str(e).splitlines()[0])
                time.sleep(poll_s)
                self.connect()
                continue
            for row in rows:
                self.send(row)
            if not rows:
                if once:
                    return
                time.sleep(poll_s)


def bounded(reason):
    """A reason Kobatela accepts: printable, one line, at most MAX_REASON_CHARS characters."""
    text = "".join(c if c.isprintable() else " " for c in reason).strip() or "failed"
    return text[:MAX_REASON_CHARS]


def log(message):
    print("payout_worker: %s" % message, file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", default="%s-%d" % (socket.gethostname(), os.getpid()),
                        help="the worker's name in claimed_by (default host-pid)")
    parser.add_argument("--batch", type=int, default=10, help="payouts claimed at a time (1 to 1000)")
    parser.add_argument("--poll", type=float, default=1.0, help="seconds to wait when nothing is due")
    parser.add_argument("--once", action="store_true", help="exit when nothing is due")
    parser.add_argument("--crash-after-posts", type=int, default=0,
                        help="exit abruptly after the PSP accepted this many payouts (tests)")
    args = parser.parse_args()
    worker = Worker(args)

    def stop(signum, frame):
        worker.stopping = True
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log("%s started (batch %d)" % (worker.name, worker.batch))
    worker.run(args.poll, args.once)
    log("%s stopped" % worker.name)


if __name__ == "__main__":
    main()
