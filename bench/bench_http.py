"""End-to-end HTTP benchmark (run by hand): gunicorn (gthread) + PostgreSQL + Redis on this machine.

8 concurrent keep-alive clients on loopback hit each endpoint for a fixed time; prints throughput, latency
percentiles and errors, with POST /leads as a ratio of the floor (GET /reps/{id}), and the web workers'
resident memory before and after the routing phase.

    .venv/bin/python bench/bench_http.py [--seconds 10] [--clients 8]
"""

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PORT = 8765
DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/routeswit_bench")
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "routeswit.settings.production",
    "DEBUG": "false",
    "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789abcdef",
    "DATABASE_URL": DB,
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9"),
    "REQUIRE_HTTPS": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "API_RATE_LIMIT": "1000000/min",
    "LOG_LEVEL": "WARNING",
}

SETUP = r"""
import django, json
django.setup()
from routeswit.orgs.models import Organization
from routeswit.orgs.services import api_key_create, org_create
from reps import services as reps
from routing.services import ruleset_save
from contacts.services import contact_upsert
Organization.objects.filter(slug="bench").delete()
org = org_create(name="Bench", slug="bench")
ids = [f"rep_b{i}" for i in range(10)]
for i, rep_id in enumerate(ids):
    reps.rep_create(org=org, data={"id": rep_id, "name": f"Rep {i}", "email": f"b{i}@bench.example"})
rules = [{"name": f"Country {c}", "condition": f"attributes.country == '{c}'",
          "targets": [{"target_id": r} for r in ids[:5]]} for c in ("FR", "DE", "ES", "IT")]
everyone = [{"target_id": r} for r in ids]
rules += [{"name": "Large", "condition": "attributes.company_size >= 500", "targets": everyone,
           "distribution": "weighted"}]
rules += [{"name": "UK", "condition": "attributes.country == 'UK'", "targets": everyone}]
ruleset_save(org=org, data={"slug": "bench", "name": "Bench", "rules": rules, "fallback_target_id": ids[0]})
contact, _ = contact_upsert(org=org, data={"email": "bench@example.com"})
print(json.dumps({"key": api_key_create(org=org).raw_key, "rep": ids[0], "contact": contact.public_id}))
"""


def sh(args, **kwargs):
    return subprocess.run(args, env=ENV, cwd=ROOT, check=True, **kwargs)


def prepare() -> dict:
    name = DB.rsplit("/", 1)[1]
    admin = DB.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], capture_output=True)
    sh([PY, "manage.py", "migrate", "-v0"])
    out = sh([PY, "-c", SETUP], capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def start_server(
    workers: int = 2, threads: int = 4, port: int = PORT, timeout: float = 30
) -> subprocess.Popen:
    args = [
        str(ROOT / ".venv/bin/gunicorn"),
        "routeswit.wsgi",
        "-k",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(args, env=ENV, cwd=ROOT, start_new_session=True)
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not start")


def worker_rss_mib(server: subprocess.Popen) -> list[float]:
    children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def load(name: str, make_request, seconds: float, clients: int, key: str) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.time() + seconds

    def client(n: int):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        i = 0
        mine = []
        while time.time() < stop:
            method, path, body = make_request(n, i)
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status < 400
            except OSError:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
                ok = False
            mine.append(time.perf_counter() - started)
            if not ok:
                with lock:
                    errors[0] += 1
            i += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - began
    ms = sorted(x * 1000 for x in latencies)
    q = statistics.quantiles(ms, n=100) if len(ms) > 1 else [0] * 99
    return {
        "name": name,
        "requests": len(ms),
        "rps": len(ms) / elapsed,
        "p50": q[49],
        "p95": q[94],
        "p99": q[98],
        "errors": errors[0],
    }


COUNTRIES = ["UK", "FR", "DE", "ES", "IT", "US"]


def request_makers(ctx: dict, run: str) -> list:
    """(name, function of client number and request number -> (method, path, body)), the floor first."""

    def floor(n, i):
        return "GET", f"/api/v1/reps/{ctx['rep']}", None

    def leads(n, i):
        attributes = {"country": COUNTRIES[i % 6], "company_size": (i * 37) % 1000, "source": "web"}
        body = {"lead_id": f"{run}-{n}-{i}", "ruleset_id": "bench", "attributes": attributes}
        return "POST", "/api/v1/leads", json.dumps(body)

    def evaluate(n, i):
        query = f"ruleset=bench&country={COUNTRIES[i % 6]}&company_size={(i * 37) % 1000}"
        return "GET", f"/api/v1/routing/evaluate?{query}", None

    def activity(n, i):
        return (
            "POST",
            f"/api/v1/contacts/{ctx['contact']}/activities",
            json.dumps({"type": "NOTE", "notes": "b"}),
        )

    return [
        ("GET /reps/{id} (floor)", floor),
        ("POST /leads", leads),
        ("GET /routing/evaluate", evaluate),
        ("POST /contacts/{id}/activities", activity),
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    ctx = prepare()
    server = start_server(workers=args.workers, threads=args.threads)
    run = str(int(time.time()))
    try:
        makers = request_makers(ctx, run)
        load("warmup", makers[0][1], 2, args.clients, ctx["key"])
        rss_before = worker_rss_mib(server)
        results = [load(name, fn, args.seconds, args.clients, ctx["key"]) for name, fn in makers]
        rss_after = worker_rss_mib(server)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    report(args, results, rss_before, rss_after)


def report(args, results: list[dict], rss_before: list[float], rss_after: list[float]) -> None:
    print(
        f"{args.clients} clients, {args.seconds:.0f} s per endpoint, "
        f"gunicorn gthread {args.workers} workers x {args.threads} threads"
    )
    header = ("endpoint", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors")
    print("{:34} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7}".format(*header))
    for r in results:
        row = (r["name"], r["requests"], round(r["rps"]), r["p50"], r["p95"], r["p99"], r["errors"])
        print("{:34} {:>9} {:>8} {:>8.1f} {:>8.1f} {:>8.1f} {:>7}".format(*row))
    ratio = results[1]["rps"] / results[0]["rps"]
    p99 = results[1]["p99"]
    print(f"POST /leads throughput / floor: {ratio:.2f} (target >= 0.5: {verdict(ratio >= 0.5)})")
    print(f"POST /leads p99 {p99:.1f} ms (target < 50 ms: {verdict(p99 < 50)})")
    pairs = zip(rss_before, rss_after, strict=False)
    print("web worker RSS MiB before/after: " + ", ".join(f"{a:.1f}->{b:.1f}" for a, b in pairs))


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


if __name__ == "__main__":
    sys.exit(main())
