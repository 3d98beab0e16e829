"""Memory benchmark (run by hand): does one gunicorn worker's resident memory stay flat under POST /leads?

Starts gunicorn (one gthread worker) against a database of its own, prepared as bench/bench_http.py does,
sends 20,000 POST /leads from 8 concurrent keep-alive clients on loopback, and prints the worker's RSS after
1,000 leads, along the way, and after the last, with the growth. Target: no growth beyond a few MiB.

    .venv/bin/python bench/bench_memory.py [--leads 20000] [--clients 8] [--threads 8]
"""

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

# A database of its own, so a bench_http run at the same time (which recreates its org) is not disturbed.
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/routeswit_bench_memory")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_http  # noqa: E402 - reads BENCH_DATABASE_URL when imported

PORT = 8767
FIRST = 1_000
TARGET_GROWTH_MIB = 5.0


def start_server(threads: int) -> subprocess.Popen:
    return bench_http.start_server(workers=1, threads=threads, port=PORT, timeout=60)


def worker_rss_mib(server: subprocess.Popen) -> float:
    [rss] = bench_http.worker_rss_mib(server)  # one worker: one figure
    return rss


class Load:
    """`clients` threads share counters of leads; RSS is sampled when the number answered reaches a mark."""

    def __init__(self, *, server, key: str, total: int, clients: int, marks: list[int]):
        self.server, self.key, self.total, self.clients = server, key, total, clients
        self.marks = sorted(marks)
        self.samples: dict[int, float] = {}
        self.sent = self.completed = self.errors = 0
        self.lock = threading.Lock()
        self.run = str(int(time.time()))

    def next_number(self) -> int | None:
        with self.lock:
            if self.sent >= self.total:
                return None
            self.sent += 1
            return self.sent

    def done(self, ok: bool) -> None:
        with self.lock:
            self.errors += not ok
            self.completed += 1
            completed = self.completed
        if completed in self.marks:
            self.samples[completed] = worker_rss_mib(self.server)

    def client(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}
        while (number := self.next_number()) is not None:
            country = bench_http.COUNTRIES[number % 6]
            attributes = {"country": country, "company_size": (number * 37) % 1000, "source": "web"}
            body = json.dumps(
                {"lead_id": f"mem-{self.run}-{number}", "ruleset_id": "bench", "attributes": attributes}
            )
            try:
                conn.request("POST", "/api/v1/leads", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 201
            except OSError:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                ok = False
            self.done(ok)

    def go(self) -> float:
        threads = [threading.Thread(target=self.client) for _ in range(self.clients)]
        began = time.time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.time() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    ctx = bench_http.prepare()
    server = start_server(args.threads)
    marks = sorted({FIRST, *range(5_000, args.leads, 5_000), args.leads})
    try:
        started_rss = worker_rss_mib(server)
        load = Load(server=server, key=ctx["key"], total=args.leads, clients=args.clients, marks=marks)
        elapsed = load.go()
        time.sleep(1)
        settled_rss = worker_rss_mib(server)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    report(args, load, elapsed, started_rss, settled_rss)


def report(args, load: Load, elapsed: float, started_rss: float, settled_rss: float) -> None:
    print(
        f"{args.leads:,} POST /leads, {args.clients} clients, "
        f"gunicorn gthread 1 worker x {args.threads} threads"
    )
    print(f"{elapsed:.0f} s ({args.leads / elapsed:.0f} leads/s), {load.errors} errors")
    print(f"worker RSS at start (after health checks): {started_rss:.1f} MiB")
    for mark, rss in sorted(load.samples.items()):
        print(f"worker RSS after {mark:>6,} leads: {rss:.1f} MiB")
    print(f"worker RSS 1 s after the last response: {settled_rss:.1f} MiB")
    growth = load.samples[args.leads] - load.samples[FIRST]
    per_lead = growth * 1024 * 1024 / (args.leads - FIRST)
    ok = growth <= TARGET_GROWTH_MIB
    print(
        f"growth from {FIRST:,} to {args.leads:,} leads: {growth:+.1f} MiB ({per_lead:+.0f} bytes/lead); "
        f"target <= {TARGET_GROWTH_MIB:g} MiB: {'met' if ok else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
