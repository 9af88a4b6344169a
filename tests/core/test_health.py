from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from physiofit.core import health
from tests.factories import task_row


def _task(status, *, enqueued_ago, finished_ago=None, run_after=None):
    row = task_row(
        status=status,
        run_after=run_after or get_date_max(),
        finished_at=timezone.now() - finished_ago if finished_ago else None,
    )
    DBTaskResult.objects.filter(pk=row.pk).update(enqueued_at=timezone.now() - enqueued_ago)


@pytest.mark.django_db
def test_healthy_site_reports_database_cache_and_task_queue(client):
    _task("READY", enqueued_ago=timedelta(minutes=5))
    _task("READY", enqueued_ago=timedelta(minutes=1))
    # Deferred to the future (a retry): not waiting yet.
    _task("READY", enqueued_ago=timedelta(hours=1), run_after=timezone.now() + timedelta(hours=1))
    _task("FAILED", enqueued_ago=timedelta(hours=2), finished_ago=timedelta(hours=1))
    _task("FAILED", enqueued_ago=timedelta(days=3), finished_ago=timedelta(days=2))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["database"] == body["cache"] == "ok"
    assert body["tasks"]["queued"] == 2
    assert body["tasks"]["failed"] == 1
    assert 295 <= body["tasks"]["oldest_queued_seconds"] <= 310
    assert set(body) == {"database", "cache", "tasks"}


@pytest.mark.django_db
def test_health_answers_a_probe_by_address_over_plain_http(client):
    """Load balancers probe by IP: the host check and HTTPS redirect must not answer instead."""
    response = client.get("/healthz", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200


@pytest.mark.django_db
def test_unreachable_database_is_a_503_naming_it(client, monkeypatch):
    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "ensure_connection", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "database": "unavailable",
        "cache": "ok",
        "tasks": None,
        "failing": ["database"],
    }


@pytest.mark.django_db
def test_unreachable_cache_is_a_503_naming_it(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr(cache, "set", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]
    assert response.json()["database"] == "ok"


def test_health_is_only_the_exact_path():
    assert "/healthz" in health.PATHS
    assert "/healthz/anything" not in health.PATHS


@pytest.mark.django_db
def test_a_head_probe_gets_the_status_without_a_body(client):
    response = client.head("/healthz")
    assert response.status_code == 200
    assert int(response["Content-Length"]) > 0


@pytest.mark.django_db
def test_health_answers_only_reads(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
