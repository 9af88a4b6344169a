"""The clinical record in the admin: a patient's episodes of care with their diagnoses, and the
notes written in them (start from the visit, edit the draft, sign, add an addendum).

Reading needs the clinical permission; writing also needs `care.write_note`. Every view and
change is audit-logged."""

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods, require_POST

from physiofit.booking.models import Appointment, Patient
from physiofit.core.downloads import pdf_response
from physiofit.core.models import AuditEvent, audit, clinic_today
from physiofit.core.ratelimit import over_limit_for

from . import billing, documents, fhir, objective, selectors, services
from .forms import (
    AddendumForm,
    DischargeForm,
    EpisodeForm,
    EpisodeTitleForm,
    FindingsForm,
    GoalForm,
    GoalOutcomeForm,
    InterventionFormSet,
    NoteForm,
    PlanForm,
    SignForm,
)
from .models import Episode, Note

READ = "intake.view_clinical_record"
WRITE = "care.write_note"


def _needs(*perms):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perms(perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


readers = _needs(READ)
writers = _needs(READ, WRITE)
# The plan of care and its goals are a physical therapist's to set (as are evaluations).
planners = _needs(READ, WRITE, services.COSIGN)


# Wrong signing passwords a session may give in 15 minutes before it is ended: a session left
# open on a shared computer must not become a way to guess the therapist's password.
SIGN_FAILURES_ALLOWED = 5


def _wrong_password(request, note) -> HttpResponse | None:
    """Count a wrong signing password; past the limit, sign the session out."""
    identity = f"user:{request.user.pk}"
    if not over_limit_for(
        identity, scope="care-sign", limit=SIGN_FAILURES_ALLOWED, window_seconds=900
    ):
        return None
    audit(
        user=request.user,
        action=AuditEvent.Action.DENIED,
        obj=note,
        summary="too many wrong signing passwords: signed out",
    )
    logout(request)
    return redirect("wagtailadmin_login")


def _page(request, template: str, context: dict, status: int = 200) -> TemplateResponse:
    response = TemplateResponse(request, f"care/staff/{template}.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


# --- The patient's clinical record ----------------------------------------------------------


@readers
def record(request, pk):
    """Episodes, diagnoses (with a code search for the open one) and notes."""
    patient = get_object_or_404(Patient, pk=pk)
    query = request.GET.get("q", "")[:80]
    found = services.icd_search(query) if query else []
    audit(user=request.user, action=AuditEvent.Action.VIEW, obj=patient, summary="clinical record")
    return _page(
        request,
        "record",
        {
            "patient": patient,
            "episodes": [(e, selectors.episode_notes(e)) for e in selectors.episodes(patient)],
            "open_episode": services.open_episode(patient),
            "episode_form": EpisodeForm(initial={"opened_on": clinic_today()}),
            "query": query,
            "found": found,
            "can_write": request.user.has_perm(WRITE),
        },
    )


@writers
@require_POST
def episode_open(request, pk):
    patient = get_object_or_404(Patient, pk=pk)
    form = EpisodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the episode a title and a first day.")
        return redirect("care_staff:record", patient.pk)
    episode = services.episode_open(patient=patient, user=request.user, **form.cleaned_data)
    audit(user=request.user, action=AuditEvent.Action.CREATE, obj=episode)
    messages.success(request, f"Episode opened: {episode.title}.")
    return redirect("care_staff:record", patient.pk)


@writers
@require_POST
def diagnosis_add(request, pk):
    episode = get_object_or_404(Episode.objects.select_related("patient"), pk=pk)
    try:
        diagnosis = services.diagnosis_add(episode=episode, code=request.POST.get("code", ""))
    except services.CareError as error:
        messages.error(request, error.message)
    else:
        audit(
            user=request.user,
            action=AuditEvent.Action.CHANGE,
            obj=episode,
            summary=f"diagnosis added: {diagnosis.code}",
        )
        messages.success(request, f"Added {diagnosis.code} {diagnosis.description}.")
    return redirect("care_staff:record", episode.patient_id)


@writers
@require_POST
def diagnosis_remove(request, pk, diagnosis_pk):
    episode = get_object_or_404(Episode.objects.select_related("patient"), pk=pk)
    try:
        removed = services.diagnosis_remove(episode=episode, diagnosis_id=diagnosis_pk)
    except services.CareError as error:
        messages.error(request, error.message)
    else:
        if removed is not None:
            audit(
                user=request.user,
                action=AuditEvent.Action.CHANGE,
                obj=episode,
                summary=f"diagnosis removed: {removed.code}",
            )
            messages.success(request, f"Removed {removed.code}.")
    return redirect("care_staff:record", episode.patient_id)


# --- Notes ----------------------------------------------------------------------------------


@writers
@require_POST
def note_start(request, pk, kind="daily"):
    """From the visit's page, one click: this visit's note of the kind (daily, evaluation,
    progress, discharge), new or the one already started."""
    appointment = get_object_or_404(Appointment.objects.select_related("patient"), pk=pk)
    existed = Note.objects.filter(appointment=appointment, kind=kind).exists()
    try:
        if kind == Note.Kind.EVALUATION:
            note = services.evaluation_start(appointment=appointment, user=request.user)
        else:
            note = services.note_start(appointment=appointment, user=request.user, kind=kind)
    except services.CareError as error:
        messages.error(request, error.message)
        return redirect("care_staff:record", appointment.patient_id)
    if not existed:
        audit(
            user=request.user,
            action=AuditEvent.Action.CREATE,
            obj=note,
            summary=f"{note.get_kind_display().lower()} for {appointment.reference}",
        )
    return redirect("care_staff:note", note.pk)


def _intervention_initial(note: Note) -> list[dict]:
    return [
        {"code": i.code, "minutes": i.minutes or None, "detail": i.detail}
        for i in note.interventions.all()
    ]


@readers
@require_http_methods(["GET", "POST"])
def note(request, pk):
    """A note: its draft editor for the author, the signed note (with addenda) for anyone
    who may read the record."""
    note = selectors.note_detail(pk)
    if note is None:
        raise Http404("No such note.")
    patient = note.episode.patient
    editable = not note.is_signed and note.author_id == request.user.pk
    editable = editable and request.user.has_perm(WRITE)
    data = request.POST if request.method == "POST" else None
    if data is not None and not editable:
        raise PermissionDenied
    discharge = note.kind == Note.Kind.DISCHARGE
    initial = {k: getattr(note, k) for k in ("subjective", "objective", "assessment", "plan")}
    if discharge:
        initial["discharge_reason"] = note.discharge_reason
    form = (DischargeForm if discharge else NoteForm)(data, initial=initial)
    findings = FindingsForm(data, prefix="f", initial=note.findings)
    reassessing = note.kind in (Note.Kind.PROGRESS, Note.Kind.DISCHARGE)
    goals = GoalOutcomeForm(
        data,
        prefix="g",
        goals=note.episode.goals.all() if reassessing and editable else (),
        judged={a.goal_id: a.outcome for a in note.goal_assessments.all()},
    )
    rows = InterventionFormSet(
        data, prefix="cpt", initial=None if data else _intervention_initial(note)
    )
    status = 200
    if data is not None:
        if all(f.is_valid() for f in (form, rows, findings, goals)):
            items = [
                services.InterventionData(r["code"], r.get("minutes") or 0, r.get("detail", ""))
                for r in rows.cleaned_data
                if r and not r.get("DELETE")
            ]
            try:
                services.note_save(
                    note=note,
                    user=request.user,
                    fields=form.cleaned_data,
                    interventions=items,
                    findings=findings.values(),
                    goal_outcomes=goals.outcomes(),
                )
            except services.CareError as error:
                messages.error(request, error.message)
                status = 400
            else:
                audit(
                    user=request.user,
                    action=AuditEvent.Action.CHANGE,
                    obj=note,
                    summary="draft saved",
                )
                if request.POST.get("action") == "sign":
                    # One click saves what was typed, then signs: a refused signature (a wrong
                    # password, no assessment) leaves the saved draft, never lost text.
                    return _sign(request, note, SignForm(request.POST, prefix="sign"))
                messages.success(request, "Draft saved. Sign it when it is complete.")
                return redirect("care_staff:note", note.pk)
        else:
            status = 400
            messages.error(request, "Please correct the marked fields.")
    else:
        audit(
            user=request.user,
            action=AuditEvent.Action.VIEW,
            obj=note,
            summary=str(note),
        )
    interventions = list(note.interventions.all())
    return _page(
        request,
        "note",
        {
            "note": note,
            "patient": patient,
            "editable": editable,
            "form": form,
            "findings": findings,
            "finding_rows": objective.rows(note.findings),
            "goals_form": goals,
            # A draft shows the measures as they are now; a signed note, what it said.
            "outcomes": services.episode_outcomes(note.episode) if reassessing and editable else [],
            "assessments": list(note.goal_assessments.all()),
            "rows": rows,
            "interventions": interventions,
            "total_units": sum(i.units for i in interventions),
            "timed_minutes": sum(i.minutes for i in interventions if i.code in billing.TIMED_CODES),
            "sign_form": SignForm(prefix="sign"),
            "addendum_form": AddendumForm(),
            "rule": services.care_settings().get_billing_rule_display(),
        },
        status=status,
    )


def _signed_with_password(request, note, act, *, done: str, refused: str, message: str):
    """Run a write that needs the user's password (signing, an addendum): audited either way;
    wrong passwords are counted and end the session past the limit."""
    try:
        act()
    except services.CareError as error:
        audit(
            user=request.user,
            action=AuditEvent.Action.DENIED,
            obj=note,
            summary=f"{refused} ({error.code})",
        )
        if error.code == "bad_password" and (ended := _wrong_password(request, note)):
            return ended
        messages.error(request, error.message)
        return redirect("care_staff:note", note.pk)
    audit(user=request.user, action=AuditEvent.Action.CHANGE, obj=note, summary=done)
    messages.success(request, message)
    return redirect("care_staff:note", note.pk)


@writers
@require_POST
def note_sign(request, pk):
    note = get_object_or_404(Note.objects.select_related("episode__patient"), pk=pk)
    return _sign(request, note, SignForm(request.POST))


def _sign(request, note, form):
    def sign():
        if not form.is_valid():
            raise services.CareError("bad_password")
        services.note_sign(note=note, user=request.user, password=form.cleaned_data["password"])

    return _signed_with_password(
        request,
        note,
        sign,
        done="signed",
        refused="sign refused",
        message="Signed. The note is locked; later changes are addenda.",
    )


@writers
@require_POST
def addendum(request, pk):
    note = get_object_or_404(Note.objects.select_related("episode__patient"), pk=pk)
    form = AddendumForm(request.POST)

    def add():
        if not form.is_valid():
            raise services.CareError("addendum_empty" if form.has_error("text") else "bad_password")
        services.addendum_add(
            note=note,
            user=request.user,
            text=form.cleaned_data["text"],
            password=form.cleaned_data["password"],
        )

    return _signed_with_password(
        request,
        note,
        add,
        done="addendum signed",
        refused="addendum refused",
        message="Addendum signed and added under the note.",
    )


@writers
@require_POST
def note_cosign(request, pk):
    note = get_object_or_404(Note.objects.select_related("episode__patient"), pk=pk)
    form = SignForm(request.POST)

    def cosign():
        if not form.is_valid():
            raise services.CareError("bad_password")
        services.note_cosign(note=note, user=request.user, password=form.cleaned_data["password"])

    return _signed_with_password(
        request,
        note,
        cosign,
        done="co-signed",
        refused="co-sign refused",
        message="Co-signed. The note is complete.",
    )


# --- The episode: plan of care, goals, the series of visits, outcomes -----------------------


def _episode_or_404(pk) -> Episode:
    return get_object_or_404(
        Episode.objects.select_related("patient").prefetch_related("diagnoses", "goals"), pk=pk
    )


def _plan_initial(episode: Episode) -> dict:
    plan = getattr(episode, "plan", None)
    if plan is None:
        return {
            "visits_per_week": 2,
            "weeks": 6,
            "starts_on": episode.opened_on,
            "certified_through": episode.opened_on
            + timedelta(days=services.CERTIFICATION_DAYS - 1),
        }
    return {
        "visits_per_week": plan.visits_per_week,
        "weeks": plan.weeks,
        "starts_on": plan.starts_on,
        "certified_through": plan.certified_through,
        "planned_codes": plan.planned_codes,
        "interventions": plan.interventions,
    }


def _episode_page(request, episode, *, status=200, **forms):
    audit(user=request.user, action=AuditEvent.Action.VIEW, obj=episode, summary="episode of care")
    context = {
        "episode": episode,
        "patient": episode.patient,
        "plan": getattr(episode, "plan", None),
        "goals": list(episode.goals.all()),
        "notes": selectors.episode_notes(episode),
        "outcomes": services.episode_outcomes(episode),
        "progress": services.progress_due(episode) if episode.is_open else None,
        "upcoming": selectors.upcoming_visits(episode.patient),
        "visits_left": services.plan_visits_left(episode),
        "can_write": request.user.has_perm(WRITE),
        "can_plan": request.user.has_perms([WRITE, services.COSIGN]),
        "plan_form": forms.get("plan_form") or PlanForm(initial=_plan_initial(episode)),
        "goal_form": forms.get("goal_form") or GoalForm(),
        "title_form": forms.get("title_form") or EpisodeTitleForm(initial={"title": episode.title}),
    }
    latest = {row["code"]: row["last"].value for row in context["outcomes"]}
    context["goal_rows"] = [
        (g, latest.get(g.measure), services.goal_reached(g, latest.get(g.measure)))
        for g in context["goals"]
    ]
    return _page(request, "episode", context, status=status)


@readers
def episode(request, pk):
    return _episode_page(request, _episode_or_404(pk))


def _episode_change(request, pk, form_class, form_name: str, act, *, invalid: str):
    """A change posted from the episode page: the form checked, then the service `act(episode,
    data)` (which returns the message and the audit summary); the page comes back with the
    form as typed and the reason on any refusal."""
    episode = _episode_or_404(pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            message, summary = act(episode, form.cleaned_data)
        except services.CareError as error:
            form.add_error(None, error.message)
            invalid = error.message
        else:
            audit(user=request.user, action=AuditEvent.Action.CHANGE, obj=episode, summary=summary)
            messages.success(request, message)
            return redirect("care_staff:episode", episode.pk)
    messages.error(request, invalid)
    return _episode_page(request, episode, status=400, **{form_name: form})


@writers
@require_POST
def episode_rename(request, pk):
    def rename(episode, data):
        services.episode_rename(episode=episode, title=data["title"])
        return "Episode renamed.", "renamed"

    return _episode_change(
        request,
        pk,
        EpisodeTitleForm,
        "title_form",
        rename,
        invalid="Give the episode a title on one line, up to 120 characters.",
    )


@planners
@require_POST
def plan_save(request, pk):
    def save(episode, data):
        services.plan_save(episode=episode, user=request.user, data=services.PlanData(**data))
        return "Plan of care saved.", "plan of care saved"

    return _episode_change(
        request,
        pk,
        PlanForm,
        "plan_form",
        save,
        invalid="Please correct the marked fields of the plan.",
    )


@planners
@require_POST
def goal_add(request, pk):
    def add(episode, data):
        goal = services.goal_add(episode=episode, **data)
        return f"Goal added: {goal.text}.", "goal added"

    return _episode_change(
        request,
        pk,
        GoalForm,
        "goal_form",
        add,
        invalid="Please correct the marked fields of the goal.",
    )


@planners
@require_POST
def goal_remove(request, pk, goal_pk):
    episode = _episode_or_404(pk)
    try:
        removed = services.goal_remove(episode=episode, goal_id=goal_pk)
    except services.CareError as error:
        messages.error(request, error.message)
    else:
        if removed is not None:
            audit(
                user=request.user,
                action=AuditEvent.Action.CHANGE,
                obj=episode,
                summary="goal removed",
            )
            messages.success(request, f"Goal removed: {removed.text}.")
    return redirect("care_staff:episode", episode.pk)


@readers
def episode_pdf(request, pk):
    """The whole episode printed (plan, goals, measures, every signed note); audited EXPORT."""
    episode = _episode_or_404(pk)
    audit(user=request.user, action=AuditEvent.Action.EXPORT, obj=episode, summary="episode PDF")
    name = f"episode-{episode.patient.reference}-{episode.opened_on:%Y-%m-%d}.pdf"
    return pdf_response(documents.episode_pdf(episode), name)


@readers
def episode_fhir(request, pk):
    """The episode as a FHIR R4 Bundle (validated as it is built); audited EXPORT."""
    episode = _episode_or_404(pk)
    bundle = fhir.episode_bundle(episode)
    audit(user=request.user, action=AuditEvent.Action.EXPORT, obj=episode, summary="FHIR bundle")
    response = HttpResponse(bundle.model_dump_json(indent=2), content_type="application/fhir+json")
    name = f"episode-{episode.patient.reference}-{episode.opened_on:%Y-%m-%d}.fhir.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@readers
def superbill(request, pk):
    """A signed visit note's superbill, for the patient's out-of-network claim; audited EXPORT."""
    note = selectors.note_detail(pk)
    if note is None:
        raise Http404("No such note.")
    if not note.is_complete:
        messages.error(
            request,
            "A superbill is printed from a complete note: signed, and co-signed when an "
            "assistant wrote it.",
        )
        return redirect("care_staff:note", note.pk)
    audit(user=request.user, action=AuditEvent.Action.EXPORT, obj=note, summary="superbill PDF")
    name = f"superbill-{note.episode.patient.reference}-{note.visit_on:%Y-%m-%d}.pdf"
    return pdf_response(documents.superbill_pdf(note), name)


@readers
def note_pdf(request, pk):
    """The note printed (draft marked as such), with the clinic's details; audited EXPORT."""
    note = selectors.note_detail(pk)
    if note is None:
        raise Http404("No such note.")
    audit(
        user=request.user,
        action=AuditEvent.Action.EXPORT,
        obj=note,
        summary=f"{note} PDF",
    )
    name = f"{note.kind}-{note.episode.patient.reference}-{note.visit_on:%Y-%m-%d}.pdf"
    return pdf_response(documents.note_pdf(note), name)
