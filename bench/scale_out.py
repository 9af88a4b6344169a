"""Scale-out on one machine: PostgreSQL, Redis, three web processes, two task workers.

    .venv/bin/python bench/scale_out.py

Creates a fresh database (BENCH_DATABASE_URL, default physiofit_scale), flushes one Redis
database (BENCH_REDIS_URL, default redis://127.0.0.1:6379/5, so nothing else is touched), builds
a clinic, starts three gunicorn processes on their own ports (BENCH_WORKERS sync workers each,
default 2; production settings, one SECRET_KEY) and two `db_worker --queue-name '*'` processes,
with a local SMTP server in this script as the mail server. Then checks, one line each, and
exits 1 if any fails:

1. 50 bookings of one practitioner and time, released together over the three processes: one
   201, the rest 409, no 5xx, one active row; the rate limit counted all 50 in one Redis entry.
2. A page published by a separate process: the next request to each web process serves it.
3. Reminders and waitlist offers with the two workers, while two processes run
   `send_reminders` over and over: each sent exactly once, by the rows that record sending and
   by the emails received.
4. A staff sign-in made on one process is valid on the others (sessions in Redis).
5. Throughput: bookings/s (BENCH_SECONDS per phase, default 15) through one process, through
   the three, and through one process with as many workers as the three together, in one run,
   with the CPU time PostgreSQL, the web processes and this client used in each phase.

Every process it started is stopped and the database dropped, whatever happens.
"""

import email
import email.policy
import http.client
import json
import os
import random
import re
import shutil
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import psutil
from common import ROOT, build_clinic, free_port, gunicorn_command, production_env

from physiofit.intake.triage import red_flags

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/physiofit_scale"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
WARMUP_SECONDS = 2.0
WEB_PROCESSES, TASK_WORKERS = 3, 2
WEB_WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS, RACERS = 32, 50
# t0…t19 take the throughput load; the checks use practitioners of their own.
LOAD_PRACTITIONERS = 20
RACE, REMINDED, WAITLISTED = "t20", ("t21", "t22"), "t23"
PAGE_PATH = "/scale-out-check/"
ZONE = ZoneInfo("America/Los_Angeles")
# The one Host a load balancer passes on to every web process.
HOST = "127.0.0.1"
JSON_TYPE = {"Content-Type": "application/json"}
FORM_TYPE = {"Content-Type": "application/x-www-form-urlencoded"}
NO_RED_FLAGS = dict.fromkeys(red_flags().keys, False)
ADMIN_USER = "bench-admin"


# --- HTTP ----------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float

    def json(self):
        return json.loads(self.body)

    def text(self) -> str:
        return self.body.decode(errors="replace")

    def cookie(self, name: str) -> str | None:
        for header in self.headers.get_all("Set-Cookie") or []:
            if header.startswith(f"{name}="):
                return header.split(";", 1)[0].split("=", 1)[1]
        return None


def call(port: int, method: str, path: str, body=None, headers=None, timeout: float = 30) -> Reply:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    began = time.perf_counter()
    try:
        connection.request(method, path, body, {"Host": HOST, **(headers or {})})
        response = connection.getresponse()
        content = response.read()
        return Reply(response.status, response.headers, content, time.perf_counter() - began)
    finally:
        connection.close()


def booking(practitioner: str, start: datetime, email_address: str) -> str:
    return json.dumps(
        {
            "service": "follow-up",
            "practitioner": practitioner,
            "start": start.isoformat(),
            "patient": {
                "first_name": "Scale",
                "last_name": "Test",
                "email": email_address,
                "phone": "541 555 0100",
                "date_of_birth": "1980-01-01",
            },
            # A first visit: the red-flag answers are recorded with every booking.
            "screening": NO_RED_FLAGS,
        }
    )


def clinic_time(days: int, hour: int, minute: int = 0) -> datetime:
    day = datetime.now(ZONE).date() + timedelta(days=days)
    return datetime.combine(day, datetime.min.time(), tzinfo=ZONE) + timedelta(
        hours=hour, minutes=minute
    )


def csrf_form(port: int, path: str) -> tuple[str, str]:
    """GET a form page: its CSRF cookie and the form's token."""
    page = call(port, "GET", path)
    cookie = page.cookie("csrftoken")
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text())
    if page.status != 200 or cookie is None or found is None:
        raise RuntimeError(f"GET {path} on :{port} gave {page.status} without a CSRF form")
    return cookie, found.group(1)


def wait_until_up(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if call(port, "GET", "/healthz", timeout=5).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"web process on :{port} did not come up")


# --- The database, the cache, the processes --------------------------------------------------


def admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


def recreate_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(sql: str, *params, url: str = DATABASE_URL) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, connect_timeout=5) as connection:
        return connection.execute(sql, params).fetchall()


def redis_client(url: str = REDIS_URL):
    import redis

    return redis.Redis.from_url(url)


class Stack:
    """The processes of one deployment on loopback, each logging to its own file."""

    def __init__(self, env: dict, workdir: Path):
        self.env = env
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str]) -> subprocess.Popen:
        with open(self.logs / f"{name}.log", "ab") as log:
            process = subprocess.Popen(
                args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.processes[name] = process
        return process

    def web(self, port: int, workers: int) -> subprocess.Popen:
        return self.start(f"web-{port}", gunicorn_command(port, workers))

    def worker(self, name: str) -> subprocess.Popen:
        return self.start(name, [sys.executable, "manage.py", "db_worker", "--queue-name", "*"])

    def run(self, name: str, args: list[str]) -> None:
        """A one-off command to the end; its output goes to its log, a failure raises."""
        process = self.start(name, args)
        if process.wait() != 0:
            raise RuntimeError(f"{name} failed ({process.returncode}): see {self.logs}/{name}.log")
        del self.processes[name]

    def stop(self, name: str, timeout: float = 20) -> int | None:
        process = self.processes.pop(name, None)
        if process is None:
            return None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        return process.returncode

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def log_lines(self, name: str, pattern: str) -> list[str]:
        path = self.logs / f"{name}.log"
        if not path.exists():
            return []
        return [line for line in path.read_text(errors="replace").splitlines() if pattern in line]


# --- Mail ------------------------------------------------------------------------------------


class MailSink(socketserver.ThreadingTCPServer):
    """A local SMTP server keeping the recipient and subject of every message it receives: what
    the workers actually sent, counted apart from the rows that say they sent it."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        self.received: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.server_address[1]}"

    def messages(self) -> list[tuple[str, str]]:
        with self.lock:
            return list(self.received)


class _SmtpSession(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        recipients: list[str] = []
        self._reply("220 bench ESMTP")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"HELO", b"EHLO"):
                self._reply("250 bench")
            elif verb == b"MAIL":
                recipients = []
                self._reply("250 OK")
            elif verb == b"RCPT":
                address = line.split(b":", 1)[1].strip().split(b" ")[0].strip(b"<>")
                recipients.append(address.decode().lower())
                self._reply("250 OK")
            elif verb == b"DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(chunk[1:] if chunk.startswith(b".") else chunk)
                message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                with self.server.lock:
                    self.server.received.extend((r, str(message["Subject"])) for r in recipients)
                self._reply("250 OK")
            elif verb == b"QUIT":
                self._reply("221 Bye")
                return
            else:  # RSET, NOOP
                self._reply("250 OK")

    def _reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")


# --- Setup, in a child process with the production settings ----------------------------------


def setup() -> None:
    import django

    django.setup()
    from datetime import time as clock

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from wagtail.models import Page, Site

    from physiofit.booking.models import BookingPolicy, Practitioner
    from physiofit.booking.services import PatientDetails, waitlist_join
    from physiofit.website.models import HomePage, StandardPage

    call_command("migrate", verbosity=0)
    service, _ = build_clinic(
        opens=clock(0),
        closes=clock(23, 59),
        practitioners=LOAD_PRACTITIONERS + 4,
        service_fields={"name": "Follow-up", "slug": "follow-up", "duration_minutes": 45},
    )
    site = Site.objects.get(is_default_site=True)
    # Three throughput phases of 30 days each need 90 bookable days.
    BookingPolicy.objects.filter(site=site).update(horizon_days=120)

    # A home page of ours at the site root (Wagtail's welcome page stays, unused) and the page
    # the publish check edits.
    home = HomePage(
        title="PhysioFit", slug="clinic", hero_heading="Move well", hero_text="Scale-out run."
    )
    Page.get_first_root_node().add_child(instance=home)
    home.save_revision().publish()
    site.root_page = home
    site.save()
    page = StandardPage(
        title="Scale-out check",
        slug=PAGE_PATH.strip("/"),
        lead="Edition one of this page.",
        body=[{"type": "paragraph", "value": "<p>Published before the run.</p>"}],
    )
    home.add_child(instance=page)
    page.save_revision().publish()

    # Three patients waiting for a time with the waitlist practitioner, three days from now.
    day = clinic_time(3, 0).date()
    practitioner = Practitioner.objects.get(slug=WAITLISTED)
    for index, wanted in enumerate([practitioner, practitioner, None]):
        waitlist_join(
            service=service,
            practitioner=wanted,
            patient=PatientDetails(
                "Wait",
                f"List{index}",
                f"waiting{index}@example.com",
                "541 555 0100",
                date(1970, 1, 1),
            ),
            first_day=day,
            last_day=day,
            mornings=True,
            afternoons=True,
            evenings=True,
        )
    get_user_model().objects.create_superuser(
        ADMIN_USER, "bench-admin@example.com", os.environ["BENCH_ADMIN_PASSWORD"]
    )


# --- Checks ------------------------------------------------------------------------------------


class Report:
    def __init__(self):
        self.failed: list[str] = []

    def check(self, name: str, ok: bool, detail: str) -> None:
        print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}", flush=True)
        if not ok:
            self.failed.append(name)


def check_race(report: Report, ports: list[int]) -> None:
    start = clinic_time(5, 10)
    barrier = threading.Barrier(RACERS)
    statuses: list[int | str] = [0] * RACERS

    def attempt(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", ports[index % len(ports)], timeout=60)
        try:
            connection.connect()
            body = booking(RACE, start, f"race{index}@example.com")
            barrier.wait()
            connection.request("POST", "/api/v1/appointments", body, {"Host": HOST, **JSON_TYPE})
            response = connection.getresponse()
            response.read()
            statuses[index] = response.status
        except OSError as error:
            statuses[index] = type(error).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts = Counter(statuses)
    [(rows,)] = query(
        "SELECT count(*) FROM booking_appointment a JOIN booking_practitioner p "
        "ON p.id = a.practitioner_id "
        "WHERE p.slug = %s AND a.start = %s AND a.status <> 'cancelled'",
        RACE,
        start,
    )
    server_errors = sum(n for s, n in counts.items() if not isinstance(s, int) or s >= 500)
    report.check(
        "1. one time, 50 simultaneous bookings over 3 processes",
        counts[201] == 1 and counts[409] == RACERS - 1 and server_errors == 0 and rows == 1,
        f"responses {dict(sorted(counts.items(), key=str))}, 5xx or failed {server_errors}, "
        f"active rows for that time {rows}",
    )
    # The rate limit counts per visitor in the shared cache: one entry, all 50 attempts.
    cache = redis_client()
    # The window's end is kept beside each counter (core/ratelimit.py): count the counters only.
    counters = [
        int(cache.get(key))
        for key in cache.scan_iter("physiofit:*:rate:booking:*")
        if not key.endswith(b":ends")
    ]
    report.check(
        "1b. booking rate limit shared by the 3 processes",
        counters == [RACERS],
        f"rate-limit entries in Redis {counters} (expected one entry counting {RACERS})",
    )


def check_publish(report: Report, ports: list[int], stack: Stack) -> None:
    before = [call(port, "GET", PAGE_PATH) for port in ports]
    warm = [call(port, "GET", PAGE_PATH) for port in ports]
    edition = f"Edition two, {os.urandom(4).hex()}."
    script = (
        "from physiofit.website.models import StandardPage\n"
        f"page = StandardPage.objects.get(slug={PAGE_PATH.strip('/')!r})"
        ".get_latest_revision_as_object()\n"
        f"page.lead = {edition!r}\n"
        "page.save_revision().publish()\n"
    )
    stack.run("publish", [sys.executable, "manage.py", "shell", "-c", script])
    after = [call(port, "GET", PAGE_PATH) for port in ports]
    warmed = all(
        r.status == 200 and "Edition one" in r.text() and r.headers.get("X-Page-Cache") == "hit"
        for r in warm
    )
    fresh = all(
        r.status == 200 and edition in r.text() and "Edition one" not in r.text() for r in after
    )
    report.check(
        "2. publish in a separate process, next request to each web process",
        warmed and fresh,
        f"before publish: {[r.headers.get('X-Page-Cache') for r in before]} then "
        f"{[r.headers.get('X-Page-Cache') for r in warm]} (old text served: "
        f"{sum('Edition one' in r.text() for r in warm)}/3); after: new text on "
        f"{sum(edition in r.text() for r in after)}/3 processes, page cache "
        f"{[r.headers.get('X-Page-Cache') for r in after]}",
    )


def free_starts(port: int, practitioner: str, after: datetime, before: datetime, count: int):
    """Non-overlapping bookable starts of one practitioner between two moments."""
    reply = call(
        port,
        "GET",
        "/api/v1/slots?"
        + urlencode(
            {
                "service": "follow-up",
                "practitioner": practitioner,
                "start": after.astimezone(ZONE).date().isoformat(),
                "end": before.astimezone(ZONE).date().isoformat(),
            }
        ),
    )
    chosen: list[datetime] = []
    for slot in reply.json()["slots"]:
        start = datetime.fromisoformat(slot["start"])
        if after <= start <= before and (not chosen or start >= chosen[-1] + timedelta(hours=1)):
            chosen.append(start)
    return chosen[:count]


def pending_tasks() -> int:
    [(count,)] = query(
        "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING' "
        "OR (status = 'READY' AND (run_after <= now() OR run_after >= '9999-01-01'))"
    )
    return count


def wait_for_tasks(timeout: float = 90) -> float:
    """Seconds until no task is ready or running (twice in a row, half a second apart)."""
    began = time.monotonic()
    quiet = 0
    while time.monotonic() - began < timeout:
        quiet = quiet + 1 if pending_tasks() == 0 else 0
        if quiet == 2:
            return time.monotonic() - began
        time.sleep(0.5)
    raise RuntimeError(f"tasks still pending after {timeout:.0f} s")


def cancel(port: int, manage_url: str) -> int:
    """Cancel as the patient does: the manage page's form, with its CSRF token."""
    path = urlsplit(manage_url).path
    cookie, token = csrf_form(port, path)
    reply = call(
        port,
        "POST",
        path + "cancel/",
        urlencode({"csrfmiddlewaretoken": token}),
        {**FORM_TYPE, "Cookie": f"csrftoken={cookie}"},
    )
    return reply.status


# The cron safety net run in a loop for a few seconds, from the moment a go-file appears (so
# that Django's start-up is over and the runs overlap the bookings and the workers).
CRON_SCRIPT = """
import pathlib, time
from django.core.management import call_command
pathlib.Path({ready!r}).touch()
while not pathlib.Path({go!r}).exists():
    time.sleep(0.01)
until = time.monotonic() + {seconds}
while time.monotonic() < until:
    call_command("send_reminders")
    time.sleep(0.05)
"""


def check_reminders_and_offers(
    report: Report, ports: list[int], stack: Stack, mail: MailSink
) -> None:
    now = datetime.now(ZONE)
    due = [
        (who, start)
        for who in REMINDED
        for start in free_starts(
            ports[0], who, now + timedelta(hours=2, minutes=30), now + timedelta(hours=23), 5
        )
    ]
    later = [(who, clinic_time(4, 10)) for who in REMINDED]
    freed = [(WAITLISTED, clinic_time(3, 9)), (WAITLISTED, clinic_time(3, 14))]
    wanted = due + later + freed

    # Two cron processes running `send_reminders` over and over while the bookings arrive and
    # the two workers run each booking's own reminder task: three claimants for each reminder.
    go = stack.logs / "cron-go"
    crons = []
    for index in range(2):
        ready = stack.logs / f"cron-ready-{index}"
        script = CRON_SCRIPT.format(ready=str(ready), go=str(go), seconds=4)
        crons.append(
            (
                ready,
                stack.start(f"cron-{index}", [sys.executable, "manage.py", "shell", "-c", script]),
            )
        )
    deadline = time.monotonic() + 90
    while not all(ready.exists() for ready, _ in crons):
        if time.monotonic() > deadline or any(p.poll() is not None for _, p in crons):
            raise RuntimeError("the send_reminders loops did not start: see cron-*.log")
        time.sleep(0.05)
    go.touch()

    replies: list[Reply | None] = [None] * len(wanted)

    def book(index: int) -> None:
        who, start = wanted[index]
        body = booking(who, start, f"remind{index}@example.com")
        replies[index] = call(
            ports[index % len(ports)], "POST", "/api/v1/appointments", body, JSON_TYPE
        )

    threads = [threading.Thread(target=book, args=(i,)) for i in range(len(wanted))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if any(r is None or r.status != 201 for r in replies):
        report.check(
            "3. reminders and waitlist offers, 2 workers",
            False,
            f"setup bookings answered {[r and r.status for r in replies]}",
        )
        return
    booked = [r.json() for r in replies]
    due_refs = [b["reference"] for b in booked[: len(due)]]
    later_refs = [b["reference"] for b in booked[len(due) :]]

    # Two patients cancel on two other processes, freeing times the waitlist wants.
    cancelled: list[int] = [0, 0]

    def cancel_one(index: int) -> None:
        cancelled[index] = cancel(
            ports[1 + index], booked[len(due) + len(later) + index]["manage_url"]
        )

    cancellers = [threading.Thread(target=cancel_one, args=(i,)) for i in range(2)]
    for thread in cancellers:
        thread.start()
    for thread in cancellers:
        thread.join()
    for index, (_, process) in enumerate(crons):
        if process.wait(timeout=120) != 0:
            raise RuntimeError(f"cron-{index} failed: see its log")
    outputs = [(stack.logs / f"cron-{index}.log").read_text() for index in range(2)]
    cron_runs = sum(len(re.findall(r"reminder\(s\) queued", out)) for out in outputs)
    drained = wait_for_tasks()

    by_cron = sum(int(n) for out in outputs for n in re.findall(r"(\d+) reminder", out))
    [(by_workers,)] = query(
        "SELECT count(*) FROM django_tasks_database_dbtaskresult "
        "WHERE task_path LIKE %s AND status = 'SUCCESSFUL' AND return_value #>> '{}' = 'queued'",
        "%.send_reminder",
    )
    # Per appointment: reminder rows, and those sent at the first attempt.
    reminders = {
        reference: (rows, sent_once)
        for reference, rows, sent_once in query(
            "SELECT a.reference, count(n.id), "
            "count(n.id) FILTER (WHERE n.status = 'sent' AND n.attempts = 1) "
            "FROM booking_appointment a LEFT JOIN booking_notification n "
            "ON n.appointment_id = a.id AND n.kind = 'reminder' "
            "WHERE a.reference = ANY(%s) GROUP BY a.reference",
            due_refs + later_refs,
        )
    }
    due_once = all(reminders.get(ref) == (1, 1) for ref in due_refs)
    later_none = all(reminders.get(ref) == (0, 0) for ref in later_refs)
    offers = query(
        "SELECT waitlist_entry_id, offered_start, count(*), "
        "count(*) FILTER (WHERE status = 'sent' AND attempts = 1) FROM booking_notification "
        "WHERE kind = 'waitlist_offer' GROUP BY 1, 2"
    )
    [(entries,)] = query("SELECT count(*) FROM booking_waitlistentry")
    offers_once = len(offers) == entries * len(freed) and all(n == 1 == s for *_, n, s in offers)
    [(rows, rows_sent_once)] = query(
        "SELECT count(*), count(*) FILTER (WHERE status = 'sent' AND attempts = 1) "
        "FROM booking_notification"
    )
    [(failed_tasks,)] = query(
        "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'FAILED'"
    )
    split = dict(
        query(
            "SELECT worker_ids ->> 0, count(*) FROM django_tasks_database_dbtaskresult "
            "WHERE status = 'SUCCESSFUL' GROUP BY 1"
        )
    )
    received = mail.messages()
    duplicates = [item for item, n in Counter(received).items() if n > 1]
    reminder_mail = sum(s.startswith("Reminder:") for _, s in received)
    offer_mail = sum(s.startswith("A time has opened up") for _, s in received)
    booking_mail = sum(
        s.startswith(
            (
                "Reminder:",
                "A time has opened up",
                "Your appointment",
                "New booking",
                "Booking moved",
                "Booking cancelled",
                "Clinician review",
            )
        )
        for _, s in received
    )
    report.check(
        "3. reminders and waitlist offers, 2 workers, send_reminders looping in 2 processes",
        due_once
        and later_none
        and offers_once
        and cancelled == [302, 302]
        and rows == rows_sent_once == booking_mail
        and reminder_mail == len(due_refs)
        and offer_mail == entries * len(freed)
        and not duplicates
        and failed_tasks == 0,
        f"{len(due_refs)} due reminders: sent once each {due_once} (claimed by {cron_runs} "
        f"send_reminders runs in 2 processes {by_cron}, by the workers {by_workers}); "
        f"{len(later_refs)} not yet due: none sent "
        f"{later_none}; cancels {cancelled}; {len(offers)} waitlist offers for {entries} "
        f"entries x {len(freed)} freed times, once each {offers_once}; notification rows {rows}, "
        f"sent at the first attempt {rows_sent_once}; emails received {len(received)} "
        f"(booking {booking_mail}, reminders {reminder_mail}, offers {offer_mail}), duplicates "
        f"{len(duplicates)}; failed tasks {failed_tasks}; tasks per worker "
        f"{sorted(split.values(), reverse=True)}; queue drained in {drained:.1f} s",
    )


def check_sessions(report: Report, ports: list[int], password: str) -> None:
    cookie, token = csrf_form(ports[0], "/admin/login/")
    signed_in = call(
        ports[0],
        "POST",
        "/admin/login/",
        urlencode(
            {
                "username": ADMIN_USER,
                "password": password,
                "csrfmiddlewaretoken": token,
                "next": "/admin/",
            }
        ),
        {**FORM_TYPE, "Cookie": f"csrftoken={cookie}"},
    )
    session = signed_in.cookie("sessionid")
    others = [
        call(port, "GET", "/admin/", headers={"Cookie": f"sessionid={session}"}).status
        for port in ports[1:]
    ]
    cached = (
        session is not None
        and redis_client().exists(f"physiofit:1:django.contrib.sessions.cached_db{session}") == 1
    )
    report.check(
        "4. staff session made on one process, used on the others",
        signed_in.status == 302 and others == [200] * len(others) and cached,
        f"sign-in on :{ports[0]} {signed_in.status}; admin on the other processes {others}; "
        f"session in Redis {cached}",
    )


# --- Throughput ----------------------------------------------------------------------------


def cpu_seconds(web: list[subprocess.Popen]) -> dict[str, dict[int, float]]:
    """CPU time so far of every process of interest, by group and pid."""
    groups: dict[str, dict[int, float]] = {"postgres": {}, "web": {}, "client": {}, "redis": {}}

    def add(group: str, process: psutil.Process) -> None:
        try:
            times = process.cpu_times()
        except psutil.Error:
            return
        groups[group][process.pid] = times.user + times.system

    for process in psutil.process_iter(["name"]):
        if process.info["name"] == "postgres":
            add("postgres", process)
        elif process.info["name"] == "redis-server":
            add("redis", process)
    for server in web:
        master = psutil.Process(server.pid)
        for process in [master, *master.children(recursive=True)]:
            add("web", process)
    add("client", psutil.Process())
    return groups


def machine_busy() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0)


def load(ports: list[int], web: list[subprocess.Popen], first_day: int) -> dict:
    """Book random practitioner/time pairs over 30 days from `first_day`, round-robin over
    `ports`, from THREADS threads; only requests made inside the measured window count."""
    today = datetime.now(ZONE).date()
    results: list[tuple[int | str, float]] = []
    lock = threading.Lock()
    began = time.monotonic()
    window = (began + WARMUP_SECONDS, began + WARMUP_SECONDS + SECONDS)

    def client(seed: int) -> None:
        rng = random.Random(seed)
        connections = {
            port: http.client.HTTPConnection("127.0.0.1", port, timeout=30) for port in ports
        }
        turn = seed
        while (sent := time.monotonic()) < window[1]:
            day = today + timedelta(days=first_day + rng.randrange(30))
            start = datetime.combine(day, datetime.min.time(), tzinfo=ZONE) + timedelta(
                hours=7, minutes=15 * rng.randrange(45)
            )
            body = booking(
                f"t{rng.randrange(LOAD_PRACTITIONERS)}",
                start,
                f"load{seed}-{rng.randrange(10**9)}@example.com",
            )
            connection = connections[ports[turn % len(ports)]]
            turn += 1
            clock = time.perf_counter()
            try:
                connection.request(
                    "POST", "/api/v1/appointments", body, {"Host": HOST, **JSON_TYPE}
                )
                response = connection.getresponse()
                response.read()
                status: int | str = response.status
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                status = type(error).__name__
            if window[0] <= sent and time.monotonic() <= window[1]:
                with lock:
                    results.append((status, (time.perf_counter() - clock) * 1000))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, window[0] - time.monotonic()))
    cpu_before, busy_before = cpu_seconds(web), machine_busy()
    time.sleep(max(0.0, window[1] - time.monotonic()))
    cpu_after, busy_after = cpu_seconds(web), machine_busy()
    for thread in threads:
        thread.join()
    cores = {
        group: sum(
            seconds - cpu_before[group].get(pid, 0.0) for pid, seconds in cpu_after[group].items()
        )
        / SECONDS
        for group in cpu_after
    }
    cores["machine"] = (busy_after - busy_before) / SECONDS
    statuses = Counter(status for status, _ in results)
    latencies = sorted(ms for _, ms in results)
    return {
        "booked": statuses[201],
        "rate": statuses[201] / SECONDS,
        "taken": statuses[409],
        "errors": sum(n for s, n in statuses.items() if s not in (201, 409)),
        "error_kinds": {s: n for s, n in statuses.items() if s not in (201, 409)},
        "p50": statistics.median(latencies) if latencies else 0,
        "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)] if latencies else 0,
        "cores": cores,
    }


def overlaps() -> int:
    [(count,)] = query("""
        SELECT count(*) FROM booking_appointment a JOIN booking_appointment b
          ON a.practitioner_id = b.practitioner_id AND a.id < b.id
         AND tstzrange(a.blocked_start, a.blocked_end) && tstzrange(b.blocked_start, b.blocked_end)
         WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'
    """)
    return count


def check_throughput(report: Report, stack: Stack, ports: list[int]) -> None:
    web = [stack.processes[f"web-{port}"] for port in ports]
    phases = [("1 process", ports[:1], web[:1], 1)]
    phases.append((f"{len(ports)} processes, round-robin", ports, web, 31))
    results = {}
    for label, used, servers, first_day in phases:
        results[label] = load(used, servers, first_day)
    # The control: one process with as many workers as the three together.
    control_port = free_port()
    control = stack.web(control_port, WEB_WORKERS * len(ports))
    wait_until_up(control_port)
    label = f"1 process, {WEB_WORKERS * len(ports)} workers"
    results[label] = load([control_port], [control], 61)
    stack.stop(f"web-{control_port}")

    cores = psutil.cpu_count()
    print(
        f"Throughput: {THREADS} client threads, {SECONDS:.0f} s per phase, "
        f"{WEB_WORKERS} sync workers per process unless said, task workers stopped, "
        f"{cores} cores; CPU in cores used over the phase, and ms of CPU per booking"
    )
    print(
        "| phase | booked | bookings/s | 409 | errors | p50 ms | p99 ms | PostgreSQL cores "
        "| web cores | client | Redis | other programs | machine busy | ms/booking web | "
        "ms/booking PostgreSQL |"
    )
    print("| --- |" + " ---: |" * 14)
    for label, r in results.items():
        c = r["cores"]
        others = c["machine"] - c["postgres"] - c["web"] - c["client"] - c["redis"]
        per = SECONDS * 1000 / max(r["booked"], 1)
        print(
            f"| {label} | {r['booked']} | {r['rate']:.0f} | {r['taken']} | {r['errors']} "
            f"| {r['p50']:.0f} | {r['p99']:.0f} | {c['postgres']:.2f} | {c['web']:.2f} "
            f"| {c['client']:.2f} | {c['redis']:.2f} | {max(others, 0):.2f} "
            f"| {c['machine'] / cores:.0%} | {c['web'] * per:.0f} | {c['postgres'] * per:.0f} |"
        )
    single, spread = results["1 process"], results[phases[1][0]]
    ratio = spread["rate"] / single["rate"] if single["rate"] else 0.0
    c = spread["cores"]
    busy = c["machine"] / cores
    if busy >= 0.9:
        where = (
            f"it stops growing at the CPU: the {cores} cores are {busy:.0%} busy, the web "
            f"processes use {c['web']:.2f} cores and PostgreSQL {c['postgres']:.2f}"
        )
    else:
        where = (
            f"the CPU is not full ({busy:.0%} busy): the limit is waiting (locks, disk), "
            f"PostgreSQL {c['postgres']:.2f} cores, web {c['web']:.2f}"
        )
    found = overlaps()
    errors = sum(r["errors"] for r in results.values())
    report.check(
        "5. throughput, 3 processes against 1, same run",
        errors == 0 and found == 0,
        f"{spread['rate']:.0f}/s against {single['rate']:.0f}/s: x{ratio:.2f}; {where}; "
        f"errors {errors} {[r['error_kinds'] for r in results.values()]}; "
        f"overlapping pairs {found}",
    )


# --- Run -----------------------------------------------------------------------------------


def main() -> None:
    if sys.argv[1:] == ["setup"]:
        setup()
        return
    began = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="physiofit-scale-"))
    report = Report()
    mail = MailSink()
    password = os.urandom(12).hex()
    # One environment, so one SECRET_KEY: links and sessions signed by one process are
    # accepted by the others.
    env = production_env(
        str(workdir),
        DATABASE_URL,
        REDIS_URL=REDIS_URL,
        EMAIL_URL=mail.url,
        BOOKING_RATE_LIMIT="100000000",
        BENCH_ADMIN_PASSWORD=password,
    )
    stack = Stack(env, workdir)
    ports = [free_port() for _ in range(WEB_PROCESSES)]
    try:
        recreate_database(DATABASE_URL)
        redis_client().flushdb()
        # Static files (for the manifest the templates need) collect while the schema migrates.
        static = stack.start(
            "collectstatic", [sys.executable, "manage.py", "collectstatic", "--noinput"]
        )
        stack.run("setup", [sys.executable, __file__, "setup"])
        if static.wait() != 0:
            raise RuntimeError("collectstatic failed: see its log")
        for port in ports:
            stack.web(port, WEB_WORKERS)
        for index in range(TASK_WORKERS):
            stack.worker(f"worker-{index}")
        for port in ports:
            wait_until_up(port)
        print(
            f"PostgreSQL + Redis ({REDIS_URL}), {WEB_PROCESSES} web processes on {ports} "
            f"({WEB_WORKERS} gunicorn sync workers each), {TASK_WORKERS} task workers; "
            f"ready in {time.monotonic() - began:.0f} s",
            flush=True,
        )
        check_race(report, ports)
        check_publish(report, ports, stack)
        check_reminders_and_offers(report, ports, stack, mail)
        check_sessions(report, ports, password)
        # The throughput phases measure the web tier: the task workers stop (mail queues).
        for index in range(TASK_WORKERS):
            stack.stop(f"worker-{index}")
        check_throughput(report, stack, ports)
        server_errors = [
            line
            for name in [f"web-{port}" for port in ports]
            for line in stack.log_lines(name, " 50")
            if re.search(r" 50\d \d+ms", line)
        ]
        report.check(
            "web logs", not server_errors, f"5xx lines in the web logs: {len(server_errors)}"
        )
    except Exception as error:
        report.check("run", False, f"{type(error).__name__}: {error}")
        raise
    finally:
        stack.stop_all()
        mail.shutdown()
        try:
            drop_database(DATABASE_URL)
            redis_client().flushdb()
        finally:
            if report.failed:
                print(f"Logs kept in {workdir / 'logs'}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)
    print(f"Total {time.monotonic() - began:.0f} s; failed: {report.failed or 'none'}")
    if report.failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
