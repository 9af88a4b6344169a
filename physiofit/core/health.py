"""GET /healthz for load balancers and monitoring: is the database reachable, does the cache
answer, is the task worker keeping up. Counts only: no patient data, no versions."""

import json
import logging
import uuid
from datetime import timedelta

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.models import Case, F, Min, When
from django.http import HttpResponse, HttpResponseNotAllowed
from django.utils import timezone

logger = logging.getLogger(__name__)

PATHS = {"/healthz", "/healthz/"}
# Failed tasks are counted over this window: an old failure that staff dealt with should not
# keep a monitor red forever.
FAILED_WINDOW = timedelta(hours=24)


def database_status() -> str:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("health: database unavailable (%s)", type(error).__name__)
        return "unavailable"
    return "ok"


def cache_status() -> str:
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, 1, timeout=10)
        answered = cache.get(key)
        cache.delete(key)
    except Exception as error:  # any backend's connection error means the same thing here
        logger.warning("health: cache unavailable (%s)", type(error).__name__)
        return "unavailable"
    return "ok" if answered == 1 else "unavailable"


def task_counts() -> dict:
    """Tasks waiting to run now, tasks failed in the last day, and how long the oldest has waited."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    ready = DBTaskResult.objects.ready()
    waiting_since = ready.aggregate(
        since=Min(
            Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after"))
        )
    )["since"]
    return {
        "queued": ready.count(),
        "failed": DBTaskResult.objects.failed()
        .filter(finished_at__gte=now - FAILED_WINDOW)
        .count(),
        "oldest_queued_seconds": int((now - waiting_since).total_seconds()) if waiting_since else 0,
    }


def report() -> tuple[int, dict]:
    body = {"database": database_status(), "cache": cache_status(), "tasks": None}
    if body["database"] == "ok":
        try:
            body["tasks"] = task_counts()
        except DatabaseError as error:
            logger.warning("health: task counts unavailable (%s)", type(error).__name__)
            body["database"] = "unavailable"
    failing = [part for part in ("database", "cache") if body[part] != "ok"]
    if failing:
        body["failing"] = failing
    return (503 if failing else 200), body


def view(request) -> HttpResponse:
    status, body = report()
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    """Answers /healthz before sessions, the host check and the page cache, so it reports on
    the database and cache instead of failing because of them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info not in PATHS:
            return self.get_response(request)
        if request.method not in {"GET", "HEAD"}:
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return view(request)
