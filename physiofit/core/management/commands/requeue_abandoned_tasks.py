"""`manage.py requeue_abandoned_tasks`: put back in the queue the tasks a dead worker left marked
running. Run before each worker start (scripts/serve.sh does) and from cron (docs/operations.md)."""

from django.core.management.base import BaseCommand

from physiofit.core.tasks import ABANDONED_AFTER, requeue_abandoned_tasks


class Command(BaseCommand):
    help = (
        f"Queue again the tasks marked running for more than {ABANDONED_AFTER} "
        "(left by a worker that stopped)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--worker-id",
            default="",
            help="A worker that has stopped (the --worker-id it ran db_worker with): its "
            "running tasks are queued again whatever their age.",
        )

    def handle(self, *args, worker_id: str, **options):
        count = requeue_abandoned_tasks(dead_worker=worker_id)
        if count:
            self.stdout.write(f"Queued {count} abandoned task(s) again.")
