#!/usr/bin/env python3
"""Issue 18's bench figure: the cost of the application platform — CORS and helmet's headers,
the status route, /health, /metrics (HTTP histogram by route template, datasource operation
timings) — on ../shared/bench's workloads a–e, with everything on (the example's default)
against everything off (`LB_PLATFORM=off`), same binary, rounds interleaved.

The servers are all started at once, pinned to CPU 0, and wrk to CPU 1, as in
../shared/bench (1000 seeded locations each, wrk -t1 -c50; the POST workload last). Each
workload runs in slices (5 s by default), the servers in turn and the order reversed every
other round, so a drift of the machine falls on all of them alike; an idle server costs
nothing. Requests carry an `Origin` header, so CORS does its work. Medians of the per-round
on/off ratios are reported.

With `--floor`, each round also measures bench/floor (a minimal hand-written axum server for
the same workloads) with the scaffold's headers added by the cheapest possible layer against
without them: what those headers cost any server, the part of lb's cost no code of lb's can
remove. Per request (µs of the server's core), lb's own cost is what turning the platform on
adds to lb minus what the headers alone add to the floor.

`--parts LIST ...` adds lb servers with only some parts on (`LB_PLATFORM=metrics,health`, say).

Usage: bench/platform.py [--bin PATH] [--runs 6] [--duration 5] [--conns 50] [--floor]
                         [--parts LIST ...]
Needs wrk and ../shared/bench/bench/wrk.lua.
"""

import argparse
import json
import os
import statistics
import subprocess
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


def run_workload(servers, key, method, path, body, rounds, duration, conns):
    """`rounds` slices of `duration` seconds on each server in turn (the order reversed every
    other round), so drift of the machine falls on every server alike."""
    os.environ.update(BENCH_METHOD=method, BENCH_BODY=body or "")
    headers = ["Origin: https://ui.example"]
    try:
        out = {m: [] for m in servers}
        for m, (port, first) in servers.items():
            wrk(port, path.replace("{id}", str(first + 500)), 2, conns, headers)
        for i in range(rounds):
            order = list(servers) if i % 2 == 0 else list(reversed(list(servers)))
            for m in order:
                port, first = servers[m]
                r = wrk(port, path.replace("{id}", str(first + 500)), duration, conns, headers)
                assert r["non2xx"] == 0, (m, key, r)
                out[m].append(r)
        return out
    finally:
        os.environ.pop("BENCH_METHOD", None)
        os.environ.pop("BENCH_BODY", None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="/tmp/lb-platform-bench")
    ap.add_argument("--runs", type=int, default=6, help="slices per server and workload")
    ap.add_argument("--duration", type=int, default=5, help="seconds per slice")
    ap.add_argument("--conns", type=int, default=50)
    ap.add_argument("--port", type=int, default=3906)
    ap.add_argument("--floor", action="store_true", help="also measure bench/floor's headers")
    ap.add_argument("--parts", nargs="*", default=[], metavar="LIST",
                    help="also lb with only these parts on (LB_PLATFORM lists: metrics,health)")
    a = ap.parse_args()
    modes = {"on": (a.bin, {"LB_PLATFORM": "on", "RUST_LOG": "warn"}),
             "off": (a.bin, {"LB_PLATFORM": "off", "RUST_LOG": "warn"})}
    for parts in a.parts:
        modes[parts] = (a.bin, {"LB_PLATFORM": parts, "RUST_LOG": "warn"})
    if a.floor:
        floor = os.path.join(os.path.dirname(os.path.abspath(__file__)), "floor")
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=floor, check=True)
        binary = os.path.join(floor, "target", "release", "lb-bench-floor")
        modes["floor on"] = (binary, {"HEADERS": "1"})
        modes["floor off"] = (binary, {"HEADERS": "0"})
    procs, servers = [], {}
    try:
        for i, (m, (binary, env)) in enumerate(modes.items()):
            port = a.port + i
            procs.append(start(binary, port, **env))
            servers[m] = (port, seed(port, 1000))
        results = {}
        for key, method, path, body in WORKLOADS:
            results[key] = run_workload(servers, key, method, path, body, a.runs, a.duration, a.conns)
            r = results[key]
            print("workload %s: " % key + ", ".join(
                "%s %s" % (m, "/".join("%.0f" % x["rps"] for x in r[m])) for m in modes), flush=True)
        import http.client
        conn = http.client.HTTPConnection(HOST, servers["on"][0], timeout=30)
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
        assert 'http_route="/api/locations/{id}"' in text, text[:2000]
    finally:
        for p in procs:
            stop(p)
    json.dump(results, open(os.environ.get("OUT", "/tmp/lb-platform-bench.json"), "w"), indent=1)
    for k, *_ in WORKLOADS:
        r = results[k]
        rps = {m: [x["rps"] for x in r[m]] for m in modes}
        ratio = statistics.median(on / off for on, off in zip(rps["on"], rps["off"]))
        line = "workload %s: on/off %.3f (cost %.1f%%; on %.0f, off %.0f req/s, medians)" % (
            k, ratio, 100 * (1 - ratio), statistics.median(rps["on"]), statistics.median(rps["off"]))
        if a.floor:
            # per request, in µs of the server's one core: what turning it all on adds to lb,
            # what the headers alone add to the floor, and lb's own part (the difference)
            def added(on, off):
                return statistics.median(1e6 / x - 1e6 / y for x, y in zip(rps[on], rps[off]))
            lb_us, fl_us = added("on", "off"), added("floor on", "floor off")
            base = statistics.median(1e6 / x for x in rps["off"])
            fl_ratio = statistics.median(x / y for x, y in zip(rps["floor on"], rps["floor off"]))
            line += ("; floor on/off %.3f; per request: lb +%.2f µs of %.2f, the headers alone "
                     "+%.2f µs; lb's own part %.2f µs = %.1f%%") % (
                fl_ratio, lb_us, base, fl_us, lb_us - fl_us, 100 * (lb_us - fl_us) / base)
        print(line)
        for parts in a.parts:
            ratio = statistics.median(x / y for x, y in zip(rps[parts], rps["off"]))
            us = statistics.median(1e6 / x - 1e6 / y for x, y in zip(rps[parts], rps["off"]))
            print("  only %s on: on/off %.3f (cost %.1f%%, +%.2f µs per request)" % (
                parts, ratio, 100 * (1 - ratio), us))


if __name__ == "__main__":
    sys.exit(main())
