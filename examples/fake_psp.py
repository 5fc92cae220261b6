#!/usr/bin/python3
"""A fake payment provider (PSP) for the payout worker's tests (docs/payouts.md).

It listens on 127.0.0.1 and does what a PSP's payout API does, as far as Kobatela cares:

* POST /payouts with a JSON instruction and an ``Idempotency-Key`` header (the payment's
  psp_ref): the first request for a key makes a transfer (201); every later request with the same
  key answers the same transfer (200) and never makes a second one. ``--fail-first N`` answers the
  very first request of the first N keys it sees with a 500, as a PSP having a bad moment does, so
  that the worker's retries are exercised.
* Each transfer is then settled: a signed webhook ``{"id", "type": "payment.settled", "psp_ref"}``
  is delivered to Kobatela, HMAC-SHA256 (hex) over ``ts + "." + body`` with the PSP's secret, by
  calling ``kobatela.psp_webhook(body, signature, ts)`` through psycopg as PostgREST's
  ``kobatela_anon`` role would (a webhook needs no API key: the signature is its credential).
* GET /transfers lists every transfer made (and how many requests each key got), for the tests.
  With ``--hold-webhooks``, no webhook is delivered before ``POST /webhooks/release`` (the tests
  decide when the PSP's settlements arrive: after the worker reported every payout transmitted).

Configuration: ``PSP_SECRET_FILE`` names the file holding the webhook secret (never printed);
``KOBATELA_DSN`` is the libpq connection string of Kobatela's database (empty: the PG* variables).
It prints the port it listens on (``--port 0``: any free one) to ``--port-file`` when given.

Runs with Debian's /usr/bin/python3 and python3-psycopg (psycopg 3).
"""

import argparse
import hashlib
import hmac
import http.server
import json
import os
import queue
import sys
import threading
import time

import psycopg


class Ledger:
    """The PSP's books: transfers by idempotency key, and how many requests each key got."""

    def __init__(self, fail_first):
        self.lock = threading.Lock()
        self.transfers = {}  # key -> transfer
        self.requests = {}   # key -> requests seen
        self.fail_first = fail_first
        self.failed_keys = set()

    def payout(self, key, instruction):
        """(status, transfer or None, created): what the PSP answers for this request."""
        with self.lock:
            self.requests[key] = self.requests.get(key, 0) + 1
            if key in self.transfers:
                return 200, self.transfers[key], False
            if self.requests[key] == 1 and len(self.failed_keys) < self.fail_first:
                self.failed_keys.add(key)
                return 500, None, False
            transfer = {
                "id": "tr_%d" % (len(self.transfers) + 1),
                "reference": key,
                "amount": instruction.get("amount"),
                "currency": instruction.get("currency"),
                "beneficiary": instruction.get("beneficiary"),
                "status": "accepted",
            }
            self.transfers[key] = transfer
            return 201, transfer, True

    def snapshot(self):
        with self.lock:
            return [dict(t, requests=self.requests[k]) for k, t in self.transfers.items()], dict(self.requests)


class Webhooks(threading.Thread):
    """Delivers the settlement webhooks, one after the other, on one connection."""

    def __init__(self, dsn, secret, delay_s, hold):
        super().__init__(daemon=True)
        self.dsn = dsn
        self.secret = secret
        self.delay_s = delay_s
        self.pending = queue.Queue()
        self.released = threading.Event()
        if not hold:
            self.released.set()

    def settle(self, transfer):
        self.pending.put(transfer)

    def run(self):
        conn = None
        while True:
            transfer = self.pending.get()
            self.released.wait()
            time.sleep(self.delay_s)
            body = json.dumps({"id": "evt_" + transfer["id"], "type": "payment.settled",
                               "psp_ref": transfer["reference"]}, separators=(",", ":"))
            ts = "%.6f" % time.time()
            signature = hmac.new(self.secret, (ts + "." + body).encode(), hashlib.sha256).hexdigest()
            for attempt in range(5):
                try:
                    if conn is None or conn.closed:
                        conn = psycopg.connect(self.dsn, autocommit=True)
                    with conn.transaction():
                        conn.execute("SET LOCAL ROLE kobatela_anon")
                        conn.execute("SELECT kobatela.psp_webhook(%s, %s, %s)", (body, signature, ts))
                    break
                except psycopg.Error as e:  # delivered again later, as a PSP retries
                    print("fake_psp: webhook for %s failed (%s), retrying" % (transfer["reference"], e.sqlstate),
                          file=sys.stderr, flush=True)
                    time.sleep(0.5 * (attempt + 1))


def handler(ledger, webhooks):
    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self, status, document):
            data = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            if self.path == "/webhooks/release":
                webhooks.released.set()
                return self.answer(200, {"released": True})
            if self.path != "/payouts":
                return self.answer(404, {"error": "not found"})
            key = self.headers.get("Idempotency-Key")
            length = int(self.headers.get("Content-Length") or 0)
            try:
                instruction = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return self.answer(400, {"error": "the body is not JSON"})
            if not key:
                return self.answer(400, {"error": "Idempotency-Key is required"})
            status, transfer, created = ledger.payout(key, instruction)
            if transfer is None:
                return self.answer(status, {"error": "temporarily unavailable"})
            if created:
                webhooks.settle(transfer)
            return self.answer(status, transfer)

        def do_GET(self):
            if self.path != "/transfers":
                return self.answer(404, {"error": "not found"})
            transfers, requests = ledger.snapshot()
            return self.answer(200, {"transfers": transfers, "requests": requests})

        def log_message(self, fmt, *args):  # one line per request, on stderr
            sys.stderr.write("fake_psp: %s\n" % (fmt % args))

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=54379, help="0: any free port")
    parser.add_argument("--port-file", help="write the port listened on to this file")
    parser.add_argument("--fail-first", type=int, default=0,
                        help="answer the first request of the first N keys with a 500")
    parser.add_argument("--webhook-delay", type=float, default=0.2, help="seconds before a transfer settles")
    parser.add_argument("--hold-webhooks", action="store_true", help="deliver none before POST /webhooks/release")
    args = parser.parse_args()

    secret_file = os.environ.get("PSP_SECRET_FILE")
    if not secret_file:
        sys.exit("fake_psp: PSP_SECRET_FILE must name the file holding the webhook secret")
    with open(secret_file, "rb") as f:
        secret = f.read().strip()

    ledger = Ledger(args.fail_first)
    webhooks = Webhooks(os.environ.get("KOBATELA_DSN", ""), secret, args.webhook_delay, args.hold_webhooks)
    webhooks.start()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler(ledger, webhooks))
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".new", "w") as f:
            f.write("%d\n" % port)
        os.replace(args.port_file + ".new", args.port_file)
    print("fake_psp: listening on 127.0.0.1:%d" % port, file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
