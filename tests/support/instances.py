#!/usr/bin/env python3
"""Two Lyceum instances on one PostgreSQL behind nginx, on loopback.

Run by `scripts/test` (section "multi-instance test on PostgreSQL") against
a fresh, empty cluster; Python's standard library only. Checks, each printed
as one `PASS: ...` or `FAIL: ...` line with its figures:

  1. two instances started at the same instant on the empty database, with
     the demo data asked for, both serve and are ready; the demo catalogue
     was loaded once; `lyceum check-seats` passes
  2. `/metrics` is 404 through nginx and on each public port, 200 on each
     operators' address (LYCEUM_OPS_ADDR)
  3. an anonymous page served from an instance's cache through nginx: its
     CSP (a nonce, if any, never the same twice), ETag, Cache-Control, 304
  4. a rolling restart (SIGTERM, wait, start again; A then B) under a
     steady mixed load through nginx: no connection error, timeout or 5xx;
     every acknowledged enrolment stored; no job lost; seats consistent
  5. SIGTERM to one instance during 200 concurrent enrolments sent to it
     directly: every request in flight answered, every 2xx stored
  6. PostgreSQL stopped under light load: each instance's /readyz turns 503
     within a second, pages answer 503 with Retry-After and the API a
     problem+json 503 (never 500), each within a second once the instance
     has seen the database gone; after PostgreSQL is back, /readyz turns
     200 within a second and the load succeeds again

nginx (open source) has no active health checks, so the test plays the
balancer's part as a deployment would: a thread reads each instance's
/readyz every 100 ms and takes an instance that is not ready (draining,
stopped) out of nginx's upstream, by a configuration reload, and puts it
back when it is ready again (all stay in when none is ready, so the
instances' own 503 reaches the client). `--no-balancer` leaves nginx to its
passive checks alone (proxy_next_upstream error timeout).

Every process it starts is killed when it ends, on failure too; the whole
run is bounded by --time-limit (default 170 s). Exits 1 when a check fails.
"""

import argparse
import hashlib
import http.client
import json
import os
import random
import re
import signal
import socket
import string
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

SECRET = "multi-instance test secret, the same on every instance"
ENROL_BODY = json.dumps({
    "billing": "private", "billing_name": "Instance Learner", "address": "1 Main Street", "city": "Valletta",
    "country": "MT", "payment": "transfer", "accept_terms": True,
}).encode()

RESULTS = []
PROCESSES = []  # every Popen started, killed at the end
PROCESSES_LOCK = threading.Lock()
T_START = time.monotonic()


def now():
    return time.monotonic()


def log(message):
    print(f"  [{now() - T_START:6.1f}s] {message}", flush=True)


def check(name, ok, figures):
    RESULTS.append((name, bool(ok)))
    print(f"{'PASS' if ok else 'FAIL'}: {name}: {figures}", flush=True)
    return ok


def spawn(args, **kwargs):
    with PROCESSES_LOCK:
        process = subprocess.Popen(args, **kwargs)
        PROCESSES.append(process)
    return process


def kill_everything():
    with PROCESSES_LOCK:
        processes = list(PROCESSES)
    for process in processes:
        if process.poll() is None:
            try:
                process.kill()
            except OSError:
                pass
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def free_ports(count):
    sockets = []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


# ---------------------------------------------------------------- HTTP


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case names; repeated ones joined with ", "
        self.body = body

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def json(self):
        return json.loads(self.body)


def read_answer(response):
    headers = {}
    for name, value in response.getheaders():
        name = name.lower()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return Answer(response.status, headers, response.read())


def fetch(port, path, method="GET", body=None, headers=None, timeout=10.0):
    """One request on a connection of its own."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        return read_answer(connection.getresponse())
    finally:
        connection.close()


def try_fetch(port, path, timeout=2.0, **kwargs):
    try:
        return fetch(port, path, timeout=timeout, **kwargs)
    except (OSError, http.client.HTTPException):
        return None


class Client:
    """A kept-alive connection, opened again after an error or a close; or,
    `fresh`, a connection of its own for each request. The load uses fresh
    ones: a configuration reload of nginx closes its idle kept-alive
    connections, and a request sent on one at that moment fails for
    reasons of the test's own making, not of the instances'."""

    def __init__(self, port, timeout=15.0, fresh=True):
        self.port = port
        self.timeout = timeout
        self.fresh = fresh
        self.connection = None

    def call(self, method, path, body=None, headers=None):
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = dict(headers or {})
        if self.fresh:
            headers["Connection"] = "close"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            answer = read_answer(self.connection.getresponse())
        except BaseException:
            self.close()
            raise
        if self.fresh or answer.header("connection", "").lower() == "close":
            self.close()
        return answer

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def enrol_headers(token):
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"}


def random_word():
    return "".join(random.choice(string.ascii_lowercase) for _ in range(9))


# ---------------------------------------------------------------- processes


class Instance:
    def __init__(self, name, options, port, ops_port):
        self.name = name
        self.options = options
        self.port = port
        self.ops_port = ops_port
        self.process = None
        self.starts = 0
        self.log_path = None

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("LYCEUM_") and k != "DATABASE_URL"}
        env.update({
            "DATABASE_URL": self.options.database_url,
            "LYCEUM_ADDR": f"127.0.0.1:{self.port}",
            "LYCEUM_OPS_ADDR": f"127.0.0.1:{self.ops_port}",
            "LYCEUM_PUBLIC_URL": f"http://127.0.0.1:{self.options.nginx_port}",
            "LYCEUM_SECRET": SECRET,
            "LYCEUM_TRUSTED_PROXIES": "127.0.0.1",
            "LYCEUM_DEMO_DATA": "true",
            "LYCEUM_DEMO_LEARNER_PASSWORD": "harbour lanterns at dusk 4417",
            "LYCEUM_DEMO_STAFF_PASSWORD": "quayside bells ring twice 9023",
            "LYCEUM_RATE_LIMITS": "false",
            # Every client comes through nginx from one address.
            "LYCEUM_API_REQUESTS_PER_MINUTE": "1000000",
            "LYCEUM_SHUTDOWN_GRACE_SECS": str(self.options.grace),
            "LYCEUM_SHUTDOWN_TIMEOUT_SECS": "20",
            "LYCEUM_LOG": "info",
            "LEPTOS_SITE_ROOT": self.options.site_root,
            "LEPTOS_ENV": "PROD",
        })
        return env

    def start(self):
        self.starts += 1
        self.log_path = os.path.join(self.options.work, f"{self.name}-{self.starts}.log")
        log_file = open(self.log_path, "wb")
        self.process = spawn([self.options.lyceum, "serve"], env=self.env(), cwd=self.options.work,
                             stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT)
        log_file.close()
        self.started_at = now()

    def said(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_serving(self, timeout):
        """Seconds until it said it serves, or None (stopped, or timed out)."""
        deadline = now() + timeout
        while now() < deadline:
            if "Lyceum is serving" in self.said():
                return now() - self.started_at
            if self.process.poll() is not None:
                return None
            time.sleep(0.05)
        return None

    def wait_ready(self, timeout, ops=False):
        deadline = now() + timeout
        while now() < deadline:
            answer = try_fetch(self.ops_port if ops else self.port, "/readyz", timeout=1.0)
            if answer is not None and answer.status == 200:
                return True
            time.sleep(0.05)
        return False

    def terminate(self):
        self.process.send_signal(signal.SIGTERM)

    def wait_exit(self, timeout):
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def tail(self, lines=15):
        return "\n".join("      " + line for line in self.said().splitlines()[-lines:])


class Nginx:
    """nginx in front of the instances; its upstream is rewritten and
    reloaded (SIGHUP) by the balancer thread."""

    def __init__(self, options, instances):
        self.options = options
        self.instances = instances
        self.conf = os.path.join(options.work, "nginx.conf")
        self.upstream = os.path.join(options.work, "upstream.conf")
        self.process = None
        self.reloads = 0
        self.lock = threading.Lock()
        self.down = set()

    def write_upstream(self, down):
        lines = ["upstream lyceum {"]
        for instance in self.instances:
            mark = " down" if instance.name in down else ""
            lines.append(f"    server 127.0.0.1:{instance.port} max_fails=1 fail_timeout=2s{mark};")
        lines.append("}")
        with open(self.upstream + ".new", "w") as f:
            f.write("\n".join(lines) + "\n")
        os.replace(self.upstream + ".new", self.upstream)

    def start(self):
        work = self.options.work
        self.write_upstream(set())
        with open(self.conf, "w") as f:
            f.write(f"""worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    # Its own folders, so it runs without root too; bodies and answers
    # stay in memory (below), so the workers never write to them.
    client_body_temp_path {work}/nginx-body;
    proxy_temp_path {work}/nginx-proxy;
    fastcgi_temp_path {work}/nginx-fastcgi;
    uwsgi_temp_path {work}/nginx-uwsgi;
    scgi_temp_path {work}/nginx-scgi;
    include {self.upstream};
    server {{
        listen 127.0.0.1:{self.options.nginx_port};
        keepalive_requests 1000000;
        location / {{
            proxy_pass http://lyceum;
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
            proxy_read_timeout 30s;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            # Pages are larger than nginx's default buffers: keep them in
            # memory rather than in a temporary file.
            proxy_buffers 32 16k;
            proxy_busy_buffers_size 64k;
            proxy_max_temp_file_size 0;
        }}
    }}
}}
""")
        test = subprocess.run([self.options.nginx, "-t", "-c", self.conf], capture_output=True, text=True, timeout=20)
        if test.returncode != 0:
            raise RuntimeError(f"nginx refuses its configuration: {test.stderr.strip()}")
        self.process = spawn([self.options.nginx, "-c", self.conf], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "nginx-stderr.log"), "wb"))
        deadline = now() + 10
        while now() < deadline:
            if try_fetch(self.options.nginx_port, "/healthz", timeout=1.0) is not None:
                return
            time.sleep(0.05)
        raise RuntimeError("nginx did not answer within 10 s")

    def set_down(self, down):
        with self.lock:
            if down == self.down:
                return
            self.down = set(down)
            self.write_upstream(self.down)
            self.process.send_signal(signal.SIGHUP)
            self.reloads += 1


class Balancer(threading.Thread):
    """Reads each instance's /readyz every 100 ms; an instance not ready
    is taken out of nginx's upstream (unless none is ready)."""

    def __init__(self, nginx, instances):
        super().__init__(daemon=True)
        self.nginx = nginx
        self.instances = instances
        self.stopping = threading.Event()
        self.events = []

    def run(self):
        while not self.stopping.is_set():
            ready = set()
            for instance in self.instances:
                answer = try_fetch(instance.port, "/readyz", timeout=1.0)
                if answer is not None and answer.status == 200:
                    ready.add(instance.name)
            down = {i.name for i in self.instances} - ready if ready else set()
            if down != self.nginx.down:
                self.events.append((now(), sorted(down)))
                self.nginx.set_down(down)
            self.stopping.wait(0.1)

    def stop(self):
        self.stopping.set()
        self.join(timeout=5)


# ---------------------------------------------------------------- database


def pg_ctl(command, what):
    """Runs one of the test command's pg_ctl lines; when it began and ended."""
    began = now()
    done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=60)
    ended = now()
    if done.returncode != 0:
        raise RuntimeError(f"pg_ctl {what} failed: {done.stderr.strip()} {done.stdout.strip()}")
    return began, ended


def psql(options, sql):
    out = subprocess.run([options.psql, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", options.database_url,
                          "-c", sql], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise RuntimeError(f"psql failed: {out.stderr.strip()}")
    return out.stdout.strip()


def lyceum_command(options, *args, timeout=120):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LYCEUM_") and k != "DATABASE_URL"}
    env.update({"DATABASE_URL": options.database_url, "LYCEUM_SECRET": SECRET, "LYCEUM_LOG": "warn"})
    return subprocess.run([options.lyceum, *args], env=env, cwd=options.work, capture_output=True, text=True,
                          timeout=timeout)


def check_seats(options):
    out = lyceum_command(options, "check-seats")
    said = (out.stdout + out.stderr).strip().splitlines()
    return out.returncode == 0, (said[-1] if said else "")


def jobs_state(options):
    """(due queued, running, running with a lapsed lease, failed, queued later)."""
    row = psql(options, """SELECT
        (SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND run_at <= now()),
        (SELECT COUNT(*) FROM jobs WHERE status = 'running'),
        (SELECT COUNT(*) FROM jobs WHERE status = 'running' AND locked_until < now()),
        (SELECT COUNT(*) FROM jobs WHERE status = 'failed'),
        (SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND run_at > now())""")
    return tuple(int(x) for x in row.split("|"))


def wait_jobs_settled(options, timeout):
    """Waits until no job is due, running or failed; returns (settled,
    seconds waited, last state)."""
    started = now()
    while True:
        state = jobs_state(options)
        due, running, lapsed, failed, _later = state
        if due == 0 and running == 0 and failed == 0:
            return True, now() - started, state
        if failed or now() - started > timeout:
            return False, now() - started, state
        time.sleep(0.5)


def stored_enrolments(port, token_of, acknowledged):
    """Of {enrolment id: learner}, the ids each learner's own list (read
    with their token, on `port`) holds."""
    learners = sorted(set(acknowledged.values()))

    def ids_of(learner):
        for _attempt in range(3):
            answer = try_fetch(port, "/api/v1/me/enrollments?per_page=100", timeout=10.0,
                               headers={"Authorization": f"Bearer {token_of[learner]}", "Accept": "application/json"})
            if answer is not None and answer.status == 200:
                return {item["id"] for item in answer.json()["items"]}
            time.sleep(0.3)
        raise RuntimeError(f"cannot read learner {learner}'s enrolments back: "
                           f"{answer.status if answer else 'no answer'} {answer.body[:200] if answer else ''}")

    with ThreadPoolExecutor(8) as pool:
        lists = dict(zip(learners, pool.map(ids_of, learners)))
    return {eid for eid, learner in acknowledged.items() if eid in lists[learner]}


def ops_metric_sum(port, name):
    answer = try_fetch(port, "/metrics", timeout=5.0)
    if answer is None or answer.status != 200:
        return None
    total = 0.0
    for line in answer.body.decode("utf-8", "replace").splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


# ---------------------------------------------------------------- load


class Learners:
    """Seeded learners' tokens, each handed out once."""

    def __init__(self, tokens):
        self.tokens = tokens
        self.next = 0
        self.lock = threading.Lock()

    def take(self, n=1):
        with self.lock:
            if self.next + n > len(self.tokens):
                return None
            first = self.next
            self.next += n
            return list(range(first, first + n))


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.answers = []  # (sent, answered, kind, status, headers or error)
        self.acknowledged = {}  # enrolment id -> learner
        self.unanswered_enrolments = []  # learners whose enrolment got no answer

    def add(self, sent, kind, status, detail):
        with self.lock:
            self.answers.append((sent, now(), kind, status, detail))

    def counts(self, since=None, until=None):
        out = {}
        for sent, _answered, kind, status, _ in self.answers:
            if (since is None or sent >= since) and (until is None or sent < until):
                key = f"{kind}:{status}"
                out[key] = out.get(key, 0) + 1
        return out


def load_thread(port, stopping, tally, learners, sessions, slugs, pause, mix):
    client = Client(port)
    while not stopping.is_set():
        kind = random.choice(mix)
        learner = None
        if kind == "enrol":
            taken = learners.take()
            if taken is None:
                kind = "page"
            else:
                learner = taken[0]
        if kind == "page":
            method, path, body, headers = "GET", "/courses", None, {}
        elif kind == "course":
            method, path, body, headers = "GET", f"/courses/{random.choice(slugs)}", None, {}
        elif kind == "api":
            method, path, body, headers = "GET", "/api/v1/courses", None, {"Accept": "application/json"}
        elif kind == "search":
            method, path, body, headers = "GET", f"/courses?q={random_word()}", None, {}
        elif kind == "api-search":
            method, path, body, headers = "GET", f"/api/v1/courses?q={random_word()}", None, \
                {"Accept": "application/json"}
        else:
            session = sessions[learner % len(sessions)]
            method, path, body, headers = "POST", f"/api/v1/sessions/{session}/enrollments", ENROL_BODY, \
                enrol_headers(learners.tokens[learner])
        sent = now()
        try:
            answer = client.call(method, path, body=body, headers=headers)
        except socket.timeout:
            tally.add(sent, kind, "timeout", "timeout")
            if learner is not None:
                tally.unanswered_enrolments.append(learner)
        except (OSError, http.client.HTTPException) as error:
            tally.add(sent, kind, "error", repr(error))
            if learner is not None:
                tally.unanswered_enrolments.append(learner)
        else:
            tally.add(sent, kind, answer.status, answer.headers)
            if kind == "enrol" and 200 <= answer.status < 300:
                with tally.lock:
                    tally.acknowledged[answer.json()["enrollment"]["id"]] = learner
        if pause:
            stopping.wait(pause)
    client.close()


def is_failure(status):
    return status in ("error", "timeout") or (isinstance(status, int) and status >= 500)


# ---------------------------------------------------------------- the checks


def check_simultaneous_start(options, a, b):
    log("starting instances A and B at the same instant on the empty database")
    a.start()
    b.start()
    serving = {i.name: i.wait_serving(options.start_timeout) for i in (a, b)}
    for instance in (a, b):
        if serving[instance.name] is None:
            print(f"    instance {instance.name} did not serve; its last lines:\n{instance.tail()}", flush=True)
    ready = {i.name: serving[i.name] is not None and i.wait_ready(10) and i.wait_ready(10, ops=True) for i in (a, b)}
    notices = [re.search(r"(\d+) demo courses with (\d+) sessions", i.said()) for i in (a, b)]
    loads = [n for n in notices if n]
    try:
        courses = int(psql(options, "SELECT COUNT(*) FROM courses"))
        sessions = int(psql(options, "SELECT COUNT(*) FROM course_sessions"))
        seats_ok, seats_said = check_seats(options)
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        courses, sessions, seats_ok, seats_said = -1, -1, False, str(error)
    figures = (f"serving after A {fmt_s(serving['a'])}, B {fmt_s(serving['b'])}; /readyz 200 (public and ops): "
               f"A {ready['a']}, B {ready['b']}; demo notices {len(loads)} "
               f"({', '.join(f'{n.group(1)} courses/{n.group(2)} sessions' for n in loads)}); database holds "
               f"{courses} courses, {sessions} sessions; check-seats: {seats_said!r}")
    errors = {i.name: sum(1 for line in i.said().splitlines() if " ERROR " in line) for i in (a, b)}
    figures += f"; ERROR lines logged: A {errors['a']}, B {errors['b']}"
    once = (not any(errors.values()) and len(loads) == 1
            and (int(loads[0].group(1)), int(loads[0].group(2))) == (courses, sessions))
    return check("1 simultaneous start on an empty database", all(ready.values()) and once and seats_ok, figures)


def fmt_s(seconds):
    return "-" if seconds is None else f"{seconds:.1f}s"


def check_metrics(options, a, b):
    seen = {"nginx": try_fetch(options.nginx_port, "/metrics")}
    for i in (a, b):
        seen[f"{i.name} public"] = try_fetch(i.port, "/metrics")
    hidden = all(x is not None and x.status == 404 for x in seen.values())
    figures = ", ".join(f"{k} {x.status if x else 'no answer'}" for k, x in seen.items())
    ops_ok = True
    for i in (a, b):
        answer = try_fetch(i.ops_port, "/metrics", timeout=5.0)
        text = answer.body.decode("utf-8", "replace") if answer else ""
        found = [m for m in ("jobs_queued", "page_cache_entries", "db_pool_wait_seconds_bucket") if m in text]
        ops_ok &= (answer is not None and answer.status == 200
                   and ("jobs_queued" in text or "page_cache_entries" in text))
        figures += f"; {i.name} ops {answer.status if answer else 'no answer'} with {', '.join(found) or 'none'}"
    check("2 /metrics not public, served on the operators' address", hidden and ops_ok, figures)


def check_cached_page(options):
    answers = [fetch(options.nginx_port, "/courses") for _ in range(12)]
    hits = [x for x in answers if x.header("x-cache") == "hit"]
    csps = [x.header("content-security-policy") for x in answers]
    hit_csps = [x.header("content-security-policy") for x in hits]
    nonces = [m.group(1) for c in csps if c for m in [re.search(r"'nonce-([^']+)'", c)] if m]
    check("3a cached page through nginx has a CSP",
          hits and all(hit_csps) and all(x.status == 200 for x in answers),
          f"{len(answers)} GET /courses, statuses {sorted({x.status for x in answers})}, {len(hits)} cache hits, "
          f"{sum(1 for c in hit_csps if c)} of them with a CSP")
    if nonces:
        check("3b the CSP's nonce differs on every response", len(set(nonces)) == len(answers),
              f"{len(nonces)} responses with a nonce, {len(set(nonces))} distinct, of {len(answers)} responses "
              f"({len(hits)} from cache)")
    else:
        check("3b the CSP's nonce differs on every response", bool(csps) and all(csps),
              f"no CSP carries a nonce ({sum(1 for c in csps if c)} of {len(answers)} have a CSP)")
    tags = [x.header("etag") for x in answers]
    controls = [x.header("cache-control") for x in answers]
    check("3c anonymous page has an ETag", all(tags),
          f"{sum(1 for t in tags if t)} of {len(answers)} answers, e.g. {tags[-1]!r}")
    public = all(c and "public" in c and "s-maxage" in c for c in controls)
    check("3d anonymous page has Cache-Control public with s-maxage", public,
          f"{sum(1 for c in controls if c)} of {len(answers)} answers carry one, e.g. {controls[-1]!r}")
    if tags[-1]:
        revalidated = [fetch(options.nginx_port, "/courses", headers={"If-None-Match": tags[-1]}) for _ in range(4)]
        check("3e If-None-Match with the ETag answers 304", all(x.status == 304 for x in revalidated),
              f"statuses {[x.status for x in revalidated]}")
    else:
        check("3e If-None-Match with the ETag answers 304", False, "no ETag to send")
    # A page with a session is never shared.
    private = fetch(options.nginx_port, "/courses", headers={"Cookie": "lyceum_session=none"})
    control = private.header("cache-control", "")
    check("3f a request with a cookie is answered private, no-store",
          "private" in control and "no-store" in control, f"Cache-Control {control!r}")


def check_rolling_restart(options, a, b, learners, sessions, slugs, balancer_events):
    enrolments_before = int(psql(options, "SELECT COALESCE(MAX(id), 0) FROM enrolments"))
    jobs_before = int(psql(options, "SELECT COALESCE(MAX(id), 0) FROM jobs"))
    tally = Tally()
    stopping = threading.Event()
    mix = ["page", "course", "api", "enrol"]
    threads = [threading.Thread(target=load_thread, daemon=True,
                                args=(options.nginx_port, stopping, tally, learners, sessions, slugs, 0.02, mix))
               for _ in range(options.threads)]
    log(f"rolling restart: {options.threads} threads of load through nginx")
    load_started = now()
    for t in threads:
        t.start()
    time.sleep(2)
    restarts = []
    sigterms = {}
    for instance in (a, b):
        t0 = now()
        instance.terminate()
        sigterms[instance.name] = t0
        code = instance.wait_exit(options.grace + 25)
        stopped = now() - t0
        if code is None:
            print(f"    {instance.name} did not exit after SIGTERM; its last lines:\n{instance.tail()}", flush=True)
        instance.start()
        served = instance.wait_serving(options.start_timeout)
        ready = served is not None and instance.wait_ready(10)
        restarts.append((instance.name, code, stopped, served, ready))
        log(f"{instance.name}: exit {code} {stopped:.1f}s after SIGTERM; serving again after {fmt_s(served)}")
        time.sleep(1.5)
    time.sleep(1)
    stopping.set()
    for t in threads:
        t.join(timeout=20)
    duration = now() - load_started
    failures = [(kind, status, detail) for _s, _a, kind, status, detail in tally.answers if is_failure(status)]
    counts = tally.counts()
    restarted = all(code == 0 and ready for _n, code, _s, _sv, ready in restarts)
    # When the balancer (reading /readyz) took each out of nginx's upstream.
    taken_out = {}
    for name, t0 in sigterms.items():
        out = next((t for t, down in balancer_events if t >= t0 and name in down), None)
        taken_out[name] = "never" if out is None else f"{(out - t0) * 1000:.0f} ms"
    figures = (f"{len(tally.answers)} requests in {duration:.1f}s ({summarize(counts)}); failures {len(failures)}"
               + (f" e.g. {failures[:3]}" if failures else "")
               + "; restarts: " + ", ".join(f"{n} exit {c}, stopped in {s:.1f}s, serving again in {fmt_s(sv)}"
                                             for n, c, s, sv, _r in restarts)
               + (f"; taken out of nginx's upstream after SIGTERM: A {taken_out['a']}, B {taken_out['b']}"
                  if balancer_events else "; no balancer (nginx's passive checks only)"))
    check("4a rolling restart under load loses no request", restarted and not failures and tally.answers, figures)

    stored = stored_enrolments(b.port, learners.tokens, tally.acknowledged)
    missing = set(tally.acknowledged) - stored
    check("4b every acknowledged enrolment is stored", not missing and tally.acknowledged,
          f"{len(tally.acknowledged)} acknowledged, {len(stored)} read back by their learners, missing "
          f"{sorted(missing)[:10]}")

    settled, waited, state = wait_jobs_settled(options, 30)
    new_enrolments = int(psql(options, f"SELECT COUNT(*) FROM enrolments WHERE id > {enrolments_before}"))
    notices = psql(options, f"SELECT COUNT(*), COUNT(*) FILTER (WHERE status = 'done') FROM jobs "
                            f"WHERE id > {jobs_before} AND kind = 'enrolment.enrolled'").split("|")
    queued_metric = ops_metric_sum(a.ops_port, "jobs_queued")
    running_metric = ops_metric_sum(a.ops_port, "jobs_running")
    seats_ok, seats_said = check_seats(options)
    jobs_ok = settled and int(notices[0]) == new_enrolments and int(notices[1]) == new_enrolments
    check("4c no job lost, seats consistent", jobs_ok and seats_ok,
          f"jobs settled in {waited:.1f}s (due {state[0]}, running {state[1]}, lapsed leases {state[2]}, failed "
          f"{state[3]}, queued for later {state[4]}; A's ops metrics: jobs_queued {queued_metric}, "
          f"jobs_running {running_metric}); {new_enrolments} new enrolments, {notices[0]} enrolment.enrolled jobs, "
          f"{notices[1]} done; check-seats: {seats_said!r}")
    return enrolments_before, jobs_before


def summarize(counts):
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def check_sigterm_in_flight(options, a, b, learners, sessions):
    n = options.in_flight
    taken = learners.take(n)
    if taken is None:
        return check("5 SIGTERM during in-flight enrolments", False, "not enough learners left")
    sent = threading.Semaphore(0)
    go = threading.Event()
    results = {}
    sigterm_at = [None]

    def enrol(learner):
        session = sessions[learner % len(sessions)]
        connection = http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)
        sent_at = None
        try:
            go.wait()
            connection.request("POST", f"/api/v1/sessions/{session}/enrollments", body=ENROL_BODY,
                               headers=enrol_headers(learners.tokens[learner]))
            sent_at = now()
            sent.release()
            answer = read_answer(connection.getresponse())
            results[learner] = (sent_at, now(), answer.status, answer)
        except (OSError, http.client.HTTPException) as error:
            # sent_at: None when the request could not even be sent.
            results[learner] = (sent_at, now(), "error", repr(error))
            if sent_at is None:
                sent.release()
        finally:
            connection.close()

    threads = [threading.Thread(target=enrol, args=(learner,), daemon=True) for learner in taken]
    for t in threads:
        t.start()
    time.sleep(0.3)
    go.set()
    deadline = now() + 10
    for _ in taken:
        if not sent.acquire(timeout=max(0.0, deadline - now())):
            break
    answered_before = len(results)
    sigterm_at[0] = now()
    a.terminate()
    log(f"SIGTERM to A with {n - answered_before} of {n} enrolments in flight")
    for t in threads:
        t.join(timeout=40)
    code = a.wait_exit(options.grace + 25)
    stopped = now() - sigterm_at[0]
    statuses = {}
    for _sent, _answered, status, _ in results.values():
        statuses[status] = statuses.get(status, 0) + 1
    errors = [learner for learner, r in results.items() if r[2] == "error"]
    # Sent before SIGTERM and never answered: what the shutdown must not do.
    in_flight_unanswered = [learner for learner, r in results.items()
                            if r[2] == "error" and r[0] is not None and r[0] < sigterm_at[0]]
    unfinished = n - len(results)
    acknowledged = {r[3].json()["enrollment"]["id"]: learner for learner, r in results.items()
                    if isinstance(r[2], int) and 200 <= r[2] < 300}
    stored = stored_enrolments(b.port, learners.tokens, acknowledged)
    missing = set(acknowledged) - stored
    # Whether any request that got no answer was stored all the same (allowed: the client cannot tell).
    stored_unanswered = 0
    if errors:
        ids = ",".join(str(learner_id) for learner_id in user_ids(options, [learners.tokens[x] for x in errors]))
        if ids:
            stored_unanswered = int(psql(options, f"SELECT COUNT(*) FROM enrolments WHERE user_id IN ({ids}) "
                                                  f"AND status <> 'cancelled'"))
    check("5a SIGTERM during in-flight enrolments: every 2xx is stored",
          acknowledged and not missing and answered_before < n,
          f"{n} sent to A, {answered_before} answered before SIGTERM, {len(results) - len(errors)} answered in all "
          f"({summarize({str(k): v for k, v in statuses.items()})}); {len(acknowledged)} acknowledged, "
          f"{len(stored)} read back through B, missing {sorted(missing)[:10]}; connection errors {len(errors)} "
          f"(of which stored anyway {stored_unanswered}); unfinished {unfinished}")
    check("5b every request in flight at SIGTERM is answered, then the instance exits 0",
          not in_flight_unanswered and unfinished == 0 and code == 0,
          f"{len(in_flight_unanswered)} sent before SIGTERM got no answer; A exited {code} "
          f"{stopped:.1f}s after SIGTERM")
    a.start()
    served = a.wait_serving(options.start_timeout)
    if served is None or not a.wait_ready(10):
        raise RuntimeError(f"instance A did not serve again:\n{a.tail()}")
    log(f"A serving again after {served:.1f}s")


def user_ids(options, tokens):
    """Ids of the owners of `tokens`, by their hashes in api_tokens."""
    hashes = ",".join("'" + hashlib.sha256(t.encode()).hexdigest() + "'" for t in tokens)
    out = psql(options, f"SELECT user_id FROM api_tokens WHERE token_hash IN ({hashes})")
    return [int(x) for x in out.split()] if out else []


def check_outage(options, a, b):
    tally = Tally()
    stopping = threading.Event()
    # Two threads on pages, two on the API, each query new (no cache answers it).
    threads = [threading.Thread(target=load_thread, daemon=True,
                                args=(options.nginx_port, stopping, tally, Learners([]), [0], ["x"], 0.05, [kind]))
               for kind in ("search", "api-search") * 2]
    polls = {i.name: [] for i in (a, b)}
    polling = threading.Event()

    def poll(instance):
        while not polling.is_set():
            sent = now()
            answer = try_fetch(instance.ops_port, "/readyz", timeout=2.0)
            polls[instance.name].append((sent, now(), answer.status if answer else None,
                                         answer.body.decode().strip() if answer else ""))
            polling.wait(max(0.0, 0.05 - (now() - sent)))

    pollers = [threading.Thread(target=poll, args=(i,), daemon=True) for i in (a, b)]
    for t in threads + pollers:
        t.start()
    time.sleep(2)
    log("stopping PostgreSQL")
    stop0, stop1 = pg_ctl(options.pg_stop, "stop")
    time.sleep(options.outage)
    log("starting PostgreSQL again")
    start0, start1 = pg_ctl(options.pg_start, "start")
    deadline = now() + 10
    while now() < deadline and not all(
            any(p[1] >= start1 and p[2] == 200 for p in list(polls[i.name])) for i in (a, b)):
        time.sleep(0.05)
    both_ready = now()
    time.sleep(options.recovery)
    stopping.set()
    polling.set()
    for t in threads + pollers:
        t.join(timeout=20)

    with open(os.path.join(options.work, "outage.json"), "w") as f:
        json.dump({"stop": [stop0 - stop0, stop1 - stop0], "start": [start0 - stop0, start1 - stop0],
                   "ready": both_ready - stop0,
                   "answers": [(x[0] - stop0, x[1] - stop0, x[2], x[3]) for x in tally.answers],
                   "polls": {k: [(p[0] - stop0, p[1] - stop0, p[2], p[3]) for p in v] for k, v in polls.items()}},
                  f, indent=0)
    went, came = {}, {}
    for i in (a, b):
        first_503 = next((p for p in polls[i.name] if p[1] >= stop0 and p[2] == 503), None)
        went[i.name] = None if first_503 is None else first_503[1] - stop0
        first_200 = next((p for p in polls[i.name] if p[1] >= start1 and p[2] == 200), None)
        came[i.name] = None if first_200 is None else first_200[1] - start1
        before = [p for p in polls[i.name] if p[1] < stop0]
        if before and before[-1][2] != 200:
            went[i.name] = None  # it was not ready before the outage
    check("6a /readyz turns 503 within 1 s of the database stopping",
          all(v is not None and v <= 1.0 for v in went.values()),
          f"503 after A {fmt_ms(went['a'])}, B {fmt_ms(went['b'])} from `pg_ctl stop -m fast` being run (it "
          f"returned after {fmt_ms(stop1 - stop0)}); polled every 50 ms on the operators' address")
    down = [x for x in tally.answers if stop0 <= x[0] < both_ready]
    statuses = tally.counts(stop0, both_ready)
    bad = [x for x in down if is_failure(x[3]) and x[3] != 503]
    page_503 = [x for x in down if x[2] == "search" and x[3] == 503]
    api_503 = [x for x in down if x[2] == "api-search" and x[3] == 503]
    no_retry = [x for x in page_503 + api_503 if not x[4].get("retry-after")]
    waits = sorted(x[1] - x[0] for x in page_503 + api_503)
    not_problem = [x for x in api_503 if not x[4].get("content-type", "").startswith("application/problem+json")]
    check("6b while the database is away: 503 with Retry-After (API problem+json), never 500",
          not bad and not no_retry and not not_problem and page_503 and api_503,
          f"{len(down)} answers from the stop to both ready ({summarize(statuses)}); other failures {len(bad)}"
          + (f" e.g. {[(x[2], x[3], str(x[4])[:120]) for x in bad[:3]]}" if bad else "")
          + f"; 503 without Retry-After {len(no_retry)}; API 503 not problem+json {len(not_problem)}"
          + (f"; each 503 took {waits[0]:.2f}s to {waits[-1]:.2f}s" if waits else "")
          + (f" (e.g. {not_problem[0][4].get('content-type')!r})" if not_problem else ""))
    # Once an instance's check has found the database gone, its requests
    # are answered at once instead of each waiting out the pool's timeout.
    known = stop0 + max(v for v in went.values() if v is not None) if all(v is not None for v in went.values()) else None
    known_down = [x for x in page_503 + api_503 if known is not None and known <= x[0] and x[1] < start0]
    slowest = max((x[1] - x[0] for x in known_down), default=None)
    check("6e while the database is known to be away, each 503 comes within a second",
          known_down and slowest <= 1.0,
          f"{len(known_down)} answered 503 between both /readyz saying so and `pg_ctl start`"
          + (f", the slowest in {fmt_ms(slowest)}" if slowest is not None else ""))
    check("6c /readyz turns 200 within 1 s of the database's return",
          all(v is not None and v <= 1.0 for v in came.values()),
          f"pg_ctl start took {start1 - start0:.2f}s; then 200 after A {fmt_ms(came['a'])}, B {fmt_ms(came['b'])}")
    after = [x for x in tally.answers if x[0] >= both_ready]
    after_bad = [x for x in after if not (isinstance(x[3], int) and 200 <= x[3] < 300)]
    check("6d the load succeeds again once both are ready",
          after and not after_bad,
          f"{len(after)} answers in the {options.recovery:.0f}s after ({summarize(tally.counts(both_ready))})"
          + (f"; first failure {after_bad[0][0] - both_ready:.2f}s after ready, last "
             f"{after_bad[-1][0] - both_ready:.2f}s" if after_bad else ""))


def fmt_ms(seconds):
    return "never" if seconds is None else f"{seconds * 1000:.0f} ms"


def courses_and_sessions(options):
    listing = fetch(options.nginx_port, "/courses?sort=title")
    slugs = []
    for slug in re.findall(r'href="/courses/([a-z0-9-]+)"', listing.body.decode("utf-8", "replace")):
        if slug not in slugs:
            slugs.append(slug)
    sessions = []
    for slug in slugs[:10]:
        page = fetch(options.nginx_port, f"/courses/{slug}").body.decode("utf-8", "replace")
        for session in re.findall(r'href="/book/([0-9]+)"', page):
            if int(session) not in sessions:
                sessions.append(int(session))
    return slugs, sessions


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lyceum", required=True, help="the lyceum binary")
    parser.add_argument("--site-root", required=True, help="LEPTOS_SITE_ROOT")
    parser.add_argument("--database-url", required=True, help="an empty PostgreSQL database")
    parser.add_argument("--pg-stop", required=True, help="shell command stopping the cluster")
    parser.add_argument("--pg-start", required=True, help="shell command starting it again, as before")
    parser.add_argument("--psql", required=True, help="the psql binary")
    parser.add_argument("--nginx", default="nginx")
    parser.add_argument("--work", required=True, help="a folder for logs and configuration")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--in-flight", type=int, default=200)
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--grace", type=int, default=5, help="LYCEUM_SHUTDOWN_GRACE_SECS (the default: 5)")
    parser.add_argument("--outage", type=float, default=7.0,
                        help="seconds PostgreSQL stays down (longer than the pool's 5 s wait for a connection, "
                             "so requests sent early in it are answered while it lasts)")
    parser.add_argument("--recovery", type=float, default=3.0)
    parser.add_argument("--start-timeout", type=float, default=60.0)
    parser.add_argument("--time-limit", type=float, default=170.0)
    parser.add_argument("--no-balancer", action="store_true", help="no readiness-driven upstream changes")
    options = parser.parse_args()
    options.work = os.path.abspath(options.work)
    os.makedirs(options.work, exist_ok=True)

    def give_up(reason):
        print(f"FAIL: run: {reason}", flush=True)
        kill_everything()
        os._exit(1)

    watchdog = threading.Timer(options.time_limit, give_up,
                               args=(f"over the time limit of {options.time_limit:.0f}s",))
    watchdog.daemon = True
    watchdog.start()
    signal.signal(signal.SIGTERM, lambda *_: give_up("terminated"))

    ports = free_ports(5)
    options.nginx_port = ports[4]
    a = Instance("a", options, ports[0], ports[1])
    b = Instance("b", options, ports[2], ports[3])
    nginx = Nginx(options, [a, b])
    balancer = None
    try:
        if not check_simultaneous_start(options, a, b):
            if a.process.poll() is not None or b.process.poll() is not None:
                raise RuntimeError("an instance is not serving; the other checks need both")
        log("seeding learners with API tokens")
        tokens_file = os.path.join(options.work, "tokens.txt")
        seeded = lyceum_command(options, "seed", "learners", "--count", str(options.learners),
                                "--cookies", os.path.join(options.work, "cookies.txt"), "--tokens", tokens_file)
        if seeded.returncode != 0:
            raise RuntimeError(f"seeding learners failed: {seeded.stderr.strip()[-500:]}")
        with open(tokens_file) as f:
            learners = Learners([line.strip() for line in f if line.strip()])
        # The seeded tokens may book; reading their own enrolments back needs the read scope too.
        psql(options, "UPDATE api_tokens SET scopes = 'enrollments:read enrollments:write' WHERE name = 'Benchmark'")
        nginx.start()
        if not options.no_balancer:
            balancer = Balancer(nginx, [a, b])
            balancer.start()
        slugs, sessions = courses_and_sessions(options)
        log(f"{len(learners.tokens)} learners; {len(slugs)} courses, {len(sessions)} bookable sessions of ten")
        if not slugs or not sessions:
            raise RuntimeError("no course or session to use found on /courses")
        check_metrics(options, a, b)
        check_cached_page(options)
        enrolments_before, jobs_before = check_rolling_restart(options, a, b, learners, sessions, slugs,
                                                               balancer.events if balancer else [])
        check_sigterm_in_flight(options, a, b, learners, sessions)
        check_outage(options, a, b)
        settled, waited, state = wait_jobs_settled(options, 30)
        seats_ok, seats_said = check_seats(options)
        made = int(psql(options, f"SELECT COUNT(*) FROM enrolments WHERE id > {enrolments_before}"))
        notices = psql(options, f"SELECT COUNT(*), COUNT(*) FILTER (WHERE status = 'done') FROM jobs "
                                f"WHERE id > {jobs_before} AND kind = 'enrolment.enrolled'").split("|")
        check("7 afterwards: no job due, running or failed, one done notice job per enrolment; seats consistent",
              settled and seats_ok and int(notices[0]) == made and int(notices[1]) == made,
              f"settled in {waited:.1f}s (due {state[0]}, running {state[1]}, lapsed leases {state[2]}, failed "
              f"{state[3]}, queued for later {state[4]}); {made} enrolments since the load began, {notices[0]} "
              f"enrolment.enrolled jobs, {notices[1]} done; nginx reloads {nginx.reloads}; check-seats: "
              f"{seats_said!r}")
    except Exception as error:  # a broken run is a failure, with what it said
        check("run", False, f"{type(error).__name__}: {error}")
        for instance in (a, b):
            if instance.process is not None:
                print(f"    instance {instance.name}'s last lines:\n{instance.tail()}", flush=True)
    finally:
        if balancer:
            balancer.stop()
        kill_everything()
        watchdog.cancel()
    failed = [name for name, ok in RESULTS if not ok]
    print(f"multi-instance: {len(RESULTS) - len(failed)} passed, {len(failed)} failed in {now() - T_START:.0f}s",
          flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
