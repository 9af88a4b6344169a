"""Clinic-wide facts, edited in the admin under Settings → Clinic."""

import zoneinfo
from datetime import datetime
from urllib.parse import quote_plus

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Orderable

from .hours import (
    WEEKDAYS,
    Closure,
    OpeningRange,
    OpenStatus,
    open_status,
    schedule_lines,
    upcoming_closures,
)
from .text import validate_single_line

TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]

phone_validator = RegexValidator(
    r"^[0-9+() .\-]{7,25}\Z", "Enter a phone number using digits, spaces, +, -, ( and )."
)
# A house number then a word ("1334 Northeast 2nd Street"), not "2nd floor" or "Suite 100".
STREET_NUMBER = r"^\s*\d+[A-Za-z]?\s+\w"
not_another_street = RegexValidator(
    STREET_NUMBER,
    "This looks like a street address of its own. The clinic has one address: put it in "
    "“Street address”, and use this line only for a suite, floor or entrance.",
    inverse_match=True,
)


@register_setting(icon="site")
class ClinicSettings(ClusterableModel, BaseSiteSetting):
    name = models.CharField(max_length=120, default="PhysioFit")
    tagline = models.CharField(
        max_length=200, blank=True, help_text="One line under the name, e.g. the town."
    )
    phone = models.CharField(max_length=25, validators=[phone_validator])
    email = models.EmailField()
    # One postal address, used everywhere (footer, contact page, map link, JSON-LD, emails,
    # calendar files). A second line is a detail of that address, never another address.
    street_address = models.CharField(
        max_length=200, help_text="Street and number, e.g. 1332 NE 2nd St."
    )
    address_second_line = models.CharField(
        "second address line",
        max_length=100,
        blank=True,
        validators=[validate_single_line, not_another_street],
        help_text=(
            "Optional, shown under the street, e.g. “Suite 100” or “Entrance at the back”. "
            "Not a second address."
        ),
    )
    locality = models.CharField("town or city", max_length=100)
    region = models.CharField("state", max_length=50)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2, default="US", help_text="Two-letter country code.")
    map_url = models.URLField(
        blank=True,
        help_text="Link to the clinic on a map. Left empty, one is made from the address.",
    )
    time_zone = models.CharField(
        max_length=64, choices=TIME_ZONE_CHOICES, default="America/Los_Angeles"
    )
    # The clinic's policy default, not a figure from a rule: see docs/patient-data.md,
    # "Retention", and confirm it with counsel before relying on it.
    record_retention_years = models.PositiveSmallIntegerField(
        "keep patient records for (years)",
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=(
            "Years after a patient's last visit before `manage.py purge_expired` removes the "
            "record and before a request to erase it can be granted."
        ),
    )

    panels = [
        MultiFieldPanel([FieldPanel("name"), FieldPanel("tagline")], heading="Clinic"),
        MultiFieldPanel([FieldPanel("phone"), FieldPanel("email")], heading="Contact"),
        MultiFieldPanel(
            [
                FieldPanel("street_address"),
                FieldPanel("address_second_line"),
                FieldPanel("locality"),
                FieldPanel("region"),
                FieldPanel("postal_code"),
                FieldPanel("country"),
                FieldPanel("map_url"),
            ],
            heading="Address",
        ),
        FieldPanel("time_zone"),
        FieldPanel("record_retention_years"),
        InlinePanel(
            "opening_hours",
            heading="Opening hours",
            label="Opening range",
            help_text="One row per opening on a weekday; a day with no row is closed.",
        ),
        InlinePanel(
            "closures",
            heading="Closures",
            label="Closure",
            help_text=(
                "Days the whole clinic is closed, such as Thanksgiving: no booking online or "
                "by staff, and the website's hours say so for the 60 days before."
            ),
        ),
    ]

    class Meta:
        verbose_name = "Clinic"

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def address_line(self) -> str:
        """The postal address on one line, without the second line: what maps and calendars
        look up, and what one-line places (PDF headers, email footers) print."""
        return f"{self.street_address}, {self.locality}, {self.region} {self.postal_code}"

    @property
    def address_lines(self) -> list[str]:
        """The postal address as printed on an envelope, the second line in its place."""
        lines = [self.street_address, self.address_second_line]
        return [line for line in lines if line] + [
            f"{self.locality}, {self.region} {self.postal_code}"
        ]

    @property
    def phone_href(self) -> str:
        return "tel:" + "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")

    @property
    def map_href(self) -> str:
        if self.map_url:
            return self.map_url
        query = quote_plus(f"{self.name}, {self.address_line}")
        return f"https://www.openstreetmap.org/search?query={query}"

    def opening_ranges(self) -> list[OpeningRange]:
        return [row.as_range() for row in self.opening_hours.all()]

    def closure_list(self) -> list[Closure]:
        return [row.as_closure() for row in self.closures.all()]

    def status_at(self, now: datetime) -> OpenStatus:
        return open_status(self.opening_ranges(), now, self.zone, self.closure_list())

    def upcoming_closures(self, now: datetime) -> list[Closure]:
        return upcoming_closures(self.closure_list(), now.astimezone(self.zone).date())

    def schedule(self) -> list[tuple[str, str]]:
        return schedule_lines(self.opening_ranges())


class OpeningHours(Orderable):
    clinic = ParentalKey(ClinicSettings, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=list(enumerate(WEEKDAYS)))
    opens = models.TimeField()
    closes = models.TimeField()

    panels = [FieldPanel("weekday"), FieldPanel("opens"), FieldPanel("closes")]

    class Meta(Orderable.Meta):
        verbose_name = "opening range"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes")), name="opening_closes_after_opens"
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6), name="opening_weekday_range"
            ),
        ]

    def clean(self) -> None:
        if self.opens and self.closes and self.opens >= self.closes:
            raise ValidationError({"closes": "Closing time must be after opening time."})

    def as_range(self) -> OpeningRange:
        return OpeningRange(weekday=self.weekday, opens=self.opens, closes=self.closes)


class ClinicClosure(Orderable):
    """A day or a run of days the whole clinic is closed (a holiday), in clinic time."""

    clinic = ParentalKey(ClinicSettings, on_delete=models.CASCADE, related_name="closures")
    first_day = models.DateField()
    last_day = models.DateField(null=True, blank=True, help_text="Empty: the first day only.")
    label = models.CharField(
        max_length=60,
        blank=True,
        validators=[validate_single_line],
        help_text="Shown to patients, e.g. “Thanksgiving”.",
    )

    panels = [FieldPanel("first_day"), FieldPanel("last_day"), FieldPanel("label")]

    class Meta(Orderable.Meta):
        verbose_name = "closure"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__isnull=True)
                | models.Q(first_day__lte=models.F("last_day")),
                name="closure_day_order",
            ),
        ]

    def __str__(self) -> str:
        return self.as_closure().line()

    def clean(self) -> None:
        if self.first_day and self.last_day and self.last_day < self.first_day:
            raise ValidationError({"last_day": "The last day cannot be before the first day."})
        if self.first_day and self.last_day and (self.last_day - self.first_day).days > 365:
            raise ValidationError({"last_day": "A closure lasts a year at most."})

    def as_closure(self) -> Closure:
        return Closure(self.first_day, self.last_day or self.first_day, self.label)


class AuditEventQuerySet(models.QuerySet):
    """Bulk paths are closed too: `update()` and `delete()` on many rows raise, like one row."""

    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    """Append-only record of who did what to patient data and to staff access, and when."""

    wagtail_reference_index_ignore = True

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        LIST = "list", "Listed"
        SEARCH = "search", "Searched"
        HISTORY = "history", "Viewed history"
        CREATE = "create", "Created"
        CHANGE = "change", "Changed"
        DELETE = "delete", "Deleted"
        EXPORT = "export", "Exported"
        MERGE = "merge", "Merged"
        PURGE = "purge", "Purged"
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        SIGN_OUT = "sign_out", "Signed out"
        DENIED = "denied", "Access denied"
        FACTOR_ADDED = "factor_added", "Second factor enrolled"
        FACTOR_RESET = "factor_reset", "Second factor reset"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        "auth.User", null=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    actor_name = models.CharField(max_length=150, help_text="Kept if the account is deleted.")
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    # The patient the event concerns, if any. An id and the patient's reference, not a foreign
    # key: core sits below booking, and the entry must outlive the patient row it names.
    patient_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    patient_reference = models.CharField(max_length=12, blank=True)
    summary = models.CharField(max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")


def audit(
    *,
    user,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    summary: str = "",
    patient=None,
    actor_name: str = "",
) -> AuditEvent:
    """Write one audit event for a user's read or change of `obj` (or a named set).

    `patient` is the patient the event concerns (a Patient, or anything with `pk` and
    `reference`); when `obj` is itself a patient it is found without being passed.
    `actor_name` names an actor with no account (a failed sign-in's typed username).
    """
    if patient is None and obj is not None and obj._meta.label_lower == "booking.patient":
        patient = obj
    if patient is None and obj is not None:
        patient = getattr(obj, "patient", None)
    signed_in = getattr(user, "pk", None) is not None
    return AuditEvent.objects.create(
        actor=user if signed_in else None,
        actor_name=(user.get_username() if signed_in else actor_name or "system")[:150],
        action=action,
        object_type=obj._meta.label_lower if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else object_id,
        patient_id=getattr(patient, "pk", None),
        patient_reference=getattr(patient, "reference", "") or "",
        summary=summary[:300],
    )


def clinic_zone() -> zoneinfo.ZoneInfo:
    """The default site's clinic time zone: every "today" and every rule uses it, not UTC."""
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).first()
    return ClinicSettings.for_site(site).zone if site else zoneinfo.ZoneInfo("America/Los_Angeles")


def clinic_today():
    """Today's date where the clinic is."""
    from django.utils import timezone

    return timezone.now().astimezone(clinic_zone()).date()
