"""Tasks queued with the transaction that causes them, and tasks a dead worker left behind."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from physiofit.core.tasks import (
    ABANDONED_AFTER,
    MAX_ATTEMPTS,
    enqueue_with_transaction,
    requeue_abandoned_tasks,
)
from tests.factories import task_row

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
ran = []


@task()
def record(value: int) -> None:
    ran.append(value)


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_with_the_database_backend_a_task_commits_or_rolls_back_with_its_transaction():
    def failing_booking():
        with transaction.atomic():
            enqueue_with_transaction(record, 1)
            raise RuntimeError("the booking failed")

    with pytest.raises(RuntimeError):
        failing_booking()
    assert not DBTaskResult.objects.exists()
    with transaction.atomic():
        enqueue_with_transaction(record, 2)
        # Written inside the transaction: no moment exists where the commit is done and the
        # task is still to be queued.
        assert DBTaskResult.objects.get().args_kwargs["args"] == [2]


def test_with_the_immediate_backend_a_task_runs_only_after_commit(
    db, django_capture_on_commit_callbacks
):
    ran.clear()
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_with_transaction(record, 3)
        assert ran == []
    assert ran == [3]


@pytest.mark.django_db
def test_tasks_left_running_by_a_dead_worker_are_queued_again():
    now = timezone.now()

    def running(started_ago, worker):
        return task_row(status="RUNNING", started_at=now - started_ago, worker_ids=[worker])

    old = running(ABANDONED_AFTER + timedelta(minutes=1), "worker-a")
    dead = running(timedelta(seconds=5), "worker-b")
    busy = running(timedelta(seconds=30), "worker-c")
    assert requeue_abandoned_tasks(now=now) == 1
    assert requeue_abandoned_tasks(dead_worker="worker-b", now=now) == 1
    for row in (old, dead, busy):
        row.refresh_from_db()
    assert (old.status, dead.status, busy.status) == ("READY", "READY", "RUNNING")
    assert old.started_at is None


@pytest.mark.django_db
def test_tasks_cut_off_by_a_lost_connection_are_run_again_a_few_times():
    now = timezone.now()

    def failed(error, runs, finished_ago=timedelta(minutes=1)):
        return task_row(
            status="FAILED",
            task_path="physiofit.booking.tasks.notify_appointment",
            finished_at=now - finished_ago,
            worker_ids=[f"w{i}" for i in range(runs)],
            exception_class_path=error,
        )

    cut = failed("django.db.utils.OperationalError", runs=1)
    exhausted = failed("django.db.utils.OperationalError", runs=MAX_ATTEMPTS)
    stale = failed("django.db.utils.InterfaceError", runs=1, finished_ago=timedelta(days=2))
    broken = failed("builtins.KeyError", runs=1)
    assert requeue_abandoned_tasks(now=now) == 1
    for row in (cut, exhausted, stale, broken):
        row.refresh_from_db()
    assert cut.status == "READY"
    assert cut.exception_class_path == ""
    assert (exhausted.status, stale.status, broken.status) == ("FAILED",) * 3
