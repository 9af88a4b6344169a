"""What a newcomer sees of a just-started `make run`: the main pages answer, a mistyped address
gets the friendly 404 (no debug page), /healthz is green, and 50 simultaneous requests are all
answered without a dropped connection or a 5xx. Standard library only: runs before any venv.

    python3 .ci/probe.py http://127.0.0.1:8000 [--marker TEXT] [--token TOKEN]
"""

import argparse
import json
import sys
import threading
import urllib.error
import urllib.request

PAGES = ["/", "/back-pain-relief/", "/blog/maignes-syndrome/", "/book/", "/admin/login/"]
SIMULTANEOUS = 50


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--marker", help="text the home page must show (an edit that must survive)")
    parser.add_argument("--token", default="ci-probe-token", help="a fake link token to request")
    args = parser.parse_args()
    failures = []

    for path in PAGES:
        status, body = fetch(args.base + path)
        print(f"  {path} -> {status}")
        if status != 200 or "<h1" not in body:
            failures.append(f"{path} answered {status}")

    status, body = fetch(args.base + "/no-such-page/")
    print(f"  /no-such-page/ -> {status}")
    if status != 404 or "Page not found" not in body or "URLconf" in body or "Traceback" in body:
        failures.append("a mistyped address does not get the site's own 404 page")

    status, body = fetch(f"{args.base}/appointments/{args.token}/reschedule/")
    print(f"  a bad appointment link -> {status}")
    if not 400 <= status < 500:
        failures.append(f"a bad appointment link answered {status}, not a 4xx")

    status, body = fetch(args.base + "/healthz")
    health = json.loads(body) if status == 200 else {}
    print(f"  /healthz -> {status} {body.strip()}")
    if health.get("database") != "ok" or health.get("cache") != "ok":
        failures.append("/healthz is not green")

    if args.marker:
        status, body = fetch(args.base + "/")
        if args.marker not in body:
            failures.append(f"the home page lost the edit {args.marker!r}")

    results: list[str] = []
    start = threading.Barrier(SIMULTANEOUS)

    def one(index: int) -> None:
        path = PAGES[index % 4] if index % 5 else "/healthz"
        start.wait()
        try:
            status, _ = fetch(args.base + path)
            results.append(f"{status}")
        except Exception as error:  # a dropped or refused connection is what this looks for
            results.append(f"{type(error).__name__}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(SIMULTANEOUS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answered = sorted(set(results))
    print(f"  {SIMULTANEOUS} simultaneous requests -> {', '.join(answered)}")
    if len(results) != SIMULTANEOUS or answered != ["200"]:
        failures.append(f"simultaneous requests got {answered}")

    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
