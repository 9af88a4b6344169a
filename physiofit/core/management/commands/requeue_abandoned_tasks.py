"""`manage.py requeue_abandoned_tasks`: put back in the queue the tasks a worker could not finish
(left running by a worker that died, or failed on a lost database connection). Run before each
worker start and every ten minutes (scripts/serve.sh does both; cron in docs/operations.md)."""

from django.core.management.base import BaseCommand

from physiofit.core.tasks import ABANDONED_AFTER, requeue_abandoned_tasks


class Command(BaseCommand):
    help = (
        f"Queue again the tasks marked running for more than {ABANDONED_AFTER} (left by a "
        "worker that stopped) and those that failed on a lost database connection."
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
