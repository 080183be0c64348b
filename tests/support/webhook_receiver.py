"""A webhook receiver on loopback, as a partner would write one with the
`standardwebhooks` library (PyPI): every POST is verified with it against
each secret given, and a webhook-id already accepted is refused as a
replay. Each request is written to the log file as one JSON line: its
headers, its body, which secrets verified it, and the status answered.

Usage: webhook_receiver.py LOG_FILE PORT_FILE [--secret S]... [--fail N]
       [--delay-first SECONDS]

It answers 500 to the first N requests (to see the sender retry), holds
the first request for SECONDS before answering (to see a sender die in the
middle), 400 when no secret verifies, and 204 to a new message, which it
processes. A message whose webhook-id it has processed already (a retry
that crossed an answer, or a replay) is answered 200 and not processed
again. It
writes the port it listens on to PORT_FILE, and stops after ten minutes
in any case."""
import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

parser = argparse.ArgumentParser()
parser.add_argument("log")
parser.add_argument("port_file")
parser.add_argument("--secret", action="append", default=[])
parser.add_argument("--fail", type=int, default=0)
parser.add_argument("--delay-first", type=float, default=0.0)
args = parser.parse_args()

lock = threading.Lock()
state = {"requests": 0, "accepted": set()}


class Receiver(BaseHTTPRequestHandler):
    def log_message(self, *_):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        verified = []
        error = None
        for i, secret in enumerate(args.secret):
            try:
                Webhook(secret).verify(body, headers)
                verified.append(i)
            except WebhookVerificationError as e:
                error = str(e)
        with lock:
            state["requests"] += 1
            number = state["requests"]
            webhook_id = headers.get("webhook-id", "")
            if number <= args.fail:
                status = 500
            elif not verified:
                status = 400
            elif webhook_id in state["accepted"]:
                status = 200
            else:
                status = 204
                state["accepted"].add(webhook_id)
            record = {
                "number": number,
                "path": self.path,
                "headers": {k: v for k, v in headers.items() if k.startswith("webhook-") or k in ("content-type", "user-agent", "host")},
                "body": body.decode("utf-8", "replace"),
                "verified_with": verified,
                "error": error,
                "status": status,
                "processed": status == 204,
            }
            with open(args.log, "a", encoding="utf-8") as log:
                log.write(json.dumps(record) + "\n")
        if number == 1 and args.delay_first > 0:
            time.sleep(args.delay_first)
        self.send_response(status)
        answer = {204: b"", 200: b"already processed", 400: b"bad signature", 500: b"try again"}[status]
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
server.daemon_threads = True
with open(args.port_file + ".tmp", "w", encoding="utf-8") as f:
    f.write(str(server.server_address[1]))
os.replace(args.port_file + ".tmp", args.port_file)
stopper = threading.Timer(600, server.shutdown)
stopper.daemon = True
stopper.start()
server.serve_forever()
