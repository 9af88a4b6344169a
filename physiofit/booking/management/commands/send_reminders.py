"""Queue reminder emails for every booked appointment inside the reminder lead time.

The worker already sends each reminder at the right moment (a deferred task queued at booking);
this command is the safety net for a worker that was down, and is safe to run from cron every
few minutes: each appointment start gets one reminder, however often it runs.
"""

from django.core.management.base import BaseCommand

from physiofit.booking.tasks import send_due_reminders


class Command(BaseCommand):
    help = "Queue due appointment reminders (each appointment start is reminded once)."

    def handle(self, *args, **options):
        count = send_due_reminders()
        self.stdout.write(f"{count} reminder(s) queued.")
