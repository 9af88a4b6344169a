"""Database restart under load: bookings keep arriving while PostgreSQL goes away and back.

    .venv/bin/python bench/db_outage.py              # restarts the machine's PostgreSQL
    .venv/bin/python bench/db_outage.py --terminate  # or cuts every connection, repeatedly

Run by hand, not in CI: the default restarts the whole PostgreSQL cluster (every database on
it). `--terminate` leaves the server up and ends every connection to the benchmark's database
with pg_terminate_backend every 0.1 s for OUTAGE_SECONDS instead (for a server that cannot be
restarted).

Same kind of stack as bench/scale_out.py (whose helpers it uses): a fresh database
(BENCH_DATABASE_URL, default physiofit_outage), Redis db 6, two gunicorn processes and one task
worker, supervised as scripts/serve.sh does it: one worker id for the supervisor's life; when
the worker exits non-zero, `requeue_abandoned_tasks --worker-id ID` and, after 5 s, the worker
again with the same id. Eight threads post bookings for 30 s; after 10 s the outage starts. An
HTML page that is not in the page cache and /healthz are fetched every 0.2 s throughout. Every
response is recorded, then checked: every 201 is in the database; nothing answered 500 or failed
to answer; API errors are 503 with the outage message, the HTML page a friendly 503; no request
took 10 s; the site books again by itself within 10 s. Then the supervised worker drains the
queue, and every appointment the run made, whatever its answer said (a booking can commit and
still be answered 503 when the connection dies before the response), must have had its
confirmation and staff email sent, with no task left running or failed. PostgreSQL is started
again at the end if it is down.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from common import ROOT, free_port, production_env
from scale_out import (
    HOST,
    JSON_TYPE,
    LOAD_PRACTITIONERS,
    ZONE,
    Report,
    Stack,
    booking,
    call,
    clinic_time,
    drop_database,
    query,
    recreate_database,
    redis_client,
    wait_until_up,
)

from physiofit.core.errors import MESSAGES

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/physiofit_outage"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
LOAD_SECONDS, OUTAGE_AT, OUTAGE_SECONDS = 30.0, 10.0, 5.0
THREADS, WEB_PROCESSES, WEB_WORKERS = 8, 2, 2
HANG_SECONDS, RECOVERY_SECONDS = 10.0, 10.0
FRIENDLY_503 = "We will be right back"
OUTAGE_MESSAGE = MESSAGES[503][1]
# scripts/serve.sh waits this long before starting a worker that stopped again.
RESTART_DELAY = 5.0


@dataclass
class Outcome:
    """One request: when it was sent and answered (seconds from the start), and the answer."""

    kind: str  # "book", "html", "health"
    sent: float
    answered: float
    status: int | str  # the HTTP status, or the exception when there was no answer
    body: str = ""
    content_type: str = ""
    retry_after: str | None = None
    email: str = ""

    @property
    def seconds(self) -> float:
        return self.answered - self.sent


def cluster() -> tuple[str, str]:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    return version, "main"


def postgres_running() -> bool:
    version, name = cluster()
    status = subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "status"],
        capture_output=True,
    )
    return status.returncode == 0


def ensure_postgres_running() -> None:
    if not postgres_running():
        version, name = cluster()
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"], check=False
        )


def restart_postgres() -> None:
    version, name = cluster()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"], check=True
    )


def terminate_connections(seconds: float) -> int:
    """End every connection to the benchmark's database, every 0.1 s for `seconds`."""
    import psycopg

    name = urlsplit(DATABASE_URL).path.lstrip("/")
    admin = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    ended = 0
    with psycopg.connect(admin, autocommit=True) as connection:
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            ended += connection.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchone()[0]
            time.sleep(0.1)
    return ended


class Recorder:
    def __init__(self):
        self.began = time.monotonic()
        self.outcomes: list[Outcome] = []
        self.lock = threading.Lock()

    def now(self) -> float:
        return time.monotonic() - self.began

    def fetch(self, kind: str, port: int, method: str, path: str, body=None, email="") -> Outcome:
        sent = self.now()
        headers = {"Host": HOST, **(JSON_TYPE if body else {})}
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HANG_SECONDS * 2)
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            content = response.read().decode(errors="replace")
            outcome = Outcome(
                kind,
                sent,
                self.now(),
                response.status,
                # A 201 keeps its reference; a page that worked is not needed.
                "" if response.status == 200 else content,
                response.getheader("Content-Type", ""),
                response.getheader("Retry-After"),
                email,
            )
        except (OSError, http.client.HTTPException) as error:
            outcome = Outcome(kind, sent, self.now(), type(error).__name__, email=email)
        finally:
            connection.close()
        with self.lock:
            self.outcomes.append(outcome)
        return outcome


def book_continuously(recorder: Recorder, ports: list[int], seed: int, until: float) -> None:
    rng = random.Random(seed)
    today = datetime.now(ZONE).date()
    count = 0
    while recorder.now() < until:
        day = today + timedelta(days=1 + rng.randrange(60))
        start = datetime.combine(day, datetime.min.time(), tzinfo=ZONE) + timedelta(
            hours=7, minutes=15 * rng.randrange(45)
        )
        email = f"outage{seed}-{count}@example.com"
        body = booking(f"t{rng.randrange(LOAD_PRACTITIONERS)}", start, email)
        recorder.fetch(
            "book", ports[(seed + count) % len(ports)], "POST", "/api/v1/appointments", body, email
        )
        count += 1


def probe_continuously(recorder: Recorder, ports: list[int], until: float) -> None:
    count = 0
    while recorder.now() < until:
        port = ports[count % len(ports)]
        # A query string of its own: never in the page cache, so the page needs the database.
        recorder.fetch("html", port, "GET", f"/?probe={count}")
        recorder.fetch("health", port, "GET", "/healthz")
        count += 1
        time.sleep(0.2)


def clean_503(outcome: Outcome) -> bool:
    """The health check's 503 names what is down; a page or API answer says when to retry."""
    if outcome.status != 503:
        return False
    if outcome.kind == "html":
        return (
            outcome.retry_after is not None
            and FRIENDLY_503 in outcome.body
            and OUTAGE_MESSAGE in outcome.body
            and outcome.content_type.startswith("text/html")
        )
    try:
        body = json.loads(outcome.body)
    except ValueError:
        return False
    if outcome.kind == "health":
        return body.get("database") == "unavailable"
    return (
        outcome.retry_after is not None
        and body.get("error") == "service_unavailable"
        and body.get("message") == OUTAGE_MESSAGE
    )


class SupervisedWorker:
    """The task worker as scripts/serve.sh runs it: one worker id for the supervisor's life.
    Before each start, `requeue_abandoned_tasks --worker-id ID` queues again what that id left
    running (it fails, harmlessly, while the database is away); a non-zero exit is followed by
    a new start after RESTART_DELAY; a clean exit (SIGTERM from stop()) ends the loop."""

    def __init__(self, stack: Stack, worker_id: str):
        self.stack = stack
        self.worker_id = worker_id
        self.starts: list[float] = []  # time.monotonic() of each start
        self.exits: list[tuple[float, int]] = []  # (time.monotonic(), exit status), non-zero
        self.requeue_failures = 0
        self.process: subprocess.Popen | None = None
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._supervise, daemon=True)
        self.thread.start()

    def _manage(self, *args: str) -> list[str]:
        return [sys.executable, "manage.py", *args]

    def _supervise(self) -> None:
        while not self.stopping.is_set():
            requeue = self.stack.start(
                "requeue",
                self._manage("requeue_abandoned_tasks", "--worker-id", self.worker_id),
            )
            if requeue.wait() != 0:
                self.requeue_failures += 1
            self.stack.stop("requeue")
            with self.lock:
                if self.stopping.is_set():
                    return
                self.process = self.stack.start(
                    "worker",
                    self._manage(
                        "db_worker",
                        "--queue-name",
                        "*",
                        "--verbosity",
                        "0",
                        "--worker-id",
                        self.worker_id,
                    ),
                )
                self.starts.append(time.monotonic())
            code = self.process.wait()
            if code == 0 or self.stopping.is_set():
                return
            self.exits.append((time.monotonic(), code))
            self.stopping.wait(RESTART_DELAY)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def requeued(self) -> int:
        """Tasks put back in the queue by the requeue runs, from their output."""
        return sum(
            int(line.split()[1]) for line in self.stack.log_lines("requeue", "abandoned task")
        )

    def stop(self) -> None:
        with self.lock:
            self.stopping.set()
        self.stack.stop("worker")
        self.thread.join(timeout=60)


def wait_for_drain(stall: float = 60) -> float | None:
    """Seconds until no task is due or running (twice in a row, half a second apart), or None
    if no task finished for `stall` seconds before that: a task left running by a worker that
    died, and not queued again, is never finished. (One worker runs about three tasks per
    booking, so a long run takes minutes to drain: no fixed limit.)"""
    began = progress = time.monotonic()
    quiet, finished = 0, -1
    while quiet < 2:
        [(pending, done)] = query(
            "SELECT count(*) FILTER (WHERE status = 'RUNNING' OR (status = 'READY' "
            "AND (run_after <= now() OR run_after >= '9999-01-01'))), "
            "count(*) FILTER (WHERE status IN ('SUCCESSFUL', 'FAILED')) "
            "FROM django_tasks_database_dbtaskresult",
            url=DATABASE_URL,
        )
        if done != finished:
            finished, progress = done, time.monotonic()
        elif time.monotonic() - progress > stall:
            return None
        quiet = quiet + 1 if pending == 0 else 0
        time.sleep(0.5)
    return time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--terminate",
        action="store_true",
        help="cut connections with pg_terminate_backend instead of restarting PostgreSQL",
    )
    mode = "terminate" if parser.parse_args().terminate else "restart"
    workdir = Path(tempfile.mkdtemp(prefix="physiofit-outage-"))
    report = Report()
    env = production_env(
        str(workdir),
        DATABASE_URL,
        REDIS_URL=REDIS_URL,
        EMAIL_URL="locmem://",
        BOOKING_RATE_LIMIT="100000000",
        BENCH_ADMIN_PASSWORD=os.urandom(12).hex(),
    )
    stack = Stack(env, workdir)
    ports = [free_port() for _ in range(WEB_PROCESSES)]
    worker: SupervisedWorker | None = None
    try:
        ensure_postgres_running()
        recreate_database(DATABASE_URL)
        redis_client(REDIS_URL).flushdb()
        static = stack.start(
            "collectstatic", [sys.executable, "manage.py", "collectstatic", "--noinput"]
        )
        stack.run("setup", [sys.executable, str(ROOT / "bench" / "scale_out.py"), "setup"])
        if static.wait() != 0:
            raise RuntimeError("collectstatic failed: see its log")
        for port in ports:
            stack.web(port, WEB_WORKERS)
        worker = SupervisedWorker(stack, f"bench-outage-{os.getpid()}")
        for port in ports:
            wait_until_up(port)
            call(port, "GET", "/")  # the clinic's name and phone, remembered for error pages
        run(report, ports, worker, mode)
    except Exception as error:
        report.check("run", False, f"{type(error).__name__}: {error}")
        raise
    finally:
        ensure_postgres_running()
        if worker is not None:
            worker.stop()
        stack.stop_all()
        try:
            drop_database(DATABASE_URL)
            redis_client(REDIS_URL).flushdb()
        finally:
            if report.failed:
                print(f"Logs kept in {workdir / 'logs'}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)
    if report.failed:
        sys.exit(1)


def run(report: Report, ports: list[int], worker: SupervisedWorker, mode: str) -> None:
    recorder = Recorder()
    threads = [
        threading.Thread(target=book_continuously, args=(recorder, ports, i, LOAD_SECONDS))
        for i in range(THREADS)
    ]
    threads.append(
        threading.Thread(target=probe_continuously, args=(recorder, ports, LOAD_SECONDS))
    )
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, OUTAGE_AT - recorder.now()))
    outage_began = recorder.now()
    if mode == "restart":
        restart_postgres()
        detail = "pg_ctlcluster restart"
    else:
        ended = terminate_connections(OUTAGE_SECONDS)
        detail = f"{ended} connections ended with pg_terminate_backend"
    outage_ended = recorder.now()
    for thread in threads:
        thread.join()
    # Every process books again, not only the first to reconnect.
    after = [
        recorder.fetch(
            "book",
            port,
            "POST",
            "/api/v1/appointments",
            booking(
                "t0",
                clinic_time(70, 10 + index),
                f"after{index}@example.com",
            ),
        )
        for index, port in enumerate(ports)
    ]
    outcomes = sorted(recorder.outcomes, key=lambda o: o.sent)
    booked = [o for o in outcomes if o.kind == "book" and o.status == 201]
    references = [json.loads(o.body)["reference"] for o in booked]
    found = query(
        "SELECT reference FROM booking_appointment WHERE reference = ANY(%s) AND status = 'booked'",
        references,
        url=DATABASE_URL,
    )
    refused = [o for o in outcomes if o.kind == "book" and o.status not in (201, 409)]
    refused_booked = {
        email
        for (email,) in query(
            "SELECT p.email FROM booking_appointment a JOIN booking_patient p "
            "ON p.id = a.patient_id WHERE p.email = ANY(%s)",
            [o.email for o in refused],
            url=DATABASE_URL,
        )
    }
    statuses = Counter((o.kind, o.status) for o in outcomes)
    unclean = [o for o in outcomes if o.status not in (200, 201, 409) and not clean_503(o)]
    html_503 = [o for o in outcomes if o.kind == "html" and clean_503(o)]
    slowest = max(outcomes, key=lambda o: o.seconds)
    first_after = next((o for o in booked if o.sent >= outage_ended), None)
    recovery = first_after.answered - outage_ended if first_after else None
    # From the outage's start: the first 201 to a booking sent after the first refusal.
    first_refusal = next(
        (o for o in outcomes if o.kind == "book" and o.sent >= outage_began and o.status != 201),
        None,
    )
    back = first_refusal and next((o for o in booked if o.sent > first_refusal.sent), None)
    last_before = max((o.answered for o in booked if o.answered <= outage_began), default=None)

    print(
        f"{mode}: outage from +{outage_began:.1f} s to +{outage_ended:.1f} s ({detail}); "
        f"{THREADS} booking threads over {WEB_PROCESSES} web processes for {LOAD_SECONDS:.0f} s"
    )
    print(
        "answers: " + ", ".join(f"{k} {s}: {n}" for (k, s), n in sorted(statuses.items(), key=str))
    )
    if unclean:
        for o in unclean[:5]:
            print(
                f"  unclean: {o.kind} +{o.sent:.2f} s {o.status} {o.content_type} {o.body[:200]!r}"
            )
    report.check(
        "every 201 is in the database",
        len(found) == len(booked),
        f"{len(found)} of {len(booked)} bookings answered 201 found by their reference",
    )
    report.check(
        "no 500, no unanswered request",
        not unclean,
        f"answers that were neither 2xx/409 nor a clean 503: {len(unclean)} "
        f"{Counter((o.kind, o.status) for o in unclean)}",
    )
    report.check(
        "the HTML page during the outage is the friendly 503",
        bool(html_503),
        f"{len(html_503)} friendly 503 pages, {statuses[('html', 500)]} HTML 500s",
    )
    report.check(
        "no request hung",
        slowest.seconds < HANG_SECONDS,
        f"slowest {slowest.kind} {slowest.seconds:.2f} s ({slowest.status})",
    )
    report.check(
        "recovers by itself",
        recovery is not None
        and recovery < RECOVERY_SECONDS
        and all(o.status == 201 for o in after),
        (
            f"first 201 {recovery:.2f} s after the outage ended"
            if recovery is not None
            else "no 201 after the outage"
        )
        + (f" (last 201 before it at +{last_before:.1f} s)" if last_before else "")
        + (
            f"; booking again {back.answered - outage_began:.2f} s after the outage began "
            f"(first refusal at +{first_refusal.sent:.2f} s)"
            if back
            else ""
        )
        + f"; one booking per process afterwards: {[o.status for o in after]}",
    )
    # The supervised worker, not a fresh one, runs what the outage left behind.
    running_after_load = worker.running
    drained = wait_for_drain()
    # A task is FAILED when its own query met the lost connection and the worker could still
    # record it (Django drops a connection whose rollback failed, the worker reconnects): no
    # requeue or retry runs it again.
    left = query(
        "SELECT status, task_path, exception_class_path, count(*) "
        "FROM django_tasks_database_dbtaskresult WHERE status IN ('RUNNING', 'FAILED') "
        "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        url=DATABASE_URL,
    )
    running = [(path.rsplit(".", 1)[-1], n) for status, path, _, n in left if status == "RUNNING"]
    failed = [
        (path.rsplit(".", 1)[-1], error.rsplit(".", 1)[-1], n)
        for status, path, error, n in left
        if status == "FAILED"
    ]
    # Every appointment the run made, whatever its answer said, should have had its patient
    # confirmation and its staff notification sent.
    appointments = query(
        "SELECT a.id, a.reference, p.email, (SELECT count(DISTINCT n.kind) = 2 FROM "
        "booking_notification n WHERE n.appointment_id = a.id "
        "AND n.kind IN ('confirmation', 'staff_new') AND n.status = 'sent') "
        "FROM booking_appointment a JOIN booking_patient p ON p.id = a.patient_id "
        "WHERE p.email LIKE 'outage%%' OR p.email LIKE 'after%%'",
        url=DATABASE_URL,
    )
    answered_201 = set(references)
    sent = [ok for _, reference, _, ok in appointments if reference in answered_201]
    sent_refused = [ok for *_, email, ok in appointments if email in refused_booked]
    # For an appointment without its emails: its notify_appointment task (status, or none
    # at all: queued outside the booking's transaction) and its notification rows.
    for pk, reference, email, _ in [a for a in appointments if not a[3]][:5]:
        tasks_for = query(
            "SELECT status, exception_class_path FROM django_tasks_database_dbtaskresult "
            "WHERE task_path LIKE %s AND args_kwargs -> 'args' ->> 0 = %s",
            "%.notify_appointment",
            str(pk),
            url=DATABASE_URL,
        )
        rows = query(
            "SELECT kind, status, attempts FROM booking_notification WHERE appointment_id = %s",
            pk,
            url=DATABASE_URL,
        )
        answer = "201" if reference in answered_201 else "503" if email in refused_booked else "?"
        print(
            f"  without its emails: {reference} (answered {answer}): notify_appointment tasks "
            f"{tasks_for or 'none'}; notification rows {rows or 'none'}"
        )
    unaccounted = len(appointments) - len(sent) - len(sent_refused)
    exits = [f"{when - recorder.began:+.1f} s ({code})" for when, code in worker.exits]
    starts = [f"{when - recorder.began:+.1f} s" for when in worker.starts]
    # The exceptions in the tracebacks the worker wrote: why it stopped.
    reasons = sorted(
        {
            line.split(":", 1)[0]
            for line in worker.stack.log_lines("worker", "Error: ")
            if not line.startswith(" ")
        }
    )
    [(tasks,)] = query(
        "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'SUCCESSFUL'",
        url=DATABASE_URL,
    )
    print(
        f"refused bookings (503) that were in fact made: {len(refused_booked)} of "
        f"{len(refused)}; the supervised task worker ({worker.worker_id}) started "
        f"{len(starts)} times ({', '.join(starts)}), exits {exits or 'none'} {reasons}; "
        f"requeue runs that failed (database away) {worker.requeue_failures}, tasks requeued "
        f"{worker.requeued()}; running when the load ended: {running_after_load}"
    )
    report.check(
        "every appointment made has its confirmation and staff email sent",
        all(sent) and all(sent_refused) and unaccounted == 0,
        f"{sum(sent)} of {len(sent)} answered 201, {sum(sent_refused)} of "
        f"{len(sent_refused)} answered 503 (made all the same); other appointments "
        f"{unaccounted}",
    )
    report.check(
        "the supervised worker drains the queue, no task left running",
        drained is not None and not running,
        (
            f"queue drained in {drained:.1f} s after the load ({tasks} tasks run in all)"
            if drained is not None
            else "no task finished for 60 s with tasks still due or running"
        )
        + f"; tasks left running: {running}; worker restarted {len(starts) - 1} times",
    )
    report.check("no task failed", not failed, f"failed tasks: {failed}")


if __name__ == "__main__":
    main()
