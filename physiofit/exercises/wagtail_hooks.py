"""The exercise library and templates as snippets, the therapists' program pages, and what this
app adds to pages it does not own: the portal, the appointment page, the patient record and the
admin dashboard (through the hooks those apps offer)."""

from django.contrib.auth.models import Permission
from django.template.loader import render_to_string
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from physiofit.core.models import AuditEvent, audit, clinic_today
from physiofit.core.panels import DashboardPanel
from physiofit.core.permissions import PermissionMenuItem

from . import selectors, services, staff
from .models import Exercise, ProgramTemplate


class ExerciseViewSet(SnippetViewSet):
    model = Exercise
    icon = "pick"
    menu_label = "Exercises"
    list_display = ["name", "body_region", "equipment", "difficulty", "active"]
    list_filter = ["body_region", "equipment", "difficulty", "active"]
    search_fields = ["name", "purpose", "steps", "cues"]
    # The database's own matching (icontains): Wagtail's SQLite full-text backend fails with
    # "no such column" when a listing names its fields, and a library of a few hundred
    # exercises needs no index (which would also lag behind the task worker).
    search_backend_name = None
    ordering = ["name"]


class ProgramTemplateViewSet(SnippetViewSet):
    model = ProgramTemplate
    icon = "list-ol"
    menu_label = "Program templates"
    list_display = ["name"]
    search_fields = ["name"]
    search_backend_name = None


class LibraryGroup(SnippetViewSetGroup):
    items = (ExerciseViewSet, ProgramTemplateViewSet)
    menu_icon = "pick"
    menu_label = "Exercise library"
    menu_order = 210


register_snippet(LibraryGroup)


@hooks.register("register_permissions")
def register_permissions():
    return Permission.objects.filter(content_type__app_label="exercises", codename="manage_program")


@hooks.register("register_admin_menu_item")
def register_programs_menu_item():
    return PermissionMenuItem(
        "Exercise programs",
        reverse("exercises_staff:index"),
        icon_name="tasks",
        order=206,
        permission=staff.PERMISSION,
    )


@hooks.register("register_admin_urls")
def register_program_urls():
    urls = [
        path("", staff.index, name="index"),
        path("patient/<int:pk>/", staff.patient_program, name="patient"),
        path("patient/<int:pk>/new/", staff.new, name="new"),
        path("<int:pk>/edit/", staff.edit, name="edit"),
        path("<int:pk>/end/", staff.end, name="end"),
        path("<int:pk>/versions/<int:number>/", staff.version_detail, name="version"),
        path("<int:pk>/as-on/", staff.version_detail, name="as_on"),
        path("<int:pk>/handout.pdf", staff.handout_pdf, name="handout"),
        path("<int:pk>/careplan.json", staff.fhir_export, name="fhir"),
        path("flags/<int:pk>/resolve/", staff.resolve_flag, name="resolve"),
    ]
    return [path("exercise-programs/", include((urls, "exercises_staff")))]


@hooks.register("portal_sections")
def portal_exercises(request, patient):
    """On the portal's front page: today's exercises at a glance, linking to the full page."""
    program = selectors.patient_program(patient)
    if program is None or program.status != program.Status.ACTIVE:
        return ""
    version = selectors.current_version(program)
    items = selectors.today_plan(program, version, clinic_today()) if version else []
    return render_to_string(
        "exercises/_portal_section.html", {"program": program, "items": items}, request=request
    )


@hooks.register("appointment_panels")
def appointment_exercises(request, appointment):
    """On a visit's page, for therapists: adherence and pain flags since the last visit."""
    if not request.user.has_perm(staff.PERMISSION):
        return ""
    patient = appointment.patient
    program = selectors.patient_program(patient)
    context = {"patient": patient, "program": program}
    if program is not None:
        context.update(
            adherence=selectors.program_adherence(program, clinic_today()),
            open_flags=list(
                program.flags.filter(resolved_at__isnull=True)
                .select_related("exercise", "log")
                .prefetch_related("exercise__easier")
            ),
        )
        audit(
            user=request.user,
            action=AuditEvent.Action.VIEW,
            obj=program,
            summary=f"adherence on appointment {appointment.reference}",
        )
    return render_to_string("exercises/staff/_appointment_panel.html", context, request=request)


@hooks.register("patient_record_buttons")
def patient_program_button(request, patient):
    if not request.user.has_perm(staff.PERMISSION):
        return []
    return [
        HeaderButton(
            "Exercise program",
            url=reverse("exercises_staff:patient", args=[patient.pk]),
            icon_name="tasks",
        )
    ]


@hooks.register("construct_homepage_panels")
def add_attention_panel(request, panels):
    if not request.user.has_perm(staff.PERMISSION):
        return
    settings = services.exercise_settings()
    attention = selectors.needing_attention(
        today=clinic_today(), inactive_days=settings.inactive_days
    )
    if attention["flagged"] or attention["quiet"]:
        # For therapists: pain flags and patients who stopped logging.
        panels.append(
            DashboardPanel(
                name="exercise_attention",
                order=60,
                template_name="exercises/staff/dashboard_panel.html",
                inactive_days=settings.inactive_days,
                **attention,
            )
        )


@hooks.register("patient_chart_sections", order=30)
def chart_program(request, patient):
    """On the patient's chart, for clinical staff: the program and how much of it is done."""
    if not request.user.has_perm(staff.PERMISSION):
        return ""
    program = selectors.patient_program(patient)
    context = {"patient": patient, "program": program}
    if program is not None:
        context.update(
            version=selectors.current_version(program),
            adherence=selectors.program_adherence(program, clinic_today()),
            last_log=next(iter(selectors.recent_logs(program, limit=1)), None),
        )
    return render_to_string("exercises/staff/_chart_section.html", context, request=request)


@hooks.register("care_home_program")
def home_program_text(patient) -> str:
    """For a discharge summary (care, beside this app): the program to continue, in words."""
    program = selectors.patient_program(patient)
    if program is None or program.status != "active":
        return ""
    version = selectors.current_version(program)
    if version is None:
        return ""
    today = clinic_today()
    current = [p for p in version.prescriptions.all() if p.active_on(today)] or list(
        version.prescriptions.all()
    )
    lines = [f"Home program to continue: {program.title} (version {version.number})."]
    lines += [f"- {p.exercise.name}: {p.dosage_text}" for p in current]
    return "\n".join(lines)
