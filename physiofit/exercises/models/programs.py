"""A patient's home-exercise program: versions that are never changed once written (the record of
what the patient was told to do when), session logs, pain flags, and the emails about them.

All of it is health data: staff need `exercises.manage_program`, and every staff read or change
is audit-logged."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from physiofit.booking.models import Patient
from physiofit.core.text import validate_single_line

from .library import Dosage, Exercise, ProgramTemplate

PAIN_SCALE = [MinValueValidator(0), MaxValueValidator(10)]


class Program(models.Model):
    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="exercise_programs")
    title = models.CharField(max_length=120, validators=[validate_single_line])
    template = models.ForeignKey(
        ProgramTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # The patient's choice: a reminder at this hour (clinic time) on program days not yet
    # logged; None switches reminders off.
    reminder_hour = models.PositiveSmallIntegerField(
        null=True, blank=True, default=18, validators=[MaxValueValidator(23)]
    )
    reminded_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("manage_program", "Can prescribe home-exercise programs and see their logs"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status="active"),
                name="one_active_program_per_patient",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def current(self) -> "ProgramVersion | None":
        return self.versions.order_by("-number").first()


class ProgramVersion(models.Model):
    """One prescription of the whole program, as written at `created_at`. Never edited: a
    change writes the next version."""

    wagtail_reference_index_ignore = True

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    change_note = models.CharField(max_length=200, blank=True, validators=[validate_single_line])

    class Meta:
        ordering = ["program", "number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="one_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.program} v{self.number}"


class ProgramPhase(models.Model):
    wagtail_reference_index_ignore = True

    version = models.ForeignKey(ProgramVersion, on_delete=models.CASCADE, related_name="phases")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120, validators=[validate_single_line])
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__lte=models.F("ends_on")), name="phase_starts_before_end"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Prescription(Dosage):
    """One exercise in one version of a program, with its dosage and dates."""

    wagtail_reference_index_ignore = True

    version = models.ForeignKey(
        ProgramVersion, on_delete=models.CASCADE, related_name="prescriptions"
    )
    phase = models.ForeignKey(ProgramPhase, on_delete=models.CASCADE, related_name="prescriptions")
    position = models.PositiveSmallIntegerField()
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(
        max_length=300, blank=True, validators=[validate_single_line], help_text="To the patient"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__lte=models.F("ends_on")),
                name="prescription_starts_before_end",
            )
        ]

    def __str__(self) -> str:
        return f"{self.exercise} ({self.dosage_text})"

    def active_on(self, day) -> bool:
        return self.starts_on <= day <= self.ends_on


class SessionLog(models.Model):
    """One time the patient did one exercise, as they reported it."""

    wagtail_reference_index_ignore = True

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="logs")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    prescription = models.ForeignKey(
        Prescription, null=True, on_delete=models.SET_NULL, related_name="logs"
    )
    performed_on = models.DateField(help_text="The clinic's day the session was done.")
    logged_at = models.DateTimeField(auto_now_add=True)
    sets_done = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(20)]
    )
    pain_during = models.PositiveSmallIntegerField(validators=PAIN_SCALE)
    effort = models.PositiveSmallIntegerField(null=True, blank=True, validators=PAIN_SCALE)
    # The patient's answer, at this session, about the one before: had its pain settled by the
    # next morning? (None: not asked, as the last session was pain-free or there was none.)
    settled_by_morning = models.BooleanField(null=True, blank=True)
    comment = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-performed_on", "-logged_at"]
        indexes = [models.Index(fields=["program", "performed_on"], name="log_program_day")]

    def __str__(self) -> str:
        return f"{self.exercise} on {self.performed_on}"


class PainFlag(models.Model):
    """An exercise the patient was asked to stop, for the therapist to look at."""

    wagtail_reference_index_ignore = True

    class Reason(models.TextChoices):
        TOO_MUCH = "too_much", "Pain above the acceptable level"
        RISING = "rising", "Pain rising two sessions in a row"
        NOT_SETTLED = "not_settled", "Pain not settled by the next morning"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="flags")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    log = models.ForeignKey(SessionLog, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    detail = models.CharField(max_length=200)
    raised_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=300, blank=True, validators=[validate_single_line])

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "exercise"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_flag_per_exercise",
            )
        ]

    def __str__(self) -> str:
        return f"{self.exercise}: {self.get_reason_display()}"


class ProgramEmail(models.Model):
    """An email about a program (assigned, changed, reminder), with its delivery status."""

    wagtail_reference_index_ignore = True

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", "Program assigned"
        CHANGED = "changed", "Program changed"
        REMINDER = "reminder", "Exercise reminder"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    email_status = models.CharField(max_length=10, default="queued")
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.get_kind_display()
