"""HTTP benchmark: the demo site under gunicorn, 20 concurrent users, one phase per URL.

Serves the site with production settings (SQLite in a temporary folder, or Redis as the cache
when REDIS_URL is set), then drives home, a condition page, a blog post and one static file with
locust, one after another in one run, and reports requests/s, p50 and p99 latency side by side,
plus the resident memory of the single web worker afterwards.

    make bench                       # 15 s per URL
    BENCH_SECONDS=30 make bench
    PAGE_CACHE_SECONDS=0 make bench  # the same pages rendered on every request
"""

# ruff: noqa: I001 (locust must be imported first: it patches sockets with gevent)
from locust import FastHttpUser, constant, task
from locust.env import Environment

import json
import os
import platform
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import gevent
import psutil
from common import ROOT, free_port, production_env, start_gunicorn

USERS = int(os.environ.get("BENCH_USERS", "20"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
RESULTS = ROOT / "bench" / "results"


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not come up")


def run_phase(host: str, path: str) -> dict:
    class Visitor(FastHttpUser):
        wait_time = constant(0)

        @task
        def visit(self):
            self.client.get(path, name=path)

    env = Environment(user_classes=[Visitor], host=host)
    runner = env.create_local_runner()
    runner.start(USERS, spawn_rate=USERS)
    gevent.sleep(2)  # ramp-up and warm-up, not counted
    env.stats.reset_all()
    started = time.perf_counter()
    gevent.sleep(SECONDS)
    elapsed = time.perf_counter() - started
    stats = env.stats.total
    result = {
        "path": path,
        "requests": stats.num_requests,
        "failures": stats.num_failures,
        "rps": round(stats.num_requests / elapsed, 1),
        "p50_ms": stats.get_response_time_percentile(0.5),
        "p99_ms": stats.get_response_time_percentile(0.99),
    }
    runner.quit()
    return result


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="physiofit-bench-"))
    port = free_port()
    env = production_env(
        str(workdir), f"sqlite:///{workdir}/bench.sqlite3", DEMO_PASSWORD=secrets.token_urlsafe(16)
    )
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    manage(env, "collectstatic", "--noinput")
    server = start_gunicorn(env, port, workers=1)
    host = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(host + "/")
        with urllib.request.urlopen(host + "/") as response:  # noqa: S310 (loopback)
            stylesheet = re.search(
                r'href="(/static/css/site\.[^"]+\.css)"', response.read().decode()
            )
        post = "/blog/maignes-syndrome/"
        paths = ["/", "/back-pain-relief/", post, stylesheet.group(1)]
        for path in paths:  # fill the page cache, then prove pages come from it
            urllib.request.urlopen(host + path).read()  # noqa: S310 (loopback)
        cache_on = os.environ.get("PAGE_CACHE_SECONDS") != "0"
        for path in paths[:-1] if cache_on else []:
            with urllib.request.urlopen(host + path) as response:  # noqa: S310 (loopback)
                if response.headers.get("X-Page-Cache") != "hit":
                    raise SystemExit(f"{path} is not served from the page cache")
        phases = [run_phase(host, path) for path in paths]
        workers = psutil.Process(server.pid).children()
        rss_mib = round(workers[0].memory_info().rss / 2**20, 1) if workers else None
    finally:
        server.terminate()
        server.wait(timeout=30)

    report = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "users": USERS,
        "seconds_per_url": SECONDS,
        "cache": ("redis" if os.environ.get("REDIS_URL") else "file") if cache_on else "off",
        "worker_rss_mib": rss_mib,
        "phases": phases,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2))
    static_rps = phases[-1]["rps"]
    print(
        f"{USERS} users, {SECONDS:.0f} s per URL, cache: {report['cache']}, "
        f"machine: {report['machine']['cpu']} ({report['machine']['cores']} cores)"
    )
    print("| URL | requests/s | p50 ms | p99 ms | failures | share of static rps |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for phase in phases:
        share = phase["rps"] / static_rps if static_rps else 0
        print(
            f"| {phase['path']} | {phase['rps']} | {phase['p50_ms']} | {phase['p99_ms']} | "
            f"{phase['failures']} | {share:.0%} |"
        )
    print(f"Resident memory of the web worker after the run: {rss_mib} MiB")


if __name__ == "__main__":
    main()
