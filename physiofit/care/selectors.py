"""Reads of the clinical record."""

from datetime import datetime, timedelta

from django.utils import timezone

from physiofit.booking.models import Appointment, Patient

from .models import Episode, Note


def episodes(patient: Patient) -> list[Episode]:
    return list(
        Episode.objects.filter(patient=patient)
        .prefetch_related("diagnoses")
        .order_by("-opened_on", "-pk")
    )


def episode_notes(episode: Episode) -> list[Note]:
    return list(
        episode.notes.select_related("author", "appointment")
        .prefetch_related("interventions", "addenda")
        .order_by("-visit_on", "-pk")
    )


def upcoming_visits(patient: Patient, *, limit: int = 20) -> list[Appointment]:
    return list(
        patient.appointments.filter(status=Appointment.Status.BOOKED, start__gte=timezone.now())
        .select_related("service", "practitioner")
        .order_by("start")[:limit]
    )


def awaiting_cosign(*, limit: int = 50) -> list[Note]:
    """Assistants' signed notes no supervising PT has co-signed yet, oldest first."""
    return list(
        Note.objects.filter(needs_cosign=True, cosigned_at__isnull=True, signed_at__isnull=False)
        .select_related("episode__patient", "author")
        .order_by("signed_at")[:limit]
    )


def note_detail(pk: int) -> Note | None:
    return (
        Note.objects.select_related(
            "episode__patient", "author", "signed_by", "cosigned_by", "appointment"
        )
        .prefetch_related("interventions", "addenda", "episode__diagnoses")
        .filter(pk=pk)
        .first()
    )


def visit_notes(appointment: Appointment) -> list[Note]:
    return list(appointment.notes.select_related("author").order_by("pk"))


def unsigned_notes(*, author, now: datetime, older_than_hours: int) -> list[Note]:
    """The author's drafts older than the clinic's limit, oldest first."""
    return list(
        Note.objects.filter(
            author=author,
            signed_at__isnull=True,
            created_at__lt=now - timedelta(hours=older_than_hours),
        )
        .select_related("episode__patient")
        .order_by("created_at")
    )
