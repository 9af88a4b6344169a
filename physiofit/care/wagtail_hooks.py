from django.contrib.auth.models import Permission
from django.template.loader import render_to_string
from django.urls import include, path, reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from physiofit.core.models import AuditEvent, audit
from physiofit.core.panels import DashboardPanel

from . import selectors, services, staff
from .models import Fee


class FeeViewSet(SnippetViewSet):
    """The fee schedule: the clinic's price per unit of each CPT code, printed on superbills."""

    model = Fee
    icon = "tag"
    menu_label = "Fee schedule"
    menu_order = 215
    add_to_admin_menu = True
    list_display = ["code", "amount"]
    copy_view_enabled = False


register_snippet(FeeViewSet)


@hooks.register("register_permissions")
def register_permissions():
    """Let admins give a group the right to write and sign notes (Settings → Groups)."""
    return Permission.objects.filter(
        content_type__app_label="care", codename__in=["write_note", "cosign_note"]
    )


@hooks.register("register_admin_urls")
def register_care_urls():
    urls = [
        path("patient/<int:pk>/", staff.record, name="record"),
        path("patient/<int:pk>/episode/", staff.episode_open, name="episode_open"),
        path("episode/<int:pk>/diagnosis/", staff.diagnosis_add, name="diagnosis_add"),
        path(
            "episode/<int:pk>/diagnosis/<int:diagnosis_pk>/remove/",
            staff.diagnosis_remove,
            name="diagnosis_remove",
        ),
        path("visit/<int:pk>/note/", staff.note_start, name="note_start"),
        path(
            "visit/<int:pk>/evaluation/",
            staff.note_start,
            {"kind": "evaluation"},
            name="evaluation_start",
        ),
        path("note/<int:pk>/", staff.note, name="note"),
        path("note/<int:pk>/sign/", staff.note_sign, name="note_sign"),
        path("note/<int:pk>/note.pdf", staff.note_pdf, name="note_pdf"),
        path("note/<int:pk>/addendum/", staff.addendum, name="addendum"),
        path("note/<int:pk>/cosign/", staff.note_cosign, name="note_cosign"),
        path("episode/<int:pk>/", staff.episode, name="episode"),
        path("episode/<int:pk>/episode.pdf", staff.episode_pdf, name="episode_pdf"),
        path("episode/<int:pk>/episode.fhir.json", staff.episode_fhir, name="episode_fhir"),
        path("note/<int:pk>/superbill.pdf", staff.superbill, name="superbill"),
        path("episode/<int:pk>/plan/", staff.plan_save, name="plan_save"),
        path("episode/<int:pk>/rename/", staff.episode_rename, name="episode_rename"),
        path("episode/<int:pk>/goal/", staff.goal_add, name="goal_add"),
        path(
            "episode/<int:pk>/goal/<int:goal_pk>/remove/",
            staff.goal_remove,
            name="goal_remove",
        ),
        path(
            "visit/<int:pk>/progress/",
            staff.note_start,
            {"kind": "progress"},
            name="progress_start",
        ),
        path(
            "visit/<int:pk>/discharge/",
            staff.note_start,
            {"kind": "discharge"},
            name="discharge_start",
        ),
    ]
    return [path("care/", include((urls, "care_staff")))]


@hooks.register("patient_record_buttons")
def clinical_record_button(request, patient):
    if not request.user.has_perm(staff.READ):
        return []
    return [
        HeaderButton(
            "Clinical record",
            url=reverse("care_staff:record", args=[patient.pk]),
            icon_name="doc-full",
        )
    ]


@hooks.register("appointment_panels", order=-5)
def appointment_notes(request, appointment):
    """On a visit's page, for clinical staff: this visit's notes, and the one-click start."""
    if not request.user.has_perm(staff.READ):
        return ""
    return render_to_string(
        "care/staff/_appointment_panel.html",
        {
            "appointment": appointment,
            "notes": selectors.visit_notes(appointment),
            "episode": services.open_episode(appointment.patient),
            "new_patient_visit": appointment.service.audience == "new",
            "can_write": request.user.has_perm(staff.WRITE),
            "is_pt": request.user.has_perm(services.COSIGN),
            "progress_due": appointment.pk in services.progress_due_ids([appointment.pk]),
        },
        request=request,
    )


@hooks.register("calendar_flags")
def calendar_progress_flags(request, appointment_ids):
    """Booking's calendar marks the visits at which a progress note is due (every 10th)."""
    if not request.user.has_perm(staff.READ):
        return {}
    return {pk: ["Progress note due"] for pk in services.progress_due_ids(appointment_ids)}


@hooks.register("construct_homepage_panels")
def add_awaiting_cosign(request, panels):
    if not request.user.has_perms([staff.READ, services.COSIGN]):
        return
    if notes := selectors.awaiting_cosign():
        # Assistants' notes a supervising PT must co-sign before they count as complete.
        panels.append(
            DashboardPanel(
                name="awaiting_cosign",
                order=41,
                template_name="care/staff/cosign_panel.html",
                notes=notes,
            )
        )


@hooks.register("construct_homepage_panels")
def add_unsigned_notes(request, panels):
    if not request.user.has_perms([staff.READ, staff.WRITE]):
        return
    hours = services.care_settings().unsigned_after_hours
    notes = selectors.unsigned_notes(
        author=request.user, now=timezone.now(), older_than_hours=hours
    )
    if notes:
        # Drafts left unsigned past the clinic's limit, for their author.
        panels.append(
            DashboardPanel(
                name="unsigned_notes",
                order=40,
                template_name="care/staff/dashboard_panel.html",
                notes=notes,
                hours=hours,
            )
        )


@hooks.register("patient_chart_sections", order=20)
def chart_episodes(request, patient):
    """On the patient's chart, for clinical staff: each episode's plan, progress and notes."""
    if not request.user.has_perm(staff.READ):
        return ""
    episodes = []
    for episode in selectors.episodes(patient):
        notes = selectors.episode_notes(episode)
        episodes.append(
            {
                "episode": episode,
                "plan": getattr(episode, "plan", None),
                "visits_left": services.plan_visits_left(episode),
                "progress": services.progress_due(episode) if episode.is_open else None,
                "notes": notes,
                "drafts": sum(1 for n in notes if not n.is_signed),
                "cosign": sum(1 for n in notes if n.is_signed and not n.is_complete),
            }
        )
    audit(
        user=request.user,
        action=AuditEvent.Action.VIEW,
        obj=patient,
        summary="episodes on the chart",
    )
    return render_to_string(
        "care/staff/_chart_section.html",
        {"patient": patient, "episodes": episodes},
        request=request,
    )


@hooks.register("series_defaults")
def series_from_plan(request, patient):
    """Booking's series form starts from the open episode's plan: its visits a week and the
    visits left to book. Numbers for scheduling only, so the front desk gets them too."""
    episode = services.open_episode(patient)
    left = services.plan_visits_left(episode) if episode else None
    if not left:
        return None
    return {"per_week": episode.plan.visits_per_week, "count": left}
