#!/usr/bin/env python3
"""Issue 17's two bench figures, on the example's release build (memory datasource):

1. `GET /api/notes/:id` with an access token and the ACL check (Note: DENY $everyone,
   ALLOW $authenticated READ, ...) against the same request on an unprotected model
   (`GET /api/locations/:id`), same server, same run: the ratio of requests per second.
2. p99 of `GET /api/locations/:id` alone, and while 50 logins per second (Argon2id at
   OWASP's parameters) run on the side.

The server is pinned to CPU 0 (its blocking pool too: the hashes share the server's core)
and wrk to CPU 1, as in ../shared/bench; the login generator is a Python thread pool at
CPU 1 as well. Rounds are interleaved; medians are reported.

Usage: bench/auth.py [--bin PATH] [--runs 3] [--duration 10] [--conns 50] [--login-rate 50]
Needs wrk (apt-get install wrk) and ../shared/bench/bench/wrk.lua.
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WRK_LUA = os.environ.get(
    "WRK_LUA", os.path.join(HERE, "..", "..", "shared", "bench", "bench", "wrk.lua"))
HOST = "127.0.0.1"


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, (json.loads(data) if data else None)


def start(binary, port, **extra_env):
    env = dict(os.environ, PORT=str(port), HOST=HOST, DATASOURCE_URL="memory:", **extra_env)
    proc = subprocess.Popen(["taskset", "-c", "0", binary], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    for _ in range(300):
        try:
            if request(port, "GET", "/api/locations/count")[0] == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not start")


def stop(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def seed(port):
    s, user = request(port, "POST", "/api/users", {"email": "bench@x.com", "password": "bench-pass"})
    assert s == 200, user
    s, tok = request(port, "POST", "/api/users/login", {"email": "bench@x.com", "password": "bench-pass"})
    assert s == 200, tok
    auth = {"Authorization": tok["id"]}
    s, note = request(port, "POST", "/api/notes", {"title": "bench", "body": "x" * 40, "ownerId": user["id"]}, auth)
    assert s == 200, note
    s, loc = request(port, "POST", "/api/locations", {"street": "1 Main St", "city": "City1", "zipcode": 90001,
                                                      "name": "Location 1", "geo": {"lat": 37.0, "lng": -122.0}})
    assert s == 200, loc
    # the protected request answers, an anonymous one does not
    assert request(port, "GET", "/api/notes/%d" % note["id"], None, auth)[0] == 200
    assert request(port, "GET", "/api/notes/%d" % note["id"])[0] == 401
    return tok["id"], note["id"], loc["id"]


def wrk(port, path, duration, conns, headers=()):
    cmd = ["taskset", "-c", "1", "wrk", "-t1", "-c%d" % conns, "-d%ds" % duration, "--timeout", "30s",
           "--latency", "-s", WRK_LUA]
    for h in headers:
        cmd += ["-H", h]
    cmd.append("http://%s:%d%s" % (HOST, port, path))
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    m = re.search(r"BENCH_RESULT (\{.*\})", out)
    return json.loads(m.group(1))


class Logins:
    """`rate` logins per second on the side, each on its own connection."""

    def __init__(self, port, rate):
        self.port, self.rate = port, rate
        self.latencies, self.failures = [], 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def one(self):
        t0 = time.perf_counter()
        s, _ = request(self.port, "POST", "/api/users/login", {"email": "bench@x.com", "password": "bench-pass"})
        if s != 200:
            self.failures += 1
        self.latencies.append(time.perf_counter() - t0)

    def run(self):
        os.sched_setaffinity(0, {1})
        with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
            t = time.perf_counter()
            while not self.stop.is_set():
                pool.submit(self.one)
                t += 1.0 / self.rate
                time.sleep(max(0.0, t - time.perf_counter()))

    def __enter__(self):
        self.started = time.perf_counter()
        self.thread.start()
        time.sleep(2)  # past the first hashes
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.elapsed = time.perf_counter() - self.started


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="/tmp/lb-auth-bench")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--conns", type=int, default=50)
    ap.add_argument("--login-rate", type=float, default=50)
    ap.add_argument("--port", type=int, default=3905)
    a = ap.parse_args()
    rows = []
    for run in range(a.runs):
        proc = start(a.bin, a.port)
        try:
            token, note, loc = seed(a.port)
            wrk(a.port, "/api/locations/%d" % loc, 3, a.conns)  # warm-up
            pair = [("notes", "/api/notes/%d" % note, ["Authorization: " + token]),
                    ("locations", "/api/locations/%d" % loc, [])]
            if run % 2:
                pair.reverse()
            r = {name: wrk(a.port, path, a.duration, a.conns, h) for name, path, h in pair}
            with Logins(a.port, a.login_rate) as logins:
                r["locations+logins"] = wrk(a.port, "/api/locations/%d" % loc, a.duration, a.conns)
            lat = sorted(logins.latencies)
            r["logins"] = {"rate": len(lat) / logins.elapsed, "failures": logins.failures,
                           "p50_ms": 1000 * lat[len(lat) // 2] if lat else None,
                           "p99_ms": 1000 * lat[int(len(lat) * 0.99)] if lat else None}
            for k in ("notes", "locations", "locations+logins"):
                assert r[k]["non2xx"] == 0, (k, r[k])
        finally:
            stop(proc)
        rows.append(r)
        print("run %d: notes %.0f req/s (p99 %.2f ms), locations %.0f req/s (p99 %.2f ms), "
              "locations with %.1f logins/s: p99 %.2f ms (%.0f req/s), login p50 %.0f ms p99 %.0f ms"
              % (run + 1, r["notes"]["rps"], r["notes"]["p99_us"] / 1000,
                 r["locations"]["rps"], r["locations"]["p99_us"] / 1000,
                 r["logins"]["rate"], r["locations+logins"]["p99_us"] / 1000,
                 r["locations+logins"]["rps"], r["logins"]["p50_ms"], r["logins"]["p99_ms"]),
              flush=True)
    med = lambda f: statistics.median(f(r) for r in rows)
    ratio = med(lambda r: r["notes"]["rps"] / r["locations"]["rps"])
    rise = med(lambda r: r["locations+logins"]["p99_us"] / r["locations"]["p99_us"] - 1)
    print(json.dumps({"runs": rows}, indent=1), file=open(os.environ.get("OUT", "/tmp/lb-auth-bench.json"), "w"))
    print("median of %d runs: notes/locations = %.3f; p99 of locations with %g logins/s: %+.1f%%"
          % (a.runs, ratio, a.login_rate, 100 * rise))


if __name__ == "__main__":
    sys.exit(main())
