#!/usr/bin/env python3
"""Issue 18's bench figure: the cost of the application platform — CORS and helmet's headers,
the status route, /health, /metrics (HTTP histogram by route template, datasource operation
timings) — on ../shared/bench's workloads a–e, with everything on (the example's default)
against everything off (`LB_PLATFORM=off`), same binary, rounds interleaved.

The server is pinned to CPU 0 and wrk to CPU 1, as in ../shared/bench (1000 seeded
locations, wrk -t1 -c50, 3 s warm-up, 10 s measured; the POST workload last). Requests carry
an `Origin` header, so CORS does its work. Medians of the on/off ratio are reported.

Usage: bench/platform.py [--bin PATH] [--runs 3] [--duration 10] [--conns 50]
Needs wrk and ../shared/bench/bench/wrk.lua.
"""

import argparse
import json
import os
import statistics
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from auth import HOST, request, start, stop, wrk  # noqa: E402



def q(f):
    return "?filter=" + urllib.parse.quote(json.dumps(f, separators=(",", ":")), safe="")


POST = json.dumps({"street": "500 Bench Ave", "city": "BenchCity", "zipcode": 94000,
                   "name": "Bench location", "geo": {"lat": 37.77, "lng": -122.42}},
                  separators=(",", ":"))
WORKLOADS = [
    ("a", "GET", "/api/locations/{id}", None),
    ("b", "GET", "/api/locations" + q({"where": {"city": "City7"}, "limit": 10}), None),
    ("c", "GET", "/api/locations" + q({"limit": 100}), None),
    ("e", "GET", "/api/locations/count", None),
    ("d", "POST", "/api/locations", POST),
]


def seed(port, n):
    first = None
    for i in range(n):
        s, loc = request(port, "POST", "/api/locations", {
            "street": "%d Main St" % i, "city": "City%d" % (i % 100), "zipcode": 90000 + i,
            "name": "Location %d" % i, "geo": {"lat": 37.0 + i / 1000.0, "lng": -122.0 - i / 1000.0}})
        assert s == 200, loc
        first = first or loc["id"]
    return first


def measure(binary, port, platform, duration, conns):
    proc = start(binary, port, LB_PLATFORM=platform, RUST_LOG="warn")
    try:
        first = seed(port, 1000)
        out = {}
        headers = ["Origin: https://ui.example"]
        for key, method, path, body in WORKLOADS:
            path = path.replace("{id}", str(first + 500))
            env = dict(os.environ, BENCH_METHOD=method, BENCH_BODY=body or "")
            os.environ.update(env)
            wrk(port, path, 3, conns, headers)
            r = wrk(port, path, duration, conns, headers)
            assert r["non2xx"] == 0, (platform, key, r)
            out[key] = r
        if platform == "on":
            import http.client
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            conn.request("GET", "/metrics")
            text = conn.getresponse().read().decode()
            assert 'http_route="/api/locations/{id}"' in text, text[:2000]
        return out
    finally:
        stop(proc)
        os.environ.pop("BENCH_METHOD", None)
        os.environ.pop("BENCH_BODY", None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="/tmp/lb-platform-bench")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--conns", type=int, default=50)
    ap.add_argument("--port", type=int, default=3906)
    a = ap.parse_args()
    rows = []
    for run in range(a.runs):
        order = ["on", "off"] if run % 2 == 0 else ["off", "on"]
        r = {p: measure(a.bin, a.port, p, a.duration, a.conns) for p in order}
        rows.append(r)
        print("run %d: " % (run + 1) + ", ".join(
            "%s on %.0f / off %.0f req/s = %.3f (p99 %.2f / %.2f ms)" % (
                k, r["on"][k]["rps"], r["off"][k]["rps"], r["on"][k]["rps"] / r["off"][k]["rps"],
                r["on"][k]["p99_us"] / 1000, r["off"][k]["p99_us"] / 1000)
            for k, *_ in WORKLOADS), flush=True)
    json.dump({"runs": rows}, open(os.environ.get("OUT", "/tmp/lb-platform-bench.json"), "w"), indent=1)
    for k, *_ in WORKLOADS:
        ratio = statistics.median(r["on"][k]["rps"] / r["off"][k]["rps"] for r in rows)
        print("workload %s: median on/off = %.3f (cost %.1f%%)" % (k, ratio, 100 * (1 - ratio)))


if __name__ == "__main__":
    sys.exit(main())
