"""Measuring Django views in process, for the benchmarks that time staff screens
(care_notes.py, front_desk.py): timed steps with their database time and queries, query
plans in one line, a client signed in with both factors, the benchmark database. Import it
after django.setup()."""

import statistics
import subprocess
import time

from common import ROOT
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def recreate_database(database_url: str, *, drop_only: bool = False) -> None:
    """A fresh, empty benchmark database (or none, at the end)."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as admin_connection:
        admin_connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            admin_connection.execute(f'CREATE DATABASE "{name}"')


def signed_in_client(user) -> Client:
    """A staff member signed in with both factors, as the admin requires."""
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="Bench authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


class Step:
    """One measured step: timings after the warm-ups, time spent waiting on the database, and
    the queries of the last run."""

    def __init__(self, name: str, warm_ups: int = 5):
        self.warm_ups = warm_ups
        self.name, self.times, self.database, self.counts = name, [], [], []
        self.queries, self.cold = [], None

    def run(self, run: int, send, url: str, expect: int, data=None):
        waited = []

        def timed(execute, sql, params, many, context):
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                waited.append(time.perf_counter() - began)

        # The query log keeps 9,000 entries and is not cleared between captures: past that,
        # CaptureQueriesContext counts nothing.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timed):
            began = time.perf_counter()
            response = send(url, data)
            elapsed = (time.perf_counter() - began) * 1000
        if response.status_code != expect:
            raise RuntimeError(f"{self.name}: HTTP {response.status_code}, expected {expect}")
        if self.cold is None:
            self.cold = elapsed
        if run >= self.warm_ups:
            self.add(elapsed, sum(waited) * 1000, len(captured.captured_queries))
            self.queries = captured.captured_queries
        return response, elapsed

    def add(self, elapsed: float, database: float, count: int) -> None:
        self.times.append(elapsed)
        self.database.append(database)
        self.counts.append(count)

    @property
    def p95(self) -> float:
        return sorted(self.times)[int(len(self.times) * 0.95) - 1]

    def line(self) -> str:
        counts = f"{min(self.counts)}" + (
            f"-{max(self.counts)}" if max(self.counts) != min(self.counts) else ""
        )
        return (
            f"{self.name:<44} {len(self.times):>4} {statistics.median(self.times):>7.1f} "
            f"{self.p95:>7.1f} {max(self.times):>7.1f} {counts:>8} "
            f"{statistics.median(self.database):>6.1f}"
        )


def scans(plan: dict) -> list[str]:
    found = []
    if "Relation Name" in plan:
        how = plan["Node Type"] + (f" using {plan['Index Name']}" if "Index Name" in plan else "")
        found.append(f"{how} on {plan['Relation Name']}")
    for child in plan.get("Plans", []):
        found += scans(child)
    return found


def outline(plan: dict) -> str:
    """A plan in one line: `Limit > Index Scan using ... on ...`, joins as `Nested Loop(a, b)`."""
    node = plan["Node Type"]
    if "Index Name" in plan:
        node += f" using {plan['Index Name']}"
    if "Relation Name" in plan:
        node += f" on {plan['Relation Name']}"
    children = [outline(child) for child in plan.get("Plans", [])]
    if len(children) == 1:
        return f"{node} > {children[0]}"
    return f"{node}({', '.join(children)})" if children else node


def commit() -> str:
    described = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    )
    return described.stdout.strip() or "unknown"
