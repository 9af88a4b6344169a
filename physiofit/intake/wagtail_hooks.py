from django.contrib.auth.models import Permission
from django.template.loader import render_to_string
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.widgets.button import HeaderButton

from physiofit.core.models import AuditEvent, audit
from physiofit.core.panels import DashboardPanel
from physiofit.core.permissions import PermissionMenuItem

from . import record_views, selectors, services, staff


@hooks.register("register_permissions")
def register_permissions():
    """Let admins grant patient and clinical access to groups in Settings → Groups."""
    return Permission.objects.filter(
        content_type__app_label__in=["booking", "intake"],
        codename__in=["view_patient_record", "view_clinical_record"],
    )


@hooks.register("register_admin_menu_item")
def register_screening_menu_item():
    return PermissionMenuItem(
        "Screening alerts",
        reverse("intake_staff:screenings"),
        icon_name="warning",
        order=201,
        permission=staff.PERMISSION,
    )


@hooks.register("register_admin_urls")
def register_intake_urls():
    urls = [
        path("screenings/", staff.screenings, name="screenings"),
        path("screenings/<int:pk>/reviewed/", staff.screening_reviewed, name="reviewed"),
        path("patient/<int:pk>/", staff.patient_outcomes, name="outcomes"),
        path("patient/<int:pk>/send/", staff.send_measure, name="send"),
        path("patient/<int:pk>/schedule/", staff.schedule_measure, name="schedule"),
        path("schedule/<int:pk>/stop/", staff.schedule_stop, name="schedule_stop"),
        path("questionnaire/<int:pk>/", staff.questionnaire_detail, name="questionnaire"),
        path("patient/<int:pk>/record.pdf", record_views.staff_record, {"fmt": "pdf"}, name="pdf"),
        path(
            "patient/<int:pk>/record.json", record_views.staff_record, {"fmt": "json"}, name="json"
        ),
        path("patient/<int:pk>/erase/", record_views.erase_on_request, name="erase"),
        path("patient/<int:pk>/email/", staff.email_change_approve, name="email_approve"),
    ]
    return [path("clinical/", include((urls, "intake_staff")))]


@hooks.register("construct_homepage_panels")
def add_screening_alerts(request, panels):
    if not request.user.has_perm(staff.PERMISSION):
        return
    from django.utils import timezone

    pending = selectors.screening_alerts(since=timezone.now())["pending"]
    if pending:
        # Bookings waiting for a clinician's review of their screening.
        panels.append(
            DashboardPanel(
                name="screening_alerts",
                order=50,
                template_name="intake/staff/dashboard_panel.html",
                pending=pending,
            )
        )


@hooks.register("patient_record_buttons")
def email_approval_button(request, patient):
    """On the patient's record, for clinical staff: an email change that waits for them."""
    if not request.user.has_perm(staff.PERMISSION):
        return []
    if not selectors.email_changes_pending(patient=patient):
        return []
    return [
        HeaderButton(
            "Approve new email",
            url=reverse("intake_staff:email_approve", args=[patient.pk]),
            icon_name="mail",
        )
    ]


@hooks.register("construct_homepage_panels")
def add_email_approvals(request, panels):
    if not request.user.has_perm(staff.PERMISSION):
        return
    if pending := selectors.email_changes_pending():
        # Email changes by non-clinical staff, waiting for a clinician's approval.
        panels.append(
            DashboardPanel(
                name="email_approvals",
                order=55,
                template_name="intake/staff/email_approvals_panel.html",
                pending=pending,
            )
        )


@hooks.register("patient_erase_url")
def patient_erase_url(request, patient):
    """Booking's plain delete of a patient comes here: erasure checks retention first."""
    return reverse("intake_staff:erase", args=[patient.pk])


@hooks.register("calendar_flags")
def calendar_review_flags(request, appointment_ids):
    """Booking's calendar marks the visits whose screening waits for a clinician."""
    if not request.user.has_perm(staff.PERMISSION):
        return {}
    return {pk: ["Screening review needed"] for pk in selectors.pending_review_ids(appointment_ids)}


@hooks.register("phone_booking_screening")
def phone_booking_screening():
    """Booking's phone form asks new patients the red-flag questions, stored as online."""
    from .phone import PhoneScreening

    return PhoneScreening()


@hooks.register("waitlist_screening")
def waitlist_screening(entry):
    """Booking's waitlist page: the screening kept with the wish, to join the visit."""
    return services.waitlist_screening_attach(entry)


@hooks.register("visit_labels")
def intake_labels(request, appointment_ids):
    """The desk's day: whether each new patient sent their intake before the visit (its
    answers stay clinical; that it was sent is not)."""
    return {
        pk: ["Intake done" if done else "Intake not done"]
        for pk, done in selectors.intake_done(appointment_ids).items()
    }


@hooks.register("appointment_panels", order=-10)
def appointment_screening_panel(request, appointment):
    """On a visit's page, for clinical staff, first: the screening answers and the intake."""
    if not request.user.has_perm(staff.PERMISSION):
        return ""
    clinical = selectors.appointment_clinical(appointment=appointment)
    audit(
        user=request.user,
        action=AuditEvent.Action.VIEW,
        obj=appointment,
        summary=f"screening and intake for {appointment.reference}",
    )
    return render_to_string(
        "intake/staff/_clinical.html",
        {"clinical": clinical, "appointment": appointment},
        request=request,
    )


@hooks.register("manage_link_email_context")
def manage_link_intake_url(appointment, token, public_url):
    """Booking emails with a manage link carry the pre-visit questions while they are open."""
    if selectors.intake_state(appointment=appointment) not in ("sent", "draft"):
        return {"intake_url": ""}
    return {"intake_url": public_url(reverse("intake:intake", args=[token]))}


@hooks.register("patient_chart_sections", order=10)
def chart_screening_and_measures(request, patient):
    """On the patient's chart, for clinical staff: screenings, the intake, measures charted."""
    if not request.user.has_perm(staff.PERMISSION):
        return ""
    audit(
        user=request.user,
        action=AuditEvent.Action.VIEW,
        obj=patient,
        summary="screening and measures on the chart",
    )
    return render_to_string(
        "intake/staff/_chart_section.html",
        {"patient": patient, **selectors.patient_chart(patient=patient)},
        request=request,
    )
