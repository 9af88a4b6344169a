"""Home-exercise programs in the Wagtail admin, for therapists: assign from a template, edit
(a new version each time), adherence and pain flags, history as prescribed on any date, the
handout and the FHIR export. Every view and change is audit-logged."""

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from physiofit.booking.models import Patient
from physiofit.core.downloads import pdf_response
from physiofit.core.models import AuditEvent, audit, clinic_today, clinic_zone

from . import fhir, handout, selectors, services
from .forms import AssignForm, EditMetaForm, PhaseFormSet, PrescriptionFormSet, exercise_choices
from .models import Exercise, PainFlag, Program

PERMISSION = "exercises.manage_program"
therapists_only = permission_required(PERMISSION, raise_exception=True)
# The title typed on the assign form, carried to the editor when building from scratch.
NEW_TITLE = "exercise_new_title"


def _warn_if_long(request, version) -> None:
    limit = services.exercise_settings().max_exercises
    at_once = selectors.most_at_once(version)
    if at_once > limit:
        messages.warning(
            request,
            f"{at_once} exercises at once: more than the clinic's {limit}. Adherence drops as a "
            "program grows; consider fewer, or spreading them over phases.",
        )


@therapists_only
def index(request):
    """The therapist's list: pain flags first, then patients who stopped logging, then every
    active program."""
    today = clinic_today()
    settings = services.exercise_settings()
    attention = selectors.needing_attention(today=today, inactive_days=settings.inactive_days)
    programs = list(selectors.active_programs().order_by("patient__last_name"))
    audit(
        user=request.user,
        action=AuditEvent.Action.LIST,
        object_type="exercises.program",
        object_id="list",
        summary=f"{len(programs)} active programs, {len(attention['flagged'])} pain flags",
    )
    return TemplateResponse(
        request,
        "exercises/staff/index.html",
        {**attention, "programs": programs, "inactive_days": settings.inactive_days},
    )


def _program_context(program: Program, today: date) -> dict:
    version = selectors.current_version(program)
    adherence = selectors.program_adherence(program, today)
    flags = list(
        program.flags.select_related("exercise", "log").prefetch_related("exercise__easier")
    )
    names = {p.exercise_id: p.exercise.name for p in version.prescriptions.all()} if version else {}
    per_exercise = [
        {
            "name": names.get(e)
            or Exercise.objects.filter(pk=e).values_list("name", flat=True).first(),
            "share": share,
        }
        for e, share in adherence.exercises.items()
    ]
    return {
        "program": program,
        "version": version,
        "adherence": adherence,
        "per_exercise": per_exercise,
        "open_flags": [f for f in flags if f.resolved_at is None],
        "closed_flags": [f for f in flags if f.resolved_at is not None][:10],
        "logs": selectors.recent_logs(program),
        "logs_total": program.logs.count(),
        "versions": program.versions.select_related("created_by").order_by("-number"),
        "at_once": selectors.most_at_once(version) if version else 0,
        "max_exercises": services.exercise_settings().max_exercises,
        "today": today,
    }


@therapists_only
@require_http_methods(["GET", "POST"])
def patient_program(request, pk):
    """A patient's program, or the form that assigns one (from a template in one step; from
    scratch through the editor)."""
    patient = get_object_or_404(Patient, pk=pk)
    program = selectors.patient_program(patient)
    form = AssignForm(request.POST or None, initial={"starts_on": clinic_today()})
    status = 200
    if request.method == "POST":
        if form.is_valid() and form.cleaned_data["template"] is None:
            starts_on = form.cleaned_data["starts_on"].isoformat()
            # Kept for the editor in the session, not the URL: a title may name a condition.
            request.session[NEW_TITLE] = {"patient": pk, "title": form.cleaned_data["title"]}
            return redirect(reverse("exercises_staff:new", args=[pk]) + f"?starts_on={starts_on}")
        if form.is_valid():
            try:
                program = services.program_assign(
                    patient=patient,
                    user=request.user,
                    starts_on=form.cleaned_data["starts_on"],
                    template=form.cleaned_data["template"],
                    title=form.cleaned_data["title"],
                )
            except services.ProgramError as error:
                form.add_error(None, error.message)
            else:
                audit(
                    user=request.user,
                    action=AuditEvent.Action.CREATE,
                    obj=program,
                    summary=f"program assigned from {program.template}",
                )
                messages.success(
                    request,
                    f"{program.title} assigned. The patient gets an email with a link to it.",
                )
                _warn_if_long(request, program.current)
                return redirect("exercises_staff:patient", pk)
        status = 400
    audit(user=request.user, action=AuditEvent.Action.VIEW, obj=patient, summary="exercise program")
    context = {"patient": patient, "form": form, "program": None}
    if program is not None:
        context.update(_program_context(program, clinic_today()))
    return TemplateResponse(request, "exercises/staff/patient.html", context, status=status)


def _phase_choices(phase_forms) -> list[tuple[int, str]]:
    choices = []
    for index, form in enumerate(phase_forms):
        name = (form["name"].value() or "").strip()
        choices.append((index, f"{index + 1}. {name}" if name else f"{index + 1}. (new phase)"))
    return choices


def _initial(version) -> tuple[list[dict], list[dict]]:
    phases = list(version.phases.all())
    position = {ph.pk: i for i, ph in enumerate(phases)}
    phase_rows = [
        {"name": ph.name, "starts_on": ph.starts_on, "ends_on": ph.ends_on} for ph in phases
    ]
    rows = [
        {
            "exercise": p.exercise_id,
            "phase": position[p.phase_id],
            "note": p.note,
            "ORDER": i + 1,
            **p.dosage_values(),
        }
        for i, p in enumerate(version.prescriptions.all())
    ]
    return phase_rows, rows


@therapists_only
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    """The program editor. Saving writes a new version; the patient sees it at once."""
    program = get_object_or_404(Program.objects.select_related("patient"), pk=pk)
    if program.status != Program.Status.ACTIVE:
        messages.error(request, services.ERRORS["ended"])
        return redirect("exercises_staff:patient", program.patient_id)
    return _editor(request, program.patient, program)


@therapists_only
@require_http_methods(["GET", "POST"])
def new(request, pk):
    """A program from scratch: the same editor, for version 1."""
    patient = get_object_or_404(Patient, pk=pk)
    return _editor(request, patient, None)


def _new_title(request, patient, program) -> dict:
    """The title typed on the assign form, for the editor of that patient's new program."""
    carried = request.session.get(NEW_TITLE) or {}
    if program is None and carried.get("patient") == patient.pk:
        return {"title": carried.get("title", "")}
    return {}


def _blank_plan(request) -> tuple[list[dict], list[dict]]:
    """One four-week phase from the day chosen on the assign form (today if none or odd)."""
    form = AssignForm({"starts_on": request.GET.get("starts_on", "")})
    first = form.cleaned_data["starts_on"] if form.is_valid() else clinic_today()
    return [
        {"name": "Phase 1", "starts_on": first, "ends_on": first + timedelta(weeks=4, days=-1)}
    ], []


def _editor(request, patient, program):
    version = selectors.current_version(program) if program else None
    choices = exercise_choices()
    if version is not None:
        # Exercises no longer offered stay choosable in the program that already has them.
        kept = [
            (p.exercise_id, f"{p.exercise.name} (no longer in the library)")
            for p in version.prescriptions.all()
            if not p.exercise.active
        ]
        if kept:
            choices = [*choices, ("Kept from this program", kept)]
    phase_initial, rows_initial = _initial(version) if version else _blank_plan(request)
    data = request.POST if request.method == "POST" else None
    phases = PhaseFormSet(data, prefix="phase", initial=None if data else phase_initial)
    meta = EditMetaForm(data, new=program is None, initial=_new_title(request, patient, program))
    kwargs = {"exercises": choices, "phases": _phase_choices(phases.forms)}
    rows = PrescriptionFormSet(
        data, prefix="rx", initial=None if data else rows_initial, form_kwargs=kwargs
    )
    status = 200
    if data is not None:
        if (
            phases.is_valid()
            and rows.is_valid()
            and meta.is_valid()
            and _phases_known(phases, rows)
        ):
            try:
                program, saved = _save(request, patient, program, phases, rows, meta)
            except services.ProgramError as error:
                messages.error(request, error.message)
                status = 400
            else:
                audit(
                    user=request.user,
                    action=AuditEvent.Action.CREATE
                    if saved.number == 1
                    else AuditEvent.Action.CHANGE,
                    obj=program,
                    summary=f"version {saved.number}: {saved.change_note}"[:300],
                )
                request.session.pop(NEW_TITLE, None)
                told = (
                    "The patient is told by email."
                    if meta.cleaned_data["notify"]
                    else "No email was sent; the portal shows it."
                )
                messages.success(request, f"Saved as version {saved.number}. {told}")
                _warn_if_long(request, saved)
                return redirect("exercises_staff:patient", patient.pk)
        else:
            status = 400
            messages.error(request, "Please correct the marked fields.")
    audit(
        user=request.user,
        action=AuditEvent.Action.VIEW,
        obj=program or patient,
        patient=patient,
        summary="program editor",
    )
    return TemplateResponse(
        request,
        "exercises/staff/edit.html",
        {
            "program": program,
            "patient": patient,
            "version": version,
            "phases": phases,
            "rows": rows,
            "meta": meta,
            "max_exercises": services.exercise_settings().max_exercises,
        },
        status=status,
    )


def _kept(form) -> bool:
    return bool(form.cleaned_data) and not form.cleaned_data.get("DELETE")


def _phases_known(phase_set, row_set) -> bool:
    """Every exercise row names a phase that is kept; a row that does not is marked where the
    therapist is looking, not only in the banner."""
    kept = {i for i, form in enumerate(phase_set.forms) if _kept(form)}
    known = True
    for form in row_set.forms:
        if _kept(form) and form.cleaned_data["phase"] not in kept:
            form.add_error("phase", "This phase is removed or empty: choose another.")
            known = False
    return known


def _save(request, patient, program, phase_set, row_set, meta):
    kept_phases: dict[int, int] = {}
    phases = []
    for index, form in enumerate(phase_set.forms):
        if not form.cleaned_data or form.cleaned_data.get("DELETE"):
            continue
        kept_phases[index] = len(phases)
        data = form.cleaned_data
        phases.append(services.PhaseData(data["name"], data["starts_on"], data["ends_on"]))
    exercises = {e.pk: e for e in Exercise.objects.all()}
    rows = []
    for form in row_set.ordered_forms if row_set.can_order else row_set.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        if data["phase"] not in kept_phases:
            raise services.ProgramError("unknown_phase")
        exercise = exercises.get(data["exercise"])
        if exercise is None:
            raise services.ProgramError("no_exercise")
        rows.append(
            services.PrescriptionData(
                exercise=exercise,
                phase=kept_phases[data["phase"]],
                dosage=form.dosage(),
                note=data["note"],
            )
        )
    if program is None:
        program = services.program_assign(
            patient=patient,
            user=request.user,
            starts_on=phases[0].starts_on if phases else clinic_today(),
            title=meta.cleaned_data["title"],
            phases=phases,
            prescriptions=rows,
            notify=meta.cleaned_data["notify"],
        )
        return program, program.current
    version = services.program_revise(
        program=program,
        user=request.user,
        phases=phases,
        prescriptions=rows,
        change_note=meta.cleaned_data["change_note"],
        notify=meta.cleaned_data["notify"],
    )
    return program, version


@therapists_only
def version_detail(request, pk, number=None):
    """One version as written, or (?on=YYYY-MM-DD) what the patient had on a given day, with
    each exercise's instructions as they stood then."""
    program = get_object_or_404(Program.objects.select_related("patient"), pk=pk)
    on = None
    if number is None:
        try:
            on = date.fromisoformat(request.GET.get("on", ""))
        except ValueError:
            on = None
        if on is None or not program.created_at.year - 1 <= on.year <= clinic_today().year + 5:
            messages.error(request, "Choose a valid date (YYYY-MM-DD) while the program ran.")
            return redirect("exercises_staff:patient", program.patient_id)
        version = selectors.version_on(program, on)
        if version is None:
            messages.error(request, f"The program did not exist yet on {on:%B %-d, %Y}.")
            return redirect("exercises_staff:patient", program.patient_id)
    else:
        version = selectors.version_numbered(program, number)
        if version is None:
            return redirect("exercises_staff:patient", program.patient_id)
    when = version.created_at
    if on is not None:
        when = datetime.combine(on + timedelta(days=1), time(0), tzinfo=clinic_zone())
    rows = [(p, selectors.exercise_as_of(p.exercise, when)) for p in version.prescriptions.all()]
    audit(
        user=request.user,
        action=AuditEvent.Action.HISTORY,
        obj=program,
        summary=f"version {version.number}" + (f" as on {on}" if on else ""),
    )
    return TemplateResponse(
        request,
        "exercises/staff/version.html",
        {
            "program": program,
            "patient": program.patient,
            "version": version,
            "rows": rows,
            "on": on,
        },
    )


@therapists_only
@require_POST
def resolve_flag(request, pk):
    flag = get_object_or_404(PainFlag.objects.select_related("program"), pk=pk)
    # One line, whatever was pasted (a line break would end up in the audit summary).
    note = " ".join(request.POST.get("resolution", "").split())[:300]
    if not services.flag_resolve(flag=flag, user=request.user, resolution=note):
        messages.info(request, f"The flag on {flag.exercise} was already resolved.")
        return redirect("exercises_staff:patient", flag.program.patient_id)
    audit(
        user=request.user,
        action=AuditEvent.Action.CHANGE,
        obj=flag.program,
        summary=f"pain flag on {flag.exercise} resolved",
    )
    messages.success(request, f"Flag on {flag.exercise} resolved: the patient can do it again.")
    return redirect("exercises_staff:patient", flag.program.patient_id)


@therapists_only
@require_http_methods(["GET", "POST"])
def end(request, pk):
    """GET: what ending means, with the button. POST: end it (no undo; the history stays)."""
    program = get_object_or_404(Program.objects.select_related("patient"), pk=pk)
    if request.method == "GET":
        if program.status != Program.Status.ACTIVE:
            messages.info(request, f"{program.title} had already ended.")
            return redirect("exercises_staff:patient", program.patient_id)
        return TemplateResponse(
            request, "exercises/staff/end.html", {"program": program, "patient": program.patient}
        )
    if not services.program_end(program=program):
        messages.info(request, f"{program.title} had already ended.")
        return redirect("exercises_staff:patient", program.patient_id)
    audit(user=request.user, action=AuditEvent.Action.CHANGE, obj=program, summary="program ended")
    messages.success(request, f"{program.title} ended. Its history stays in the record.")
    return redirect("exercises_staff:patient", program.patient_id)


@therapists_only
def handout_pdf(request, pk):
    program = get_object_or_404(Program.objects.select_related("patient"), pk=pk)
    audit(user=request.user, action=AuditEvent.Action.EXPORT, obj=program, summary="handout PDF")
    return pdf_response(handout.render_pdf(program), f"exercises-{program.patient.reference}.pdf")


@therapists_only
def fhir_export(request, pk):
    program = get_object_or_404(Program.objects.select_related("patient"), pk=pk)
    version = selectors.current_version(program)
    bundle = fhir.program_bundle(program, version)
    audit(user=request.user, action=AuditEvent.Action.EXPORT, obj=program, summary="FHIR CarePlan")
    response = HttpResponse(
        bundle.model_dump_json(indent=2, exclude_none=True), content_type="application/fhir+json"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="careplan-{program.patient.reference}.json"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


def program_url(patient) -> str:
    return reverse("exercises_staff:patient", args=[patient.pk])
