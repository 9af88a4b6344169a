"""Background work for booking: notifications, reminders, waitlist offers."""

from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import default_task_backend, task
from wagtail.models import Site

from physiofit.core import sms
from physiofit.core.delivery import StatusFields, deliver
from physiofit.core.models import ClinicSettings
from physiofit.core.tasks import enqueue_with_transaction

from . import emails, selectors, texts
from .models import Appointment, Notification, WaitlistEntry

NOTIFICATION_FIELDS = StatusFields(
    status="status", attempts="attempts", error="error", sent_at="sent_at"
)


def _staff_recipient(appointment: Appointment) -> str:
    user = appointment.practitioner.user
    if user and user.email:
        return user.email
    return ClinicSettings.for_site(Site.objects.get(is_default_site=True)).email


@task()
def notify_appointment(appointment_id: int, kinds: list[str]) -> int:
    """Create one notification row per kind and queue its sending; schedule the reminder.

    Runs in the worker, so a booking request only queues this one task. All or nothing: a
    worker that dies half-way leaves no notification without its sending task."""
    with transaction.atomic():
        return _notify(appointment_id, kinds)


def _notify(appointment_id: int, kinds: list[str]) -> int:
    appointment = Appointment.objects.select_related("patient", "practitioner__user").get(
        pk=appointment_id
    )
    created = []
    for kind in kinds:
        recipient = (
            _staff_recipient(appointment)
            if kind.startswith("staff_")
            else appointment.patient.email
        )
        notification = Notification.objects.create(
            kind=kind, appointment=appointment, recipient=recipient
        )
        send_notification.enqueue(notification.pk)
        created.append(notification)
    if Notification.Kind.CONFIRMATION in kinds or Notification.Kind.RESCHEDULED in kinds:
        _schedule_reminder(appointment)
    return len(created)


def _schedule_reminder(appointment: Appointment) -> None:
    if appointment.reminder_sent_for == appointment.start:
        return  # booked inside the lead: the confirmation was the reminder (services.py)
    if not default_task_backend.supports_defer:
        return  # the `send_reminders` command (run by cron) sends it instead
    lead = selectors.booking_context().policy.reminder_lead
    send_reminder.using(run_after=max(timezone.now(), appointment.start - lead)).enqueue(
        appointment.pk, appointment.start.isoformat()
    )


@task()
def send_notification(notification_id: int) -> str:
    """Send one notification; failures are recorded and retried with back-off."""
    notification = Notification.objects.select_related(
        "appointment__patient",
        "appointment__service",
        "appointment__practitioner",
        "waitlist_entry__patient",
        "offered_practitioner",
    ).get(pk=notification_id)
    builder = texts.build if notification.channel == Notification.Channel.SMS else emails.build
    return deliver(
        notification,
        build=lambda: builder(notification),
        retry=send_notification,
        fields=NOTIFICATION_FIELDS,
    )


def _claim_reminder(appointment_id: int, start: datetime) -> bool:
    """Mark the reminder for this start as sent; True only for the one caller that wins."""
    return bool(
        Appointment.objects.filter(pk=appointment_id, start=start, status=Appointment.Status.BOOKED)
        .filter(Q(reminder_sent_for__isnull=True) | ~Q(reminder_sent_for=F("start")))
        .update(reminder_sent_for=F("start"))
    )


@task()
def send_reminder(appointment_id: int, start_iso: str) -> str:
    """The deferred reminder for one appointment at one start, by email and, when the patient
    agreed to texts, by text; a no-op if it moved or ended."""
    with transaction.atomic():
        if not _claim_reminder(appointment_id, datetime.fromisoformat(start_iso)):
            return "skipped"
        appointment = Appointment.objects.select_related("patient").get(pk=appointment_id)
        notification = Notification.objects.create(
            kind=Notification.Kind.REMINDER,
            appointment=appointment,
            recipient=appointment.patient.email,
        )
        enqueue_with_transaction(send_notification, notification.pk)
        if appointment.patient.sms_reminders and sms.enabled():
            # A row and a task of its own: a provider that fails leaves the email untouched.
            text = Notification.objects.create(
                kind=Notification.Kind.REMINDER,
                channel=Notification.Channel.SMS,
                appointment=appointment,
                recipient=appointment.patient.sms_number,
            )
            enqueue_with_transaction(send_notification, text.pk)
    return "queued"


def send_due_reminders(now: datetime | None = None) -> int:
    """Queue reminders for every booked appointment inside the lead time; each start once."""
    now = now or timezone.now()
    lead = selectors.booking_context().policy.reminder_lead
    due = Appointment.objects.filter(
        status=Appointment.Status.BOOKED, start__gt=now, start__lte=now + lead
    ).values_list("pk", "start")
    return sum(send_reminder.call(pk, start.isoformat()) == "queued" for pk, start in due)


@task()
def offer_freed_time(practitioner_id: int, start_iso: str, end_iso: str) -> int:
    """Email waitlisted patients, in order of joining, a slot inside a freed range; each
    entry offered one is marked offered (it stays open: a later freed time is offered too)."""
    from .models import Practitioner
    from .services import waitlist_expire

    freed_start, freed_end = datetime.fromisoformat(start_iso), datetime.fromisoformat(end_iso)
    practitioner = Practitioner.objects.get(pk=practitioner_id)
    context = selectors.booking_context()
    day = freed_start.astimezone(context.zone).date()
    now = timezone.now()
    waitlist_expire(today=now.astimezone(context.zone).date(), now=now)
    entries = (
        WaitlistEntry.objects.filter(
            status__in=WaitlistEntry.OPEN_STATUSES,
            first_day__lte=day,
            last_day__gte=day,
            service__practitioners=practitioner,
        )
        .filter(Q(practitioner__isnull=True) | Q(practitioner=practitioner))
        .select_related("service", "patient")
        .order_by("created_at", "pk")
    )
    offered = 0
    for entry in entries:
        slot = next(
            (
                s
                for s in selectors.slot_search(
                    service=entry.service,
                    practitioner=practitioner,
                    first_day=day,
                    last_day=day,
                    now=now,
                    context=context,
                )
                if freed_start <= s.start < freed_end
                and entry.suits(s.start.astimezone(context.zone))
            ),
            None,
        )
        if (
            slot is None
            or Notification.objects.filter(
                waitlist_entry=entry, offered_start=slot.start, offered_practitioner=practitioner
            ).exists()
        ):
            continue
        notification = Notification.objects.create(
            kind=Notification.Kind.WAITLIST_OFFER,
            waitlist_entry=entry,
            recipient=entry.patient.email,
            offered_start=slot.start,
            offered_practitioner=practitioner,
        )
        send_notification.enqueue(notification.pk)
        WaitlistEntry.objects.filter(pk=entry.pk, status__in=WaitlistEntry.OPEN_STATUSES).update(
            status=WaitlistEntry.Status.OFFERED, status_changed_at=now
        )
        offered += 1
    return offered
