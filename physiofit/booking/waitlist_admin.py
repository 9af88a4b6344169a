"""The waitlist for the front desk: who waits for what, what happened to each wish (offered,
booked, expired, withdrawn), and one click to book a matching free time on the phone.

Anyone who may see patient records (booking.view_patient_record) uses it. Every listing and
every entry opened is audited; addresses carry only the entry's number, never a name.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.db.models import Case, Prefetch, When
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from wagtail import hooks
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from physiofit.core.audited_views import AuditedIndexView, AuditedViewSetMixin
from physiofit.core.models import AuditEvent, audit

from . import selectors, services
from .models import Notification, Practitioner, WaitlistEntry
from .staff import PERMISSION, booked_message, short_when, staff_only

# Free times listed on an entry: enough to choose from on the phone, few enough to read out.
MATCHING_TIMES = 10


class WaitlistPolicy(ModelPermissionPolicy):
    """Seen and acted on by whoever may see patient records; nobody adds (patients join
    online) or copies an entry. Withdrawn is an entry's usual end; deleting one (a prank from
    the public form) also needs the model's delete permission, which the front desk has not."""

    def user_has_permission(self, user, action):
        if not (user.is_active and user.has_perm(PERMISSION)):
            return False
        if action == "delete":
            return user.has_perm("booking.delete_waitlistentry")
        return action in ("view", "change")

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


def _short_day(day) -> str:
    return f"{day:%a, %b} {day.day}"


def wished_days(entry: WaitlistEntry) -> str:
    if entry.first_day == entry.last_day:
        return _short_day(entry.first_day)
    return f"{_short_day(entry.first_day)} – {_short_day(entry.last_day)}"


@dataclass(frozen=True)
class StatusLine:
    label: str
    detail: str = ""
    url: str = ""


def status_line(entry: WaitlistEntry, zone) -> StatusLine:
    """The status and what it means: which time was offered and when, which visit was booked."""
    status = WaitlistEntry.Status(entry.status)
    if status == WaitlistEntry.Status.BOOKED and entry.appointment is not None:
        visit = entry.appointment
        return StatusLine(
            status.label,
            f"{short_when(visit.start, zone)} with {visit.practitioner.name} ({visit.reference})",
            reverse("booking_calendar:appointment", args=[visit.pk]),
        )
    offers = getattr(entry, "offers", None)
    if status == WaitlistEntry.Status.OFFERED and offers:
        offer = offers[0]
        return StatusLine(
            status.label,
            f"{short_when(offer.offered_start, zone)} with {offer.offered_practitioner.name}; "
            f"emailed {short_when(offer.created_at, zone)} ({offer.get_status_display().lower()})",
        )
    if status == WaitlistEntry.Status.EXPIRED:
        return StatusLine(status.label, f"last day was {_short_day(entry.last_day)}")
    if status == WaitlistEntry.Status.WITHDRAWN and entry.status_changed_at:
        return StatusLine(status.label, short_when(entry.status_changed_at, zone))
    return StatusLine(status.label)


class PatientColumn(Column):
    """The name (opening the entry's page) and the phone to call."""

    cell_template_name = "booking/waitlist_staff/_patient_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["entry"] = instance
        context["url"] = reverse("waitlist:edit", args=[instance.pk])
        return context


class StatusColumn(Column):
    cell_template_name = "booking/waitlist_staff/_status_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        # The listing's request carries the clinic's zone (read once per page, in setup).
        context["line"] = status_line(instance, parent_context["request"].clinic_zone)
        return context


def _offers():
    return Prefetch(
        "notifications",
        queryset=Notification.objects.filter(kind=Notification.Kind.WAITLIST_OFFER)
        .select_related("offered_practitioner")
        .order_by("-created_at", "-pk"),
        to_attr="offers",
    )


def _expire_past(zone) -> None:
    now = timezone.now()
    services.waitlist_expire(today=now.astimezone(zone).date(), now=now)


class WaitlistIndexView(AuditedIndexView):
    """Open wishes first (oldest first: the order offers go out in), then the rest."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        request.clinic_zone = selectors.booking_context().zone
        # The status is made true where it is read: no scheduled job is needed for "expired".
        _expire_past(request.clinic_zone)

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("patient", "service", "practitioner", "appointment__practitioner")
            .prefetch_related(_offers())
            .annotate(closed=Case(When(status__in=WaitlistEntry.OPEN_STATUSES, then=0), default=1))
            .order_by("closed", "created_at", "pk")
        )


class WaitlistViewSet(AuditedViewSetMixin, ModelViewSet):
    model = WaitlistEntry
    icon = "time"
    menu_label = "Waitlist"
    menu_order = 206
    add_to_admin_menu = True
    copy_view_enabled = False
    index_view_class = WaitlistIndexView
    # Six columns, so a phone-width screen still reads a row: who (name, phone), what, when.
    list_display = [
        PatientColumn("patient", label="Patient"),
        Column("service", label="Service"),
        Column(
            "wish",
            label="Wished",
            accessor=lambda entry: f"{wished_days(entry)}; {entry.times_of_day().lower()}",
        ),
        Column(
            "practitioner",
            label="Practitioner",
            accessor=lambda entry: (
                entry.practitioner.name if entry.practitioner else "Any practitioner"
            ),
        ),
        StatusColumn("status", label="Status"),
        DateColumn("created_at", label="Joined"),
    ]
    list_filter = ["status"]
    # Needed by Wagtail's generic add view, which WaitlistPolicy never lets anyone open.
    form_fields = ["status"]

    def get_urlpatterns(self):
        # "Edit" is the entry's page: its status changes only through what happens to it.
        urls = [url for url in super().get_urlpatterns() if url.name != "edit"]
        return [
            *urls,
            path("edit/<int:pk>/", entry_page, name="edit"),
            path("edit/<int:pk>/book/", entry_book, name="book"),
            path("edit/<int:pk>/withdraw/", entry_withdraw, name="withdraw"),
        ]


def matching_times(entry: WaitlistEntry, *, now: datetime, context) -> list[dict]:
    """The next free times in the entry's days and times of day, with its practitioner or any
    who offers the service (the slot engine's first available), at most MATCHING_TIMES."""
    if not entry.is_open:
        return []
    first_day = max(entry.first_day, now.astimezone(context.zone).date())
    if first_day > entry.last_day:
        return []
    found = [
        slot
        for slot in selectors.slot_search(
            service=entry.service,
            practitioner=entry.practitioner,
            first_day=first_day,
            last_day=entry.last_day,
            now=now,
            context=context,
        )
        if entry.suits(slot.start.astimezone(context.zone))
    ][:MATCHING_TIMES]
    by_slug = {
        p.slug: p for p in Practitioner.objects.filter(slug__in={s.practitioner for s in found})
    }
    return [{"slot": slot, "practitioner": by_slug[slot.practitioner]} for slot in found]


def _entry(pk) -> WaitlistEntry:
    return get_object_or_404(
        WaitlistEntry.objects.select_related(
            "patient", "service", "practitioner", "appointment__practitioner"
        ).prefetch_related(_offers()),
        pk=pk,
    )


def _slot_choice(data):
    """One form lists the times: its button sends 'start practitioner'."""
    if "slot" not in data:
        return data
    start, _, practitioner = data["slot"].partition(" ")
    return {"start": start, "practitioner": practitioner}


def _render_entry(request, entry, context, *, now, error="", status=200, screen=None, emergency=""):
    kit = next((fn() for fn in hooks.get_hooks("phone_booking_screening")), None)
    needed = (
        entry.is_open
        and kit is not None
        and kit.needed(entry.service)
        and next((fn(entry) for fn in hooks.get_hooks("waitlist_screening")), None) is None
    )
    return TemplateResponse(
        request,
        "booking/waitlist_staff/entry.html",
        {
            "entry": entry,
            "name": f"{entry.patient.first_name} {entry.patient.last_name}",
            "line": status_line(entry, context.zone),
            "days": wished_days(entry),
            "times": matching_times(entry, now=now, context=context),
            "zone": context.zone,
            "error": error,
            "emergency": emergency,
            "screening": kit.render(request, screen or kit.form(), needed=True) if needed else "",
        },
        status=status,
    )


@staff_only
@require_http_methods(["GET"])
def entry_page(request, pk):
    """One wish: who, what, what happened, and the free times that match it to book on the
    phone."""
    context = selectors.booking_context()
    _expire_past(context.zone)
    entry = _entry(pk)
    audit(user=request.user, action=AuditEvent.Action.VIEW, obj=entry, summary="waitlist entry")
    return _render_entry(request, entry, context, now=timezone.now())


def _chosen_time(data) -> tuple[datetime | None, Practitioner | None]:
    """The start and practitioner of a "Book this" button; None for anything tampered with."""
    try:
        start = datetime.fromisoformat(data.get("start", ""))
    except ValueError:
        return None, None
    pk = data.get("practitioner", "")
    practitioner = Practitioner.objects.filter(pk=pk).first() if pk.isdigit() else None
    return (start if start.tzinfo else None), practitioner


@staff_only
@require_POST
def entry_book(request, pk):
    """Book the chosen free time for the waitlisted patient through the booking guard, then
    show the visit; a time taken meanwhile is refused in staff words, with fresh times. A
    first visit takes the screening answered when the patient joined, or asks the questions
    on the phone (as booking by phone does) when none was kept."""
    context = selectors.booking_context()
    entry = _entry(pk)
    start, practitioner = _chosen_time(_slot_choice(request.POST))
    now = timezone.now()
    if start is None or practitioner is None:
        return _render_entry(
            request, entry, context, now=now, error="Choose one of the times listed.", status=400
        )
    attach = next((fn(entry) for fn in hooks.get_hooks("waitlist_screening")), None)
    kit = next((fn() for fn in hooks.get_hooks("phone_booking_screening")), None)
    if attach is None and kit is not None and kit.needed(entry.service):
        screen = kit.form(request.POST)
        if not screen.is_valid():
            return _render_entry(
                request,
                entry,
                context,
                now=now,
                error=f"{entry.service.name} is a first visit: ask the screening questions "
                "below, then book.",
                status=400,
                screen=screen,
            )
        screening, emergency = kit.result(screen)
        if emergency:
            audit(
                user=request.user,
                action=AuditEvent.Action.CREATE,
                obj=entry,
                summary="phone screening: emergency advice given, nothing booked",
            )
            return _render_entry(
                request, entry, context, now=now, emergency=emergency, status=409, screen=screen
            )
        attach = kit.attach(screening, entry.service)
    before = entry.get_status_display()
    try:
        appointment = services.waitlist_book(
            entry=entry, practitioner=practitioner, start=start, now=now, with_booking=attach
        )
    except services.BookingError as error:
        entry = _entry(pk)
        audit(
            user=request.user,
            action=AuditEvent.Action.VIEW,
            obj=entry,
            summary=f"waitlist entry; booking refused: {error.code}",
        )
        return _render_entry(
            request,
            entry,
            context,
            now=now,
            error=services.staff_reason(error, practitioner),
            status=409,
        )
    audit(
        user=request.user,
        action=AuditEvent.Action.CREATE,
        obj=appointment,
        summary=f"booked by phone from the waitlist {appointment.reference}",
    )
    audit(
        user=request.user,
        action=AuditEvent.Action.CHANGE,
        obj=entry,
        summary=f"status: {before} → Booked ({appointment.reference})",
    )
    messages.success(request, booked_message(appointment, context.zone, how=" from the waitlist"))
    return redirect("booking_calendar:appointment", appointment.pk)


@staff_only
@require_POST
def entry_withdraw(request, pk):
    """The patient no longer wants a time: no more offers go to them."""
    entry = _entry(pk)
    before = entry.get_status_display()
    try:
        services.waitlist_withdraw(entry=entry)
    except services.BookingError as error:
        messages.error(request, error.message)
        return redirect("waitlist:edit", entry.pk)
    audit(
        user=request.user,
        action=AuditEvent.Action.CHANGE,
        obj=entry,
        summary=f"status: {before} → Withdrawn",
    )
    messages.success(
        request,
        f"{entry.patient.first_name} {entry.patient.last_name} is off the waitlist for "
        f"{entry.service.name}.",
    )
    return redirect("waitlist:index")
