"""The audit log in the admin: read-only, in clinic time, filterable, exportable (and the
export is itself logged).

Patients are named at display time from the booking app, found through the app registry
rather than imported: core sits below booking. A deleted patient keeps its reference.
"""

from datetime import datetime, time, timedelta

import django_filters
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.functional import cached_property
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.viewsets.model import ModelViewSet

from .audited_views import AuditedIndexView, AuditedInspectView
from .models import AuditEvent, clinic_zone

DELETED = "(deleted)"
# A spreadsheet treats a cell starting with one of these as a formula; search terms typed by
# staff end up in summaries, so a CSV cell never starts with one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def patient_model():
    try:
        return apps.get_model("booking", "Patient")
    except LookupError:
        return None


def patient_names(ids) -> dict[int, str]:
    """Current names of the patients with these ids (a list or a values() queryset)."""
    model = patient_model()
    if model is None:
        return {}
    return {
        pk: f"{first} {last}"
        for pk, first, last in model.objects.filter(pk__in=ids).values_list(
            "pk", "first_name", "last_name"
        )
    }


def patient_label(event: AuditEvent, names: dict[int, str]) -> str:
    if event.patient_id is None:
        return ""
    name = names.get(event.patient_id, DELETED)
    return f"{name} · {event.patient_reference}" if event.patient_reference else name


def staff_choices(request):
    return (
        get_user_model()
        .objects.filter(pk__in=AuditEvent.objects.values("actor_id"))
        .order_by("username")
    )


class AuditEventFilterSet(WagtailFilterSet):
    at = django_filters.DateFromToRangeFilter(
        label="Date (clinic time)", widget=DateRangePickerWidget, method="filter_days"
    )
    actor = django_filters.ModelChoiceFilter(label="Staff member", queryset=staff_choices)
    action = django_filters.ChoiceFilter(label="Action", choices=AuditEvent.Action.choices)
    patient = django_filters.CharFilter(
        label="Patient (reference or name)", method="filter_patient"
    )

    class Meta:
        model = AuditEvent
        fields = []

    def filter_days(self, queryset, name, value):
        # Whole days where the clinic is, not UTC days: "Tuesday" is the clinic's Tuesday.
        zone = clinic_zone()
        if value.start:
            start = datetime.combine(value.start, time.min, tzinfo=zone)
            queryset = queryset.filter(at__gte=start)
        if value.stop:
            end = datetime.combine(value.stop + timedelta(days=1), time.min, tzinfo=zone)
            queryset = queryset.filter(at__lt=end)
        return queryset

    def filter_patient(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        match = Q(patient_reference__iexact=value)
        model = patient_model()
        if model is not None:
            # Names only find patients who still exist; a deleted one is found by reference.
            named = model.objects.annotate(
                full_name=Concat("first_name", Value(" "), "last_name")
            ).filter(
                Q(full_name__icontains=value)
                | Q(first_name__icontains=value)
                | Q(last_name__icontains=value)
            )
            match |= Q(patient_id__in=named.values("pk"))
        return queryset.filter(match)


class AuditEventIndexView(AuditedIndexView):
    names: dict[int, str] = {}
    # Reading the log is not logged (each look would push a row onto the log itself); taking
    # a copy of it out of the clinic's system is.
    audit_reads = False

    @cached_property
    def zone(self):
        return clinic_zone()

    def clinic_time(self, event: AuditEvent) -> str:
        return timezone.localtime(event.at, self.zone).strftime("%Y-%m-%d %H:%M:%S %Z")

    def paginate_queryset(self, queryset, page_size):
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        page.object_list = list(object_list)
        self.names = patient_names([e.patient_id for e in page.object_list if e.patient_id])
        return paginator, page, page.object_list, is_paginated

    @cached_property
    def columns(self):
        title_column = self._get_title_column_class(TitleColumn)
        return [
            title_column(
                "at",
                label="Time (clinic)",
                accessor=self.clinic_time,
                sort_key="at",
                get_url=self.get_inspect_url,
            ),
            Column("actor_name", label="Staff member"),
            Column("action", label="Action", accessor="get_action_display"),
            Column("patient", label="Patient", accessor=self.patient_label),
            Column("object_type", label="Record"),
            Column("object_id", label="Id"),
            Column("summary", label="Summary"),
        ]

    def patient_label(self, event: AuditEvent) -> str:
        return patient_label(event, self.names)

    def as_spreadsheet(self, queryset, spreadsheet_format):
        self.names = patient_names(queryset.exclude(patient_id=None).values("patient_id"))
        return super().as_spreadsheet(queryset, spreadsheet_format)

    def to_row_dict(self, item):
        row = {
            "at": self.clinic_time(item),
            "actor_name": item.actor_name,
            "action": item.get_action_display(),
            "patient_reference": item.patient_reference,
            "patient": patient_label(item, self.names).split(" · ")[0],
            "object_type": item.object_type,
            "object_id": item.object_id,
            "summary": item.summary,
        }
        return {
            key: "'" + value if value.startswith(FORMULA_STARTS) else value
            for key, value in row.items()
        }


class AuditEventInspectView(AuditedInspectView):
    def get_context_data(self, **kwargs):
        # The log's own entries are read, not audited (see AuditEventIndexView).
        return super(AuditedInspectView, self).get_context_data(**kwargs)

    def get_at_display_value(self):
        return timezone.localtime(self.object.at, clinic_zone()).strftime("%Y-%m-%d %H:%M:%S %Z")

    def get_patient_id_display_value(self):
        if self.object.patient_id is None:
            return "—"
        return patient_label(self.object, patient_names([self.object.patient_id]))


class AuditEventViewSet(ModelViewSet):
    """Append-only: the permission policy (core.wagtail_hooks) denies add, change and delete
    to everyone, superusers included, so those views answer with a refusal."""

    model = AuditEvent
    icon = "history"
    menu_label = "Audit log"
    menu_order = 900
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    # Wagtail's own history of audit rows would always be empty: they never change.
    add_to_reference_index = False
    index_view_class = AuditEventIndexView
    inspect_view_class = AuditEventInspectView
    filterset_class = AuditEventFilterSet
    search_fields = ["actor_name", "object_id", "summary", "patient_reference"]
    list_per_page = 50
    form_fields = ["summary"]
    inspect_view_fields = [
        "at",
        "actor_name",
        "action",
        "patient_id",
        "object_type",
        "object_id",
        "summary",
    ]
    list_export = [
        "at",
        "actor_name",
        "action",
        "patient_reference",
        "patient",
        "object_type",
        "object_id",
        "summary",
    ]
    export_headings = {
        "at": "Time (clinic)",
        "actor_name": "Staff member",
        "action": "Action",
        "patient_reference": "Patient reference",
        "patient": "Patient",
        "object_type": "Record",
        "object_id": "Id",
        "summary": "Summary",
    }

    @cached_property
    def export_filename(self):
        return "audit-log"
