from django.core.management.base import BaseCommand
from django.utils import timezone

from physiofit.exercises.reminders import reminders_due_send


class Command(BaseCommand):
    help = "Email exercise reminders due now (run every 10 minutes by cron; make run does it)."

    def handle(self, *args, **options):
        sent = reminders_due_send(now=timezone.now())
        self.stdout.write(f"{sent} exercise reminder(s) queued")
