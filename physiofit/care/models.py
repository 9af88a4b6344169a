"""The clinical record: episodes of care, their diagnoses, and the notes written in them.

A note is a draft until its author signs it; a signed note never changes again (the model
refuses the save), and what comes after is an addendum with its own signature. Every read and
write goes through `services` and `selectors` and is audit-logged by the views."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from physiofit.booking.models import Appointment, Patient
from physiofit.core.text import validate_single_line

from . import billing


@register_setting(icon="doc-full")
class CareSettings(BaseSiteSetting):
    """The clinic's rules for clinical notes."""

    billing_rule = models.CharField(
        "timed-code billing rule",
        max_length=20,
        choices=[
            (billing.CMS, "CMS 8-minute rule (Medicare, and payers who follow it)"),
            (billing.SUBSTANTIAL_PORTION, "Substantial portion: each code on its own"),
        ],
        default=billing.CMS,
        help_text="How the minutes of timed CPT codes become 15-minute units on a note.",
    )
    unsigned_after_hours = models.PositiveSmallIntegerField(
        "list unsigned notes after (hours)",
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text="Drafts older than this are listed on the therapist's dashboard.",
    )

    tax_id = models.CharField(
        "clinic tax ID (EIN)",
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^\d{2}-?\d{7}$", "A tax ID is nine digits: 12-3456789.")],
        help_text="Printed on superbills, which patients send to their insurer.",
    )
    clinic_npi = models.CharField(
        "clinic NPI (type 2)",
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^\d{10}$", "An NPI is ten digits.")],
        help_text="The organisation's National Provider Identifier, when it has one.",
    )

    class Meta:
        verbose_name = "Clinical notes"


DISCHARGE_REASONS = [
    ("goals_met", "Goals met"),
    ("plateau", "Progress has plateaued"),
    ("patient", "At the patient's request"),
    ("referred", "Referred on to another provider"),
    ("no_show", "Stopped attending"),
    ("other", "Other (see the summary)"),
]

# Measures a goal can be set on: their codes in intake.scoring (which knows their direction
# and minimal important change) and how a target on each reads.
GOAL_MEASURES = [
    ("odi", "Oswestry Disability Index (%)"),
    ("nprs", "Pain rating (0–10)"),
    ("psfs", "Patient-Specific Functional Scale (mean, 0–10)"),
    ("rmdq", "Roland-Morris Disability Questionnaire (0–24)"),
]
MEASURE_RANGES = {"odi": (0, 100), "nprs": (0, 10), "psfs": (0, 10), "rmdq": (0, 24)}


class Episode(models.Model):
    """One course of care for one problem, from the initial evaluation to discharge."""

    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    title = models.CharField(
        max_length=120, validators=[validate_single_line], help_text="e.g. Low back pain"
    )
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    discharge_reason = models.CharField(max_length=12, choices=DISCHARGE_REASONS, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opened_on", "-pk"]
        permissions = [
            ("write_note", "Can write and sign clinical notes"),
            ("cosign_note", "Can evaluate, discharge and co-sign assistants' notes (a PT)"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (from {self.opened_on:%b %-d, %Y})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class PlanOfCare(models.Model):
    """How the episode's care is planned: how often, for how long, doing what, and the period
    a physician certifies. Goals hang off the episode (Goal)."""

    wagtail_reference_index_ignore = True

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="plan")
    visits_per_week = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    weeks = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    planned_codes = models.JSONField(
        default=list, blank=True, help_text="CPT codes of the planned interventions."
    )
    interventions = models.TextField(
        "planned interventions", max_length=3000, blank=True, help_text="In words."
    )
    starts_on = models.DateField()
    certified_through = models.DateField(
        help_text="Last day of the certification period (Medicare: at most 90 days)."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return self.frequency

    @property
    def frequency(self) -> str:
        times = {1: "once", 2: "twice"}.get(self.visits_per_week, f"{self.visits_per_week}×")
        return f"{times} a week for {self.weeks} week{'s' if self.weeks != 1 else ''}"

    @property
    def planned_visits(self) -> int:
        return self.visits_per_week * self.weeks


class Goal(models.Model):
    """A measurable goal: a measure, the score to reach and the day to reach it by."""

    wagtail_reference_index_ignore = True

    class Term(models.TextChoices):
        SHORT = "short", "Short-term"
        LONG = "long", "Long-term"

    class Outcome(models.TextChoices):
        PENDING = "", "Not yet assessed"
        MET = "met", "Met"
        PARTLY = "partly", "Partly met"
        NOT_MET = "not_met", "Not met"

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="goals")
    term = models.CharField(max_length=5, choices=Term.choices)
    text = models.CharField(
        "goal",
        max_length=300,
        validators=[validate_single_line],
        help_text="In the patient's terms, e.g. Sit through a workday without pain stopping her.",
    )
    measure = models.CharField(max_length=8, choices=GOAL_MEASURES)
    target = models.DecimalField(max_digits=5, decimal_places=1)
    due_on = models.DateField("by")
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True, default="")
    assessed_on = models.DateField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["episode", "term", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.text}: {self.get_measure_display()} {self.target} by {self.due_on}"

    def clean(self):
        low, high = MEASURE_RANGES.get(self.measure, (0, 100))
        if self.target is not None and not low <= self.target <= high:
            raise ValidationError({"target": f"A {self.measure.upper()} target is {low}–{high}."})


class Diagnosis(models.Model):
    """An ICD-10-CM code on the episode, with its description as the code set gave it then."""

    wagtail_reference_index_ignore = True

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="diagnoses")
    code = models.CharField(max_length=8)
    description = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["episode", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "code"], name="one_code_per_episode")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class SignedNoteError(ValidationError):
    """A signed note was about to change: only addenda may follow a signature."""


class Note(models.Model):
    """One clinical document in SOAP form: an evaluation, a daily note, a progress note or a
    discharge summary."""

    wagtail_reference_index_ignore = True

    class Kind(models.TextChoices):
        EVALUATION = "evaluation", "Initial evaluation"
        DAILY = "daily", "Daily note"
        PROGRESS = "progress", "Progress note"
        DISCHARGE = "discharge", "Discharge summary"

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="notes")
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="notes"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    visit_on = models.DateField(help_text="The clinic's day of the visit the note is about.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_notes"
    )
    subjective = models.TextField(blank=True, max_length=10000)
    objective = models.TextField(blank=True, max_length=10000)
    assessment = models.TextField(blank=True, max_length=10000)
    plan = models.TextField(blank=True, max_length=10000)
    # Numeric objective findings (objective.FINDINGS): range of motion, strength, straight-leg
    # raise, neuro screen; the free text above holds the rest.
    findings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set once, by signing: who, as what, when. After that the note is locked.
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signer_name = models.CharField(max_length=200, blank=True)
    # The billing rule the units were worked out by, kept with the signature.
    billing_rule = models.CharField(max_length=20, blank=True)
    # A discharge summary's reason: kept on the note (locked with its signature) and copied to
    # the episode when it is signed.
    discharge_reason = models.CharField(max_length=12, choices=DISCHARGE_REASONS, blank=True)
    # A note by an assistant (no `care.cosign_note`) counts once a supervising PT co-signs it.
    needs_cosign = models.BooleanField(default=False)
    cosigned_at = models.DateTimeField(null=True, blank=True)
    cosigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cosigner_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-visit_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind"],
                condition=Q(appointment__isnull=False),
                name="one_note_of_a_kind_per_visit",
            )
        ]
        indexes = [
            models.Index(fields=["author", "signed_at"], name="note_author_signed"),
            models.Index(fields=["episode", "visit_on"], name="note_episode_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.visit_on:%b %-d, %Y}"

    def save(self, *args, **kwargs):
        signing = kwargs.pop("signing", False)
        if self.pk is not None and not signing:
            locked = Note.objects.filter(pk=self.pk, signed_at__isnull=False).exists()
            if locked:
                raise SignedNoteError("This note is signed: add an addendum instead.")
        super().save(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def is_complete(self) -> bool:
        """Signed, and co-signed where an assistant wrote it."""
        return self.is_signed and (not self.needs_cosign or self.cosigned_at is not None)

    @property
    def patient(self) -> Patient:
        """The note's patient (through its episode): what the audit log names it by."""
        return self.episode.patient


class PartOfNote(models.Model):
    """A row that belongs to a note's text (its interventions, its goal judgements): locked
    with the note's signature, like the note itself."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        signing = kwargs.pop("signing", False)
        if not signing and Note.objects.filter(pk=self.note_id, signed_at__isnull=False).exists():
            raise SignedNoteError("This note is signed: add an addendum instead.")
        super().save(*args, **kwargs)


class Intervention(PartOfNote):
    """What was done in the visit, with its CPT code and minutes; units are worked out from all
    of the note's timed minutes together (billing.timed_units) and kept when it is signed."""

    wagtail_reference_index_ignore = True

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="interventions")
    code = models.CharField(max_length=5)
    minutes = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(240)], help_text="0 for an untimed code."
    )
    units = models.PositiveSmallIntegerField(default=0)
    detail = models.CharField(max_length=300, blank=True, validators=[validate_single_line])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["note", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.code} · {self.minutes} min · {self.units} unit(s)"


class GoalAssessment(PartOfNote):
    """How far a goal was met, as a progress note or discharge summary judged it: part of the
    note (locked with its signature); signing copies it to the goal."""

    wagtail_reference_index_ignore = True

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="goal_assessments")
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="assessments")
    outcome = models.CharField(max_length=8, choices=Goal.Outcome.choices[1:])
    # The goal as it read when assessed: a signed note keeps saying what it judged.
    goal_text = models.CharField(max_length=300)

    class Meta:
        ordering = ["note", "goal__term", "goal__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["note", "goal"], name="one_assessment_per_goal")
        ]

    def __str__(self) -> str:
        return f"{self.goal_text}: {self.get_outcome_display()}"


class Fee(models.Model):
    """The clinic's fee for one unit of a CPT code: what a superbill charges."""

    code = models.CharField("CPT code", max_length=5, unique=True, choices=billing.CODE_CHOICES)
    amount = models.DecimalField(
        "fee per unit (USD)",
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(99999)],
    )

    class Meta:
        ordering = ["code"]
        verbose_name = "fee"

    def __str__(self) -> str:
        return f"{self.code}: ${self.amount}"


class Addendum(models.Model):
    """Text added to a signed note, signed by its own author when written."""

    wagtail_reference_index_ignore = True

    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField(max_length=5000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["note", "signed_at", "pk"]

    def __str__(self) -> str:
        return f"Addendum {self.signed_at:%b %-d, %Y %H:%M}"
