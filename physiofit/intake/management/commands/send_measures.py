"""Send the scheduled outcome measures that are due today. Safe to run from cron daily or
more often: each schedule is claimed under a lock and moves its next due day forward."""

from django.core.management.base import BaseCommand

from physiofit.core.models import clinic_today
from physiofit.intake.schedules import schedules_send_due


class Command(BaseCommand):
    help = "Send scheduled outcome measures that are due."

    def handle(self, *args, **options):
        count = schedules_send_due(today=clinic_today())
        self.stdout.write(f"{count} measure(s) sent.")
