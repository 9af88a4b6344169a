from django.urls import include, path, reverse
from django.utils.functional import cached_property
from wagtail import hooks
from wagtail.admin.views.generic import EditView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from physiofit.core.models import AuditEvent, audit
from physiofit.core.permissions import DeniedActionsPolicy, PermissionMenuItem

from . import staff
from .models import Notification, Patient, Practitioner, Service, WaitlistEntry


class ServiceViewSet(SnippetViewSet):
    model = Service
    icon = "list-ul"
    list_display = ["name", "duration_minutes", "audience", "bookable_online"]


class PractitionerViewSet(SnippetViewSet):
    model = Practitioner
    icon = "user"
    list_display = ["name", "credentials", "active"]


class BookingSetupGroup(SnippetViewSetGroup):
    items = (ServiceViewSet, PractitionerViewSet)
    menu_label = "Booking setup"
    menu_icon = "cogs"
    menu_order = 210


register_snippet(BookingSetupGroup)


class AuditedInspectView(InspectView):
    """Looking at a patient record is itself recorded in the audit log."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        audit(user=self.request.user, action=AuditEvent.Action.VIEW, obj=self.object)
        return context


class AuditedEditView(EditView):
    """Opening a patient-data edit form is a view; saving it is a change: both are logged."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.method == "GET":
            audit(user=self.request.user, action=AuditEvent.Action.VIEW, obj=self.object)
        return context

    def save_instance(self):
        instance = super().save_instance()
        audit(
            user=self.request.user,
            action=AuditEvent.Action.CHANGE,
            obj=instance,
            summary="edited in the admin",
        )
        return instance


register_permission_policy(
    AuditEvent, DeniedActionsPolicy(AuditEvent, denied={"add", "change", "delete", "copy"})
)
register_permission_policy(Notification, DeniedActionsPolicy(Notification, denied={"add", "copy"}))


class PatientInspectView(AuditedInspectView):
    """A patient's record, with a way to their outcome measures for clinical staff."""

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.request.user.has_perm("intake.view_clinical_record"):
            buttons.append(
                HeaderButton(
                    "Outcome measures",
                    url=reverse("intake_staff:outcomes", args=[self.object.pk]),
                    icon_name="view",
                )
            )
        return buttons


class PatientViewSet(ModelViewSet):
    model = Patient
    icon = "user"
    menu_label = "Patients"
    menu_order = 205
    add_to_admin_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["last_name", "first_name", "date_of_birth"]
    search_fields = ["last_name", "first_name", "email"]
    form_fields = ["first_name", "last_name", "email", "phone", "date_of_birth"]

    inspect_view_class = PatientInspectView
    edit_view_class = AuditedEditView


class WaitlistViewSet(ModelViewSet):
    model = WaitlistEntry
    icon = "time"
    menu_label = "Waitlist"
    menu_order = 206
    add_to_admin_menu = True
    copy_view_enabled = False
    list_display = ["service", "practitioner", "first_day", "last_day", "status", "created_at"]
    list_filter = ["status"]
    form_fields = ["status"]
    edit_view_class = AuditedEditView


class NotificationViewSet(ModelViewSet):
    model = Notification
    icon = "mail"
    menu_label = "Booking emails"
    menu_order = 207
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["kind", "status", "attempts", "created_at"]
    list_filter = ["status", "kind"]
    form_fields = ["status"]
    inspect_view_class = AuditedInspectView
    edit_view_class = AuditedEditView


class AuditEventViewSet(ModelViewSet):
    model = AuditEvent
    icon = "history"
    menu_label = "Audit log"
    menu_order = 900
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["at", "actor_name", "action", "object_type", "object_id", "summary"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_id", "summary"]
    form_fields = ["summary"]


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [
        PatientViewSet("patients"),
        WaitlistViewSet("waitlist"),
        NotificationViewSet("booking_emails"),
        AuditEventViewSet("audit_log"),
    ]


@hooks.register("register_admin_menu_item")
def register_calendar_menu_item():
    return PermissionMenuItem(
        "Calendar",
        reverse("booking_calendar:index"),
        icon_name="date",
        order=200,
        permission=staff.PERMISSION,
    )


@hooks.register("register_admin_urls")
def register_calendar_urls():
    urls = [
        path("", staff.calendar, name="index"),
        path("new/", staff.appointment_create, name="new"),
        path("appointment/<int:pk>/", staff.appointment_detail, name="appointment"),
        path("appointment/<int:pk>/action/", staff.appointment_action, name="action"),
        path("feeds/", staff.feeds, name="feeds"),
        path("feeds/<int:pk>/new/", staff.feed_revoke, name="feed_revoke"),
    ]
    return [path("calendar/", include((urls, "booking_calendar")))]
