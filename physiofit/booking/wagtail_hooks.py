from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from physiofit.core.panels import DashboardPanel
from physiofit.core.permissions import DeniedActionsPolicy, PermissionMenuItem

from . import duplicates, staff
from .models import Notification, Practitioner, Service, WaitlistEntry
from .notification_admin import NotificationViewSet
from .patient_admin import PatientViewSet
from .waitlist_admin import WaitlistPolicy, WaitlistViewSet


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


register_permission_policy(Notification, DeniedActionsPolicy(Notification, denied={"add", "copy"}))


register_permission_policy(WaitlistEntry, WaitlistPolicy(WaitlistEntry))


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [
        PatientViewSet("patients"),
        WaitlistViewSet("waitlist"),
        NotificationViewSet("booking_emails"),
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


@hooks.register("register_admin_menu_item")
def register_duplicates_menu_item():
    return PermissionMenuItem(
        "Possible duplicates",
        reverse("booking_duplicates:index"),
        icon_name="group",
        order=205,
        permission=duplicates.PERMISSION,
    )


@hooks.register("register_admin_urls")
def register_duplicates_urls():
    urls = [
        path("", duplicates.duplicates, name="index"),
        path("<int:pk>/<int:other>/", duplicates.compare, name="compare"),
    ]
    return [path("patient-duplicates/", include((urls, "booking_duplicates")))]


@hooks.register("register_admin_urls")
def register_calendar_urls():
    urls = [
        path("", staff.calendar, name="index"),
        path("new/", staff.appointment_create, name="new"),
        path("patients/search/", staff.patient_search, name="patient_search"),
        path("appointment/<int:pk>/", staff.appointment_detail, name="appointment"),
        path("appointment/<int:pk>/action/", staff.appointment_action, name="action"),
        path("appointment/<int:pk>/move/", staff.appointment_move, name="move"),
        path(
            "appointment/<int:pk>/resend-link/",
            staff.appointment_resend_link,
            name="resend_link",
        ),
        path("patient/<int:pk>/series/", staff.series, name="series"),
        path("feeds/", staff.feeds, name="feeds"),
        path("feeds/<int:pk>/new/", staff.feed_revoke, name="feed_revoke"),
    ]
    return [path("calendar/", include((urls, "booking_calendar")))]


@hooks.register("construct_homepage_panels")
def add_today_panel(request, panels):
    if not request.user.has_perm(staff.PERMISSION):
        return
    panels.append(
        DashboardPanel(
            name="today",
            order=10,
            template_name="booking/staff/today_panel.html",
            **staff.today_panel(request),
        )
    )
