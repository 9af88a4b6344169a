"""Front-desk benchmark: the staff calendar (day, week, htmx partial), the patient search as
the desk types, the dashboard's day and booking by phone, with a busy clinic in PostgreSQL.

Creates a fresh database (BENCH_DATABASE_URL, default physiofit_bench_desk on 127.0.0.1) and
fills it with bulk inserts: 20 practitioners working Monday to Friday 8:00-18:00 (the clinic
open the same), 100,000 patients (names from short lists combined, phones typed in six
formats, emails, birthdays), two years of past visits and two months ahead (8 of the 10
hourly times per practitioner and working day, all 10 today), a few time-off rows. Then it
times the views in process with Django's test client, production settings and a front-desk
user signed in with both factors, counts their queries, checks that the counts do not grow
with the visits or the practitioners shown, and checks the plans for sequential scans of the
large tables. The database is dropped at the end.
Goal (issue 12, with issue 11's bar for staff screens): each view under 200 ms of server time.

    .venv/bin/python bench/front_desk.py    # about 2 minutes; the request log on stderr
"""

import gc
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from common import production_env  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/physiofit_bench_desk"
)
workdir = tempfile.mkdtemp(prefix="physiofit-desk-")
ENV = production_env(workdir, DATABASE_URL, ALLOWED_HOSTS="testserver", EMAIL_URL="locmem://")
os.environ.update(ENV)

import django  # noqa: E402

django.setup()

from common import build_clinic  # noqa: E402
from django.contrib.auth.models import Group, Permission, User  # noqa: E402
from django.contrib.staticfiles.storage import staticfiles_storage  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from measure import Step, commit, outline, recreate_database, scans, signed_in_client  # noqa: E402

from physiofit.booking import selectors  # noqa: E402
from physiofit.booking.models import (  # noqa: E402
    Appointment,
    Patient,
    Practitioner,
    Service,
    TimeOff,
    WorkingHours,
)
from physiofit.booking.services import PatientDetails  # noqa: E402
from physiofit.core.models import OpeningHours  # noqa: E402

PRACTITIONERS, PATIENTS, PAST_DAYS, AHEAD_DAYS = 20, 100_000, 730, 61
HOURS, PER_DAY, OPENS = 10, 8, 8  # hourly visits from 8:00; 8 of the 10 taken, all 10 today
WARM_UPS, RUNS, GOAL_MS, BATCH = 5, 40, 200, 5000
ZONE = ZoneInfo("America/Los_Angeles")
LARGE_TABLE_ROWS = 10_000
FIRST_NAMES = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Carlos", "Maria", "Daniel", "Karen", "Wei", "Priya", "Ahmed", "Fatima", "Kenji",
    "Yuki", "Olga", "Ivan", "Sam", "Alex", "Casey", "Jordan", "Taylor", "Morgan", "Lee", "Ana",
    "Luis", "Grace",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "O'Brien", "Kowalski", "Yamamoto",
    "Patel", "Schmidt", "Müller", "Johansson", "Dubois", "Rossi", "Novak",
]  # fmt: skip
PHONE_FORMATS = [
    "{a} 555 {n}",
    "({a}) 555-{n}",
    "{a}-555-{n}",
    "{a}.555.{n}",
    "+1 {a} 555 {n}",
    "{a}555{n}",
]
AREAS = ["541", "541", "541", "458", "503"]
DOMAINS = ["example.com", "example.org", "mail.example.net"]


def working_days(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def day_ahead(today: date) -> date:
    """The busy day the day view is also timed on: the second working day from today + 5."""
    return working_days(today + timedelta(days=5), today + timedelta(days=12))[1]


def visit_start(day: date, hour: int) -> datetime:
    return datetime.combine(day, clock(OPENS + hour), tzinfo=ZONE)


def patients(rng: random.Random) -> list[int]:
    def row(i: int) -> Patient:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{first}.{last}".lower().replace("'", "").replace("ü", "u")
        return Patient(
            first_name=first,
            last_name=last,
            email=f"{local}{i}@{rng.choice(DOMAINS)}",
            phone=rng.choice(PHONE_FORMATS).format(a=rng.choice(AREAS), n=f"{i % 10000:04d}"),
            date_of_birth=date(1930, 1, 1) + timedelta(days=rng.randrange(85 * 365)),
            reference=f"P{i:07d}",
        )

    created = Patient.objects.bulk_create((row(i) for i in range(PATIENTS)), batch_size=BATCH)
    return [p.pk for p in created]


def time_off(practitioners, today: date) -> list[tuple[int, date, date, clock | None]]:
    """A week's vacation next week, a long weekend last month, a dentist's afternoon on the
    day the day view looks ahead to: (practitioner index, first day, last day, from, reason)."""
    monday = today + timedelta(days=7 - today.weekday())
    ahead = day_ahead(today)
    rows = [
        (2, monday, monday + timedelta(days=4), None, "Vacation"),
        (5, today - timedelta(days=30), today - timedelta(days=27), None, ""),
        (7, ahead, ahead, clock(13), "Dentist"),
        (11, today - timedelta(days=200), today - timedelta(days=190), None, "Course"),
    ]
    TimeOff.objects.bulk_create(
        TimeOff(
            practitioner=practitioners[p],
            first_day=first,
            last_day=last,
            start_time=starts,
            reason=reason,
        )
        for p, first, last, starts, reason in rows
    )
    return rows


def seed(today: date, now: datetime, rng: random.Random):
    """The clinic, its patients and its visits; returns the services, the practitioners and
    the free (practitioner index, day, hour) times from the day after tomorrow on."""
    service, practitioners = build_clinic(
        opens=clock(OPENS),
        closes=clock(OPENS + HOURS),
        practitioners=PRACTITIONERS,
        service_fields={
            "name": "Follow-up",
            "slug": "follow-up",
            "duration_minutes": 45,
            "buffer_after_minutes": 15,
            "audience": Service.Audience.RETURNING,
        },
    )
    # Monday to Friday only, 8:00-18:00, for the clinic and everyone in it.
    OpeningHours.objects.filter(weekday__gte=5).delete()
    WorkingHours.objects.filter(weekday__gte=5).delete()
    WorkingHours.objects.update(starts=clock(OPENS), ends=clock(OPENS + HOURS))
    evaluation = Service.objects.create(
        name="Evaluation", slug="evaluation", duration_minutes=60, audience=Service.Audience.NEW
    )
    for practitioner in practitioners:
        practitioner.services.add(evaluation)
    patient_ids = patients(rng)
    off = time_off(practitioners, today)

    def away(p: int, day: date, hour: int) -> bool:
        return any(
            p == q and first <= day <= last and (starts is None or OPENS + hour >= starts.hour)
            for q, first, last, starts, _ in off
        )

    days = working_days(today - timedelta(days=PAST_DAYS), today + timedelta(days=AHEAD_DAYS))
    free, rows, count = [], [], 0
    for day in days:
        for p, practitioner in enumerate(practitioners):
            hours = range(HOURS) if day == today else sorted(rng.sample(range(HOURS), PER_DAY))
            for hour in range(HOURS):
                if away(p, day, hour):
                    continue
                if hour not in hours:
                    if day > today + timedelta(days=1):
                        free.append((p, day, hour))
                    continue
                start = visit_start(day, hour)
                first = rng.random() < 0.1
                if start + timedelta(minutes=45) <= now:
                    status = rng.choices(["completed", "no_show", "cancelled"], [92, 3, 5])[0]
                else:
                    status = "cancelled" if rng.random() < 0.04 and day != today else "booked"
                count += 1
                rows.append(
                    Appointment(
                        practitioner=practitioner,
                        service=evaluation if first else service,
                        patient_id=rng.choice(patient_ids),
                        start=start,
                        end=start + timedelta(minutes=60 if first else 45),
                        blocked_start=start,
                        blocked_end=start + timedelta(minutes=60),
                        status=status,
                        source=rng.choice(["online", "staff"]),
                        reference=f"A{count:07d}",
                        arrived_at=start - timedelta(minutes=5) if start <= now else None,
                        cancelled_at=start - timedelta(days=1) if status == "cancelled" else None,
                    )
                )
                if status == "cancelled" and day > today + timedelta(days=1):
                    free.append((p, day, hour))
        if len(rows) >= BATCH:
            Appointment.objects.bulk_create(rows)
            rows = []
    Appointment.objects.bulk_create(rows)
    return service, evaluation, practitioners, patient_ids, free


def front_desk_user() -> User:
    """The desk: the admin, patients and their visits; no clinical records, no notes."""
    group = Group.objects.create(name="Front desk")
    for label in ("wagtailadmin.access_admin", "booking.view_patient_record"):
        app_label, codename = label.split(".")
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    user = User.objects.create_user("desk", first_name="Front", last_name="Desk")
    user.groups.add(group)
    return user


def get(client: Client, **headers):
    return lambda url, data: client.get(url, headers=headers)


def calendar_url(day: date, view: str = "day", practitioner: int | None = None) -> str:
    url = f"/admin/calendar/?view={view}&date={day.isoformat()}"
    return url + (f"&practitioner={practitioner}" if practitioner else "")


def searches(patient_ids: list[int]) -> dict[str, str]:
    """What the desk types: a last-name fragment, a phone fragment, an email fragment (with
    its @, as the search wants), a date of birth, and a name with a phone fragment."""
    someone = Patient.objects.get(pk=patient_ids[len(patient_ids) // 3])
    return {
        "last name 'hern'": "hern",
        "phone '541 555 01'": "541 555 01",
        "phone '541 555 0123'": "541 555 0123",
        f"email '{someone.email.split('@')[0]}@'": someone.email.split("@")[0] + "@",
        "birthday '03/14/1985'": "03/14/1985",
        "name + phone 'garcia 555'": "garcia 555",
    }


def measure(client, practitioners, patient_ids, free, today, rng) -> tuple[list[Step], dict]:
    runs = WARM_UPS + RUNS
    ahead = day_ahead(today)
    steps = []
    views = [
        ("day view, today, 20 x 10 visits", calendar_url(today), {}),
        (f"day view, {ahead:%a} ahead, 20 x ~8 visits", calendar_url(ahead), {}),
        ("week view, one practitioner", calendar_url(today, "week", practitioners[0].pk), {}),
        ("day view, htmx partial (today)", calendar_url(today), {"HX-Request": "true"}),
        ("dashboard /admin/ (today, 200 visits)", "/admin/", {}),
    ]
    for name, url, headers in views:
        step = Step(name)
        for run in range(runs):
            response, _ = step.run(run, get(client, **headers), url, 200)
        steps.append(step)
        if name.startswith("day view, today") and response.content.count(b"pf-visit") < 100:
            raise RuntimeError("the day view does not show today's visits")
    results = {}
    for name, query in searches(patient_ids).items():
        step = Step(f"search {name}")
        for run in range(runs):
            response, _ = step.run(
                run, client.post, "/admin/calendar/patients/search/", 200, {"q": query}
            )
        results[name] = len(selectors.patient_search(query))
        steps.append(step)
    form = Step("open the booking form (click a free time)")
    chosen = rng.sample(free, runs)
    for run, (p, day, hour) in enumerate(chosen):
        url = (
            f"/admin/calendar/new/?practitioner={practitioners[p].pk}&day={day.isoformat()}"
            f"&start_time={OPENS + hour:02d}:00"
        )
        form.run(run, get(client), url, 200)
    steps.append(form)
    book = Step("book by phone, existing patient (guard)")
    before = Appointment.objects.count()
    for run, (p, day, hour) in enumerate(chosen):
        data = {
            "practitioner": practitioners[p].pk,
            "day": day.isoformat(),
            "start_time": f"{OPENS + hour:02d}:00",
            "service": "",
            "patient": rng.choice(patient_ids),
        }
        response, _ = book.run(run, client.post, "/admin/calendar/new/", 302, data)
        if "/admin/calendar/appointment/" not in response["Location"]:
            raise RuntimeError(f"booking by phone went to {response['Location']}")
    if Appointment.objects.count() != before + runs:
        raise RuntimeError("booking by phone did not make one visit per request")
    steps.append(book)
    lookalikes = Step("lookalike check, new patient (selector)")
    for run in range(runs):
        details = PatientDetails(
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            email=f"someone{run}@example.com",
            phone=f"(541) 555-{rng.randrange(10000):04d}",
            date_of_birth=date(1985, 3, 14),
        )
        lookalikes.run(
            run, lambda url, data: _Ok(selectors.patient_lookalikes(data)), "", 200, details
        )
    steps.append(lookalikes)
    return steps, results


class _Ok:
    """A selector's result dressed as a response, so Step can time it."""

    status_code = 200

    def __init__(self, value):
        self.value = value


def query_count(client: Client, url: str, **headers) -> int:
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code}")
    return len(captured.captured_queries)


def growth(client: Client, practitioners, today: date) -> list[tuple[str, int, int, int]]:
    """Queries of each view with all its visits, with half of them cancelled (hidden), and with
    half the practitioners inactive: the same three numbers mean no query per visit or per
    practitioner. Each change is rolled back."""
    window = selectors.local_day_bounds(today, today + timedelta(days=6 - today.weekday()), ZONE)
    monday = today - timedelta(days=today.weekday())
    week = selectors.local_day_bounds(monday, monday + timedelta(days=6), ZONE)
    views = [
        ("day view", calendar_url(today), {}, window),
        ("week view", calendar_url(today, "week", practitioners[0].pk), {}, week),
        ("htmx partial", calendar_url(today), {"HX-Request": "true"}, window),
        ("dashboard", "/admin/", {}, window),
    ]
    found = []
    for name, url, headers, (start, end) in views:
        query_count(client, url, **headers)  # shows the bookings' success messages, once
        full = query_count(client, url, **headers)
        with transaction.atomic():
            visits = Appointment.objects.filter(start__gte=start, start__lt=end).exclude(
                status="cancelled"
            )
            half = list(visits.values_list("pk", flat=True)[::2])
            Appointment.objects.filter(pk__in=half).update(status="cancelled")
            fewer_visits = query_count(client, url, **headers)
            transaction.set_rollback(True)
        with transaction.atomic():
            Practitioner.objects.filter(pk__in=[p.pk for p in practitioners[10:]]).update(
                active=False
            )
            fewer_practitioners = query_count(client, url, **headers)
            transaction.set_rollback(True)
        found.append((name, full, fewer_visits, fewer_practitioners))
    return found


def explain(steps: list[Step]) -> None:
    """Each SELECT of each step's last run that reads a table of more than 10,000 rows,
    explained and run again, with how it reads those tables; sequential scans are listed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > %s",
            [LARGE_TABLE_ROWS],
        )
        large = {row[0] for row in cursor.fetchall()}
        sequential = []
        print(f"plans of the SELECTs reading tables of over {LARGE_TABLE_ROWS:,} rows:")
        for step in steps:
            seen = set()
            for query in step.queries:
                sql = query["sql"]
                if not sql.lstrip().upper().startswith("SELECT") or sql in seen:
                    continue
                seen.add(sql)
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
                result = cursor.fetchone()[0]
                result = json.loads(result) if isinstance(result, str) else result
                found = [s for s in scans(result[0]["Plan"]) if s.rsplit(" ", 1)[1] in large]
                if not found:
                    continue
                sequential += [(step.name, s) for s in found if s.startswith("Seq Scan")]
                # The table and the filter, not the column list (nor EXTRACT(EPOCH FROM ...)).
                table, where = re.split(r"(?<!EPOCH) FROM ", sql, maxsplit=1)[-1], ""
                if " WHERE " in table:
                    table, _, where = table.partition(" WHERE ")
                print(f"  {step.name}: FROM {table[:70]} WHERE {where[:230]}")
                print(f"    {result[0]['Execution Time']:.2f} ms: {outline(result[0]['Plan'])}")
    print(f"sequential scans of those tables: {len(sequential) or 'none'}")
    for name, scan in sequential:
        print(f"  {name}: {scan}")


def counts() -> str:
    tables = {"patients": Patient, "appointments": Appointment, "time-off rows": TimeOff}
    return ", ".join(f"{model.objects.count():,} {name}" for name, model in tables.items())


def main() -> int:
    recreate_database(DATABASE_URL)
    static = subprocess.Popen(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=ENV,
    )
    try:
        call_command("migrate", verbosity=0)
        rng = random.Random(12)
        now = datetime.now(ZONE)
        today = now.date()
        began = time.perf_counter()
        _, _, practitioners, patient_ids, free = seed(today, now, rng)
        user = front_desk_user()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would, and not during the timing
            seeded = time.perf_counter() - began
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0].split(" on ")[0]
        print(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, {version}; code at {commit()}"
        )
        print(f"today: {today:%a %Y-%m-%d}, clinic time {now:%H:%M}")
        print(f"seeded in {seeded:.0f} s (bulk inserts, VACUUM ANALYZE): {counts()}; {size}")
        if static.wait() != 0:
            raise RuntimeError("collectstatic failed")
        # Read by the seeding before collectstatic had written it: read the manifest again.
        manifest = staticfiles_storage.load_manifest()
        staticfiles_storage.hashed_files, staticfiles_storage.manifest_hash = manifest
        client = signed_in_client(user)
        gc.collect()
        gc.freeze()  # as physiofit/wsgi.py does once the application is loaded
        before = os.getloadavg()
        steps, found = measure(client, practitioners, patient_ids, free, today, rng)
        after = os.getloadavg()
        print(
            "load average (1, 5, 15 min) before and after the timed runs: "
            + ", ".join(f"{x:.1f}" for x in before)
            + "; "
            + ", ".join(f"{x:.1f}" for x in after)
        )
        header = f"{'step':<44} {'runs':>4} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}"
        print(f"{header} {'queries':>8} {'db ms':>6}")
        for step in steps:
            print(step.line())
        print(
            "patients found (at most 8 shown): " + ", ".join(f"{k} {v}" for k, v in found.items())
        )
        print("first request of the process (cold): " + f"{steps[0].name} {steps[0].cold:.0f} ms")
        print("queries with all visits / half of them cancelled / 10 of 20 practitioners:")
        grows = False
        for name, full, fewer_visits, fewer_practitioners in growth(client, practitioners, today):
            flag = "" if full == fewer_visits == fewer_practitioners else "  <- grows"
            grows = grows or bool(flag)
            print(f"  {name:<14} {full:>4} {fewer_visits:>4} {fewer_practitioners:>4}{flag}")
        explain(steps)
        met = all(step.p95 < GOAL_MS for step in steps)
        print(f"goal: each step's p95 under {GOAL_MS} ms: {'met' if met else 'NOT met'}")
        return 0 if met and not grows else 1
    finally:
        static.wait()
        connection.close()
        recreate_database(DATABASE_URL, drop_only=True)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
