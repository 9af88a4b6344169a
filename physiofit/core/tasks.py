"""Queueing background tasks so that none is lost, and recovering tasks a dead worker left.

With the database task backend (every real deployment) a task is a row in the same database as
the booking that causes it. Writing that row inside the booking's transaction makes the two one
fact: the task exists if and only if the booking committed. Queued after the commit instead, a
connection lost between the two (seen in bench/db_outage.py) left an appointment with no
confirmation, no staff email and no reminder. The task still *runs* after the commit: the worker
cannot see the row before it."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend

# No task of ours runs this long (an email gives up after 20 s): one still marked running after
# it was left by a worker that died (a lost database connection ends the worker process).
ABANDONED_AFTER = timedelta(minutes=10)
# A task whose connection was cut mid-run ends FAILED with one of these; it is run again, up to
# MAX_ATTEMPTS times in all (every run adds its worker's id to the row).
CONNECTION_ERRORS = ("django.db.utils.OperationalError", "django.db.utils.InterfaceError")
MAX_ATTEMPTS = 5


def enqueue_with_transaction(task, *args) -> None:
    """Queue `task(*args)` as part of the current transaction: in it with the database backend,
    after its commit with any other (the immediate backend of the tests would otherwise run the
    task before the commit, and send an email for a booking that may still roll back)."""
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))


def requeue_abandoned_tasks(*, dead_worker: str = "", now: datetime | None = None) -> int:
    """Put back in the queue the tasks a worker could not finish: those left marked running by
    `dead_worker` (a supervisor restarting the worker with that id knows it is gone) or for
    longer than ABANDONED_AFTER, and those that failed because the database connection was lost
    (up to MAX_ATTEMPTS runs, within a day). Returns how many. Our tasks are safe to run again:
    each is one transaction, an email already sent is not sent twice, a reminder is claimed once."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    again = set(running.filter(started_at__lt=now - ABANDONED_AFTER).values_list("pk", flat=True))
    if dead_worker:
        # Few rows are ever running: compared here, as SQLite cannot search inside JSON lists.
        again |= {
            pk
            for pk, workers in running.values_list("pk", "worker_ids")
            if workers and workers[-1] == dead_worker
        }
    cut_off = DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED,
        exception_class_path__in=CONNECTION_ERRORS,
        finished_at__gte=now - timedelta(days=1),
    )
    again |= {
        pk for pk, workers in cut_off.values_list("pk", "worker_ids") if len(workers) < MAX_ATTEMPTS
    }
    return DBTaskResult.objects.filter(
        pk__in=again, status__in=[TaskResultStatus.RUNNING, TaskResultStatus.FAILED]
    ).update(
        status=TaskResultStatus.READY,
        started_at=None,
        finished_at=None,
        exception_class_path="",
        traceback="",
    )
