"""Outcome measures sent again over an episode of care: every so many days (deferred worker
tasks, with the `send_measures` command as the cron safety net) or after every so many
completed visits (on booking's `visit_completed` signal)."""

from datetime import date, datetime, time, timedelta

from django.db import transaction

from physiofit.booking.models import Appointment, Patient
from physiofit.core.models import clinic_zone

from .models import MeasureSchedule
from .services import IntakeError, questionnaire_send


def schedule_create(
    *,
    patient: Patient,
    instrument: str,
    last_day: date,
    created_by,
    today: date,
    every_days: int | None = None,
    every_visits: int | None = None,
) -> MeasureSchedule:
    """Send the measure now, then every `every_days` days or after every `every_visits`
    completed visits, until `last_day`. Exactly one of the two is given."""
    if (every_days is None) == (every_visits is None):
        raise ValueError("give every_days or every_visits, not both")
    with transaction.atomic():
        questionnaire_send(
            patient=patient, instrument=instrument, label="Scheduled", sent_by=created_by
        )
        schedule = MeasureSchedule(
            patient=patient,
            instrument=instrument,
            every_days=every_days,
            every_visits=every_visits,
            next_due=today + timedelta(days=every_days) if every_days else None,
            last_day=last_day,
            created_by=created_by,
        )
        schedule.full_clean()
        schedule.save()
        if schedule.next_due:
            transaction.on_commit(lambda: _wake_on(schedule.next_due))
    return schedule


def measures_after_visit(*, appointment: Appointment, today: date) -> int:
    """When a visit is completed, send the measures scheduled "after every N visits" whose
    turn it is (the patient's Nth, 2Nth... completed visit). Runs in the status change's
    transaction."""
    schedules = list(
        MeasureSchedule.objects.filter(
            patient_id=appointment.patient_id,
            active=True,
            every_visits__isnull=False,
            last_day__gte=today,
        )
    )
    if not schedules:
        return 0
    visits = Appointment.objects.filter(
        patient_id=appointment.patient_id, status=Appointment.Status.COMPLETED
    ).count()
    sent = 0
    for schedule in schedules:
        if visits % schedule.every_visits == 0:
            try:
                questionnaire_send(
                    patient=appointment.patient,
                    instrument=schedule.instrument,
                    label=f"Visit {visits}",
                    appointment=appointment,
                )
                sent += 1
            except IntakeError:
                MeasureSchedule.objects.filter(pk=schedule.pk).update(active=False)
    return sent


def _wake_on(day: date) -> None:
    """Have the worker send measures due on `day` (8:00 clinic time); the `send_measures`
    command does the same from cron where the task backend cannot defer."""
    from django_tasks import default_task_backend

    from .tasks import send_due_measures

    if default_task_backend.supports_defer:
        at = datetime.combine(day, time(8), tzinfo=clinic_zone())
        send_due_measures.using(run_after=at).enqueue()


def schedules_send_due(*, today: date) -> int:
    """Send every scheduled measure that is due; each schedule is claimed under a row lock,
    so two runs on the same day send once."""
    sent = 0
    due = MeasureSchedule.objects.filter(
        active=True, every_days__isnull=False, next_due__lte=today
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            schedule = (
                MeasureSchedule.objects.select_for_update()
                .select_related("patient")
                .filter(pk=pk, active=True, next_due__lte=today)
                .first()
            )
            if schedule is None:
                continue
            if schedule.next_due > schedule.last_day:
                schedule.active = False
                schedule.save(update_fields=["active"])
                continue
            try:
                questionnaire_send(
                    patient=schedule.patient, instrument=schedule.instrument, label="Scheduled"
                )
                sent += 1
            except IntakeError:
                schedule.active = False  # its wording was removed: stop rather than fail daily
            schedule.next_due = today + timedelta(days=schedule.every_days)
            schedule.save(update_fields=["next_due", "active"])
            if schedule.active:
                transaction.on_commit(lambda day=schedule.next_due: _wake_on(day))
    return sent
