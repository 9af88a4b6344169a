"""Screening results, questionnaires (the intake and outcome measures), measure schedules,
imported licensed wording, and one-time portal sign-in links.

Everything here except InstrumentWording is health data (see docs/patient-data.md): staff need
the `intake.view_clinical_record` permission, and every staff read is audit-logged.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from physiofit.booking.models import Appointment, Patient, Service, WaitlistEntry

from . import instruments

TIER_CHOICES = [
    ("emergency", "Emergency: told to seek care now"),
    ("same_day", "Same-day medical review"),
    ("flag", "Clinician flag"),
    ("clear", "Clear"),
]


def instrument_choices():
    return [(code, i.name) for code, i in instruments.definitions().items()]


class Screening(models.Model):
    """One answered red-flag screening. An emergency result books nothing and names no one."""

    wagtail_reference_index_ignore = True

    class Review(models.TextChoices):
        NOT_NEEDED = "not_needed", "Not needed"
        PENDING = "pending", "Pending clinician review"
        REVIEWED = "reviewed", "Reviewed"

    service = models.ForeignKey(Service, null=True, on_delete=models.SET_NULL, related_name="+")
    appointment = models.OneToOneField(
        Appointment, null=True, blank=True, on_delete=models.CASCADE, related_name="screening"
    )
    # Answered before joining the waiting list: kept with the wish, and claimed by the visit
    # booked from it (by the patient taking an offer, or by the front desk).
    waitlist_entry = models.ForeignKey(
        WaitlistEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    tier = models.CharField(max_length=10, choices=TIER_CHOICES)
    reasons = models.JSONField(default=list, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    channel = models.CharField(max_length=10, default="web")
    review = models.CharField(max_length=12, choices=Review.choices, default=Review.NOT_NEEDED)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tier", "created_at"], name="screening_tier_created")]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} · {self.created_at:%Y-%m-%d %H:%M}"


class InstrumentWording(models.Model):
    """A clinic's licensed wording for a copyrighted instrument, imported from its own file."""

    instrument = models.CharField(max_length=20, unique=True, choices=instrument_choices)
    wording = models.JSONField()
    source = models.CharField(max_length=200, blank=True, help_text="The file it came from.")
    imported_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Wording for {self.instrument}"


class Questionnaire(models.Model):
    """One instrument given to one patient: sent, saved as a draft, then submitted once."""

    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        DRAFT = "draft", "Started"
        SUBMITTED = "submitted", "Submitted"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Email(models.TextChoices):
        NONE = "none", "Not emailed"
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="questionnaires")
    appointment = models.ForeignKey(
        Appointment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questionnaires",
    )
    instrument = models.CharField(max_length=20, choices=instrument_choices)
    label = models.CharField(max_length=80, blank=True, help_text="e.g. At intake, Visit 4")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    answers = models.JSONField(default=dict, blank=True)
    score = models.JSONField(default=dict, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email_status = models.CharField(max_length=10, choices=Email.choices, default=Email.NONE)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["patient", "instrument", "submitted_at"], name="quest_patient_instr"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(instrument="intake"),
                name="one_intake_per_appointment",
            ),
            models.CheckConstraint(
                condition=Q(status="submitted", submitted_at__isnull=False)
                | ~Q(status="submitted"),
                name="submitted_has_time",
            ),
        ]
        permissions = [
            (
                "view_clinical_record",
                "Can see screening results, intake answers and outcome measures",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} · {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.SENT, self.Status.DRAFT)


class MeasureSchedule(models.Model):
    """Send an instrument to a patient again every so many days, or after every so many
    completed visits, until a last day."""

    wagtail_reference_index_ignore = True

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="measure_schedules")
    instrument = models.CharField(max_length=20, choices=instrument_choices)
    every_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(7), MaxValueValidator(180)]
    )
    every_visits = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    next_due = models.DateField(null=True, blank=True)
    last_day = models.DateField()
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["next_due"]
        constraints = [
            models.CheckConstraint(
                condition=Q(every_days__gte=7, next_due__isnull=False, every_visits__isnull=True)
                | Q(every_visits__gte=1, every_days__isnull=True),
                name="schedule_by_days_or_visits",
            ),
        ]

    def __str__(self) -> str:
        if self.every_visits:
            return f"{self.instrument} after every {self.every_visits} visits"
        return f"{self.instrument} every {self.every_days} days"


class PortalLink(models.Model):
    """A one-time sign-in link to the patient portal. Only a hash of the token is stored."""

    wagtail_reference_index_ignore = True

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="portal_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Set to end the link, and every portal session opened with it, before its time (sign-out,
    # a changed email address). Sessions check it on each request.
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Portal link · expires {self.expires_at:%Y-%m-%d %H:%M}"


class PortalEmailChange(models.Model):
    """Staff changed a patient's email address: the notice to the old address (sent with a
    status, retried) and, when the change was made by someone who may not read the clinical
    record, the clinician's approval the portal waits for before it sends a sign-in link."""

    wagtail_reference_index_ignore = True

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="portal_email_changes"
    )
    # Kept only to tell the previous owner of the record's address.
    old_email = models.EmailField(max_length=254)
    # What the address became, so the approving clinician sees what they vouch for.
    new_email = models.EmailField(max_length=254, blank=True)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # No sign-in link goes out while a change needs approval and has none (see
    # portal.portal_email_changed).
    needs_approval = models.BooleanField(default=False)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email_status = models.CharField(max_length=10, default="queued")
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"Email address changed {self.changed_at:%Y-%m-%d %H:%M}"

    @property
    def is_pending(self) -> bool:
        return self.needs_approval and self.approved_at is None
