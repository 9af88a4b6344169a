"""Exercise reminders: on a program day the patient has not logged by the hour they chose.

Sent at most once a day per program, whichever process finds it first: the claim is one
conditional update of `reminded_on`, so two workers or a cron beside a worker send it once."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from physiofit.core.models import clinic_zone
from physiofit.core.tasks import enqueue_with_transaction

from . import monitoring, selectors
from .models import Program, ProgramEmail


def is_program_day(program: Program, today) -> bool:
    """An exercise is prescribed today, not paused by a pain flag, whose week's plan is not
    yet met; and nothing at all is logged today."""
    version = selectors.current_version(program)
    if version is None or program.logs.filter(performed_on=today).exists():
        return False
    week_start = selectors.week_start(program, today)
    for item in selectors.today_plan(program, version, today):
        p = item.prescription
        period = monitoring.Period(
            p.exercise_id, p.starts_on, p.ends_on, p.times_per_day, p.days_per_week
        )
        if item.flag is None and monitoring.sessions_still_due_this_week(
            period=period, logs_this_week=item.done_this_week, week_start=week_start, today=today
        ):
            return True
    return False


def reminders_due_send(*, now: datetime) -> int:
    """Email each patient whose reminder hour has come today and who has exercises still due.
    Returns how many were queued."""
    local = timezone.localtime(now, clinic_zone())
    today = local.date()
    due = (
        Program.objects.filter(status=Program.Status.ACTIVE, reminder_hour__lte=local.hour)
        .exclude(reminded_on=today)
        .select_related("patient")
    )
    sent = 0
    for program in due:
        if not is_program_day(program, today):
            continue
        with transaction.atomic():
            claimed = (
                Program.objects.filter(pk=program.pk)
                .exclude(reminded_on=today)
                .update(reminded_on=today)
            )
            if claimed:
                from .tasks import send_program_email

                row = ProgramEmail.objects.create(program=program, kind=ProgramEmail.Kind.REMINDER)
                enqueue_with_transaction(send_program_email, row.pk)
                sent += 1
    return sent
