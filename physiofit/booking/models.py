"""Booking: services, practitioners and their hours, patients and appointments.

Patient and Appointment rows are health data (see docs/patient-data.md): staff reach them only
with booking permissions, and every staff read or change is audit-logged.
"""

import secrets
from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Orderable

from physiofit.core.hours import WEEKDAYS
from physiofit.core.text import validate_single_line

ACTIVE_STATUSES = ("held", "booked", "completed", "no_show")


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class Service(models.Model):
    class Audience(models.TextChoices):
        NEW = "new", "New patients"
        RETURNING = "returning", "Returning patients"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(max_length=1000, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(120)]
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(120)]
    )
    price = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, help_text="Shown only; not charged."
    )
    price_note = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text="Shown with the price, or instead of it: e.g. what insurance covers.",
    )
    what_to_bring = models.TextField(
        max_length=1000,
        blank=True,
        help_text="Shown to patients before they book and on their appointment page.",
    )
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.NEW)
    bookable_online = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldPanel("duration_minutes"),
                FieldPanel("buffer_before_minutes"),
                FieldPanel("buffer_after_minutes"),
            ],
            heading="Time",
        ),
        MultiFieldPanel(
            [FieldPanel("price"), FieldPanel("price_note"), FieldPanel("what_to_bring")],
            heading="Shown before booking",
        ),
        FieldPanel("audience"),
        FieldPanel("bookable_online"),
        FieldPanel("sort_order"),
    ]

    class Meta:
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="service_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def buffer_before(self) -> timedelta:
        return timedelta(minutes=self.buffer_before_minutes)

    @property
    def buffer_after(self) -> timedelta:
        return timedelta(minutes=self.buffer_after_minutes)

    @property
    def price_text(self) -> str:
        """The price as patients read it ("$120", "$87.50"), with its note; "" when neither."""
        price = ""
        if self.price is not None:
            price = f"${self.price:,.2f}".removesuffix(".00")
        return " · ".join(part for part in (price, self.price_note) if part)


class Practitioner(ClusterableModel):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    credentials = models.CharField(max_length=120, blank=True, help_text="e.g. PT, DPT")
    npi = models.CharField(
        "NPI",
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^\d{10}$", "An NPI is ten digits.")],
        help_text="National Provider Identifier: printed on superbills.",
    )
    bio = models.TextField(max_length=2000, blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    services = ParentalManyToManyField(Service, related_name="practitioners", blank=True)
    user = models.OneToOneField(
        "auth.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="practitioner",
        help_text="The staff account of this practitioner: receives booking notifications.",
    )
    active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    calendar_token = models.CharField(
        max_length=64, unique=True, default=new_calendar_token, editable=False
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("credentials"),
        FieldPanel("npi"),
        FieldPanel("bio"),
        FieldPanel("photo"),
        FieldPanel("services", widget=forms.CheckboxSelectMultiple),
        FieldPanel("user"),
        FieldPanel("active"),
        FieldPanel("sort_order"),
        InlinePanel("working_hours", heading="Working hours", label="Working range"),
        InlinePanel("time_off", heading="Time off", label="Time off"),
    ]

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.credentials}" if self.credentials else self.name


class WorkingHours(Orderable):
    practitioner = ParentalKey(Practitioner, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=list(enumerate(WEEKDAYS)))
    starts = models.TimeField()
    ends = models.TimeField()

    panels = [FieldPanel("weekday"), FieldPanel("starts"), FieldPanel("ends")]

    class Meta(Orderable.Meta):
        verbose_name = "working range"
        constraints = [
            models.CheckConstraint(
                condition=Q(starts__lt=F("ends")), name="working_ends_after_start"
            ),
        ]

    def clean(self) -> None:
        if self.starts and self.ends and self.starts >= self.ends:
            raise ValidationError({"ends": "The range must end after it starts."})


class TimeOff(Orderable):
    """A day, a run of days, or part of a day when the practitioner is away (clinic time)."""

    practitioner = ParentalKey(Practitioner, on_delete=models.CASCADE, related_name="time_off")
    first_day = models.DateField()
    last_day = models.DateField()
    start_time = models.TimeField(
        null=True, blank=True, help_text="Empty: from the start of the first day."
    )
    end_time = models.TimeField(
        null=True, blank=True, help_text="Empty: to the end of the last day."
    )
    reason = models.CharField(max_length=120, blank=True)

    panels = [
        FieldPanel("first_day"),
        FieldPanel("start_time"),
        FieldPanel("last_day"),
        FieldPanel("end_time"),
        FieldPanel("reason"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "time off"
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=Q(first_day__lte=F("last_day")), name="time_off_day_order"
            ),
        ]

    def clean(self) -> None:
        if self.first_day and self.last_day and self.first_day > self.last_day:
            raise ValidationError({"last_day": "The last day cannot be before the first day."})
        if (
            self.first_day == self.last_day
            and self.start_time
            and self.end_time
            and self.start_time >= self.end_time
        ):
            raise ValidationError({"end_time": "Time off must end after it starts."})


@register_setting(icon="date")
class BookingPolicy(BaseSiteSetting):
    min_notice_minutes = models.PositiveIntegerField(
        default=120, help_text="How soon before a time it can still be booked online (minutes)."
    )
    horizon_days = models.PositiveSmallIntegerField(
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="How far ahead patients can book (days).",
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(120)],
        help_text="Offered start times are this many minutes apart.",
    )
    cancel_cutoff_hours = models.PositiveSmallIntegerField(
        default=24,
        help_text="Patients cannot cancel or reschedule online closer than this (hours).",
    )
    reminder_lead_hours = models.PositiveSmallIntegerField(
        default=24,
        help_text="The reminder email goes out this long before the appointment (hours).",
    )

    class Meta:
        verbose_name = "Booking policy"

    @property
    def min_notice(self) -> timedelta:
        return timedelta(minutes=self.min_notice_minutes)

    @property
    def horizon(self) -> timedelta:
        return timedelta(days=self.horizon_days)

    @property
    def slot_step(self) -> timedelta:
        return timedelta(minutes=self.slot_step_minutes)

    @property
    def cancel_cutoff(self) -> timedelta:
        return timedelta(hours=self.cancel_cutoff_hours)

    @property
    def reminder_lead(self) -> timedelta:
        return timedelta(hours=self.reminder_lead_hours)


def new_reference() -> str:
    """Eight characters a person can read over the phone: no 0/O, 1/I/L."""
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class SmsConsent(models.TextChoices):
    NOT_ASKED = "not_asked", "Not given"
    GIVEN = "given", "Given"
    WITHDRAWN = "withdrawn", "Withdrawn"


class SmsConsentHow(models.TextChoices):
    ONLINE = "online", "Online, by the patient"
    STAFF = "staff", "By staff"
    REPLY = "reply", "By text reply (STOP or START)"


class Patient(models.Model):
    """One person's chart. A public booking never joins an existing chart on a match of its
    details alone (anyone can know an email and a birthday): it makes a new record, flagged as
    a possible duplicate for staff to merge or keep apart (see merge.py)."""

    # Patient data and its mail are not content: keep them out of Wagtail's reference index.
    wagtail_reference_index_ignore = True

    # One line each: they go into email headers and onto staff screens (core/text.py).
    first_name = models.CharField(max_length=80, validators=[validate_single_line])
    last_name = models.CharField(max_length=80, validators=[validate_single_line])
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=25, validators=[validate_single_line])
    date_of_birth = models.DateField()
    # A chart number staff can read over the phone and the audit log can name the patient by.
    reference = models.CharField(max_length=12, unique=True, editable=False, default=new_reference)
    # Set when a public booking's details matched this older record: staff decide whether the
    # two are one person (merge) or not (keep apart, which clears it).
    possible_duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="possible_duplicates",
        editable=False,
    )
    # Text reminders (booking/texts.py): the patient's consent, for one number, with when and
    # how it was last given or withdrawn. Changed only through texts.py, which audits each change.
    sms_consent = models.CharField(
        "text reminders",
        max_length=10,
        choices=SmsConsent.choices,
        default=SmsConsent.NOT_ASKED,
        editable=False,
    )
    # E.164, set when consent is given: texts go here, and a STOP from it withdraws consent.
    sms_number = models.CharField(
        "number for texts", max_length=16, blank=True, db_index=True, editable=False
    )
    sms_consent_how = models.CharField(
        "consent given or withdrawn",
        max_length=10,
        choices=SmsConsentHow.choices,
        blank=True,
        editable=False,
    )
    sms_consent_at = models.DateTimeField(
        "consent given or withdrawn at", null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["email", "date_of_birth"], name="patient_email_dob")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(sms_consent="given") | ~Q(sms_number=""),
                name="patient_sms_consent_has_number",
            ),
        ]
        permissions = [
            ("view_patient_record", "Can see patients and their appointments"),
            ("merge_patient", "Can merge duplicate patient records"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def sms_reminders(self) -> bool:
        """Whether reminders may be texted to `sms_number` now."""
        return self.sms_consent == SmsConsent.GIVEN and bool(self.sms_number)


class Appointment(models.Model):
    # Patient data and its mail are not content: keep them out of Wagtail's reference index.
    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        HELD = "held", "Held"
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "No-show"

    class Source(models.TextChoices):
        ONLINE = "online", "Online"
        STAFF = "staff", "Staff"

    class CancelReason(models.TextChoices):
        PATIENT = "patient", "Patient cancelled"
        ILLNESS = "illness", "Patient unwell"
        CLINIC = "clinic", "Clinic cancelled (practitioner away, closure)"
        MISTAKE = "mistake", "Booked by mistake"
        OTHER = "other", "Other"

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="appointments"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField()
    end = models.DateTimeField()
    # The time the practitioner is taken: start minus the buffer before to end plus the buffer
    # after. Overlap is judged on these (the PostgreSQL exclusion constraint and the engine).
    blocked_start = models.DateTimeField()
    blocked_end = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    reference = models.CharField(max_length=12, unique=True, editable=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ONLINE)
    idempotency_key = models.CharField(
        max_length=80, unique=True, null=True, blank=True, editable=False
    )
    # SHA-256 of the request the key was first sent with: a key replays only that request, so
    # a reused key never hands one patient's booking to another (services._replay).
    idempotency_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    reminder_sent_for = models.DateTimeField(null=True, blank=True, editable=False)
    # Visits booked together as a series (services.appointment_series_book) share this key: the
    # first one's confirmation lists them all, so the patient gets one email, not twelve.
    series = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(
        "cancellation reason",
        max_length=12,
        choices=CancelReason.choices,
        blank=True,
        editable=False,
    )
    # Cancelled inside the cancellation cut-off (BookingPolicy): the clinic's late-cancellation
    # policy may apply. Recorded when it happens; the cut-off may change later.
    late_cancel = models.BooleanField("late cancellation", default=False, editable=False)
    # The patient checked in at the desk (the visit stays booked until completed).
    arrived_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When it was last marked completed or no-show: staff can undo that the same day.
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The patient's own words when booking online (optional): shown to staff on the visit page.
    reason_for_visit = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(
                fields=["practitioner", "blocked_start", "blocked_end"],
                name="appt_practitioner_range",
            ),
            models.Index(fields=["status", "start"], name="appt_status_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="appointment_start_before_end"
            ),
            models.CheckConstraint(
                condition=Q(blocked_start__lte=F("start"), blocked_end__gte=F("end")),
                name="appointment_blocked_covers_visit",
            ),
        ]

    def __str__(self) -> str:
        # In the active zone (the clinic's, for every request), never the database's UTC.
        return (
            f"{self.reference} · {self.service} · {timezone.localtime(self.start):%Y-%m-%d %H:%M}"
        )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class WaitlistEntry(models.Model):
    """A patient's wish for a time when none suited; offered freed times first come, first served.

    The status follows what happened: waiting; offered (a freed time was emailed, and more may
    follow); booked (online from an offer, or by staff from the list: `appointment`); expired
    (the last day passed before a booking, set by `services.waitlist_expire`); withdrawn."""

    # Patient data and its mail are not content: keep them out of Wagtail's reference index.
    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered"
        BOOKED = "booked", "Booked"
        EXPIRED = "expired", "Expired"
        WITHDRAWN = "withdrawn", "Withdrawn"

    # Still looking for a time: freed times are offered, staff can book or withdraw.
    OPEN_STATUSES = (Status.WAITING, Status.OFFERED)

    class TimeOfDay(models.TextChoices):
        MORNING = "morning", "Morning (before 12:00)"
        AFTERNOON = "afternoon", "Afternoon (12:00–17:00)"
        EVENING = "evening", "Evening (after 17:00)"

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="waitlist")
    practitioner = models.ForeignKey(
        Practitioner, null=True, blank=True, on_delete=models.CASCADE, related_name="waitlist"
    )
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="waitlist")
    first_day = models.DateField()
    last_day = models.DateField()
    mornings = models.BooleanField(default=True)
    afternoons = models.BooleanField(default=True)
    evenings = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    # The visit booked for this wish (online from an offer, or by staff from the waitlist).
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "waitlist entry"
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(first_day__lte=F("last_day")), name="waitlist_day_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.first_day} to {self.last_day}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def suits(self, local: datetime) -> bool:
        """Whether a start at this clinic-time moment is in the times of day wished for."""
        if local.hour < 12:
            return self.mornings
        if local.hour < 17:
            return self.afternoons
        return self.evenings

    def times_of_day(self) -> str:
        """'Mornings, afternoons' or 'Any time of day'."""
        wished = [self.mornings, self.afternoons, self.evenings]
        if all(wished):
            return "Any time of day"
        names = [
            name
            for name, on in zip(("mornings", "afternoons", "evenings"), wished, strict=True)
            if on
        ]
        return ", ".join(names).capitalize() or "No time of day"


class Notification(models.Model):
    """One outgoing email (or text) about an appointment or a waitlist offer, with its
    delivery status."""

    # Patient data and its mail are not content: keep them out of Wagtail's reference index.
    wagtail_reference_index_ignore = True

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Booking confirmation"
        RESCHEDULED = "rescheduled", "Rescheduled"
        CANCELLED = "cancelled", "Cancelled"
        REMINDER = "reminder", "Reminder"
        WAITLIST_OFFER = "waitlist_offer", "Waitlist offer"
        STAFF_NEW = "staff_new", "Staff: new booking"
        STAFF_CHANGED = "staff_changed", "Staff: booking changed"
        STAFF_CANCELLED = "staff_cancelled", "Staff: booking cancelled"
        STAFF_REVIEW = "staff_review", "Staff: clinician review needed"
        MANAGE_LINK = "manage_link", "New appointment link"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=5, choices=Channel.choices, default=Channel.EMAIL)
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    waitlist_entry = models.ForeignKey(
        WaitlistEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    # For a waitlist offer: the freed time offered.
    offered_start = models.DateTimeField(null=True, blank=True)
    offered_practitioner = models.ForeignKey(
        Practitioner, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # For a waitlist offer: the SHA-256 hash of the link's random token, set when the email is
    # built. The link names no row, and only the latest email's link works.
    offer_token_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    # An email address, or for a text the E.164 number it goes to.
    recipient = models.CharField(max_length=254)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "booking message"
        verbose_name_plural = "booking messages"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.status})"

    def get_kind_display(self) -> str:
        """The kind, with "(text)" for a text message: every list of a patient's messages
        (the appointment's history, the chart, the admin) tells a text from an email."""
        label = str(self.Kind(self.kind).label) if self.kind in self.Kind.values else self.kind
        return f"{label} (text)" if self.channel == self.Channel.SMS else label


class ManageLink(models.Model):
    """A patient's link to see, change or cancel one appointment. The token is random and only
    its SHA-256 hash is stored: the link reveals nothing, a database copy cannot be turned back
    into working links, and each link can be revoked on its own (physiofit/booking/tokens.py)."""

    wagtail_reference_index_ignore = True

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="manage_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"Manage link · {state}"
