#!/usr/bin/env python3
"""A loopback HTTP receiver for notification tests: records every request as one JSON line and
answers as its plan file says, read anew for every request.

usage: http_receiver.py PORT LOG PLAN

PLAN holds steps separated by blanks; each step answers one request (STEP*N: N requests), and the
last step answers all further ones. The steps are counted from the moment the file last changed.
  ok            200 with the body "ok" (what Slack answers)
  NNN           status NNN with the body "error NNN"
  NNN:SECONDS   status NNN with "Retry-After: SECONDS"
  body:NNN:TEXT status NNN with the body TEXT
  delay:SECONDS 200 "ok" after SECONDS
  hang          never answers (the connection stays open until the client gives up)
Any step but hang may end in header fields to add to its answer: STEP|Name=Value|Name=Value.
A missing or empty PLAN means "ok".

Each LOG line: {"n", "method", "path", "headers" (lower-case names), "body", "status"}, written
before the answer is sent ("status": null for a request left hanging), so whoever sees a 2xx
finds the request in the log already.
"""
import http.server
import json
import os
import sys
import threading
import time

PORT, LOG, PLAN = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lock = threading.Lock()
state = {"plan": None, "count": 0, "n": 0}


def next_step():
    try:
        with open(PLAN) as f:
            text = f.read().strip()
    except OSError:
        text = ""
    with lock:
        if text != state["plan"]:
            state["plan"], state["count"] = text, 0
        i = state["count"]
        state["count"] += 1
        state["n"] += 1
        n = state["n"]
    steps = []
    for word in (text or "ok").split():
        step, _, times = word.partition("*")
        steps.extend([step] * (int(times) if times else 1))
    return n, steps[min(i, len(steps) - 1)]


def record(entry):
    with lock:
        with open(LOG, "a") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle holds the body until the
    # client's delayed ACK (40 ms a request on a kept-alive connection).
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        n, step = next_step()
        entry = {"n": n, "method": self.command, "path": self.path,
                 "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
        if step == "hang":
            entry["status"] = None
            record(entry)
            while True:
                time.sleep(3600)
        status, reply, extra = 200, "ok", {}
        step, *fields = step.split("|")
        for field in fields:
            name, _, value = field.partition("=")
            extra[name] = value
        if step.startswith("delay:"):
            time.sleep(float(step[6:]))
        elif step.startswith("body:"):
            _, code, reply = step.split(":", 2)
            status = int(code)
        elif step != "ok":
            code, _, after = step.partition(":")
            status, reply = int(code), "error " + code
            if after:
                extra["Retry-After"] = after
        entry["status"] = status
        record(entry)
        data = reply.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


Server(("127.0.0.1", PORT), Handler).serve_forever()
