"""The patient's home exercises in the portal: today's exercises with a session log each, the
whole program, the next phase, reminders, and the printable handout. Phone first; no script
needed. Every page needs a portal session and shows only the signed-in patient's program."""

from datetime import date, timedelta

from django import forms
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from physiofit.core.downloads import pdf_response
from physiofit.core.models import AuditEvent, audit, clinic_today
from physiofit.intake.views import portal_patient

from . import handout, selectors, services
from .models import Prescription, Program

SCALE = [(n, str(n)) for n in range(11)]
# What the patient was just told after logging, shown once (kept in the session, not the URL).
SESSION_RESULT = "exercise_log_result"


class SessionLogForm(forms.Form):
    performed_on = forms.TypedChoiceField(label="When", coerce=str)
    sets_done = forms.IntegerField(label="Sets done", min_value=0, max_value=20, required=False)
    pain_during = forms.TypedChoiceField(
        label="Pain during the exercise", choices=SCALE, coerce=int, widget=forms.RadioSelect
    )
    effort = forms.TypedChoiceField(
        label="How hard it felt",
        choices=SCALE,
        coerce=int,
        widget=forms.RadioSelect,
        required=False,
        empty_value=None,
    )
    settled_by_morning = forms.TypedChoiceField(
        label="Had the pain from your last session settled by the next morning?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        required=False,
        empty_value=None,
    )
    comment = forms.CharField(
        label="Anything to tell your therapist?",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, today, ask_settled: bool, **kwargs):
        super().__init__(*args, **kwargs)
        days = [today - timedelta(days=n) for n in range(services.LOG_BACKDATE_DAYS + 1)]
        labels = {0: "Today", 1: "Yesterday"}
        self.fields["performed_on"].choices = [
            (d.isoformat(), labels.get(n, d.strftime("%A %B %-d"))) for n, d in enumerate(days)
        ]
        self.fields["performed_on"].initial = today.isoformat()
        if ask_settled:
            self.fields["settled_by_morning"].required = True
        else:
            del self.fields["settled_by_morning"]

    def clean_performed_on(self):
        return date.fromisoformat(self.cleaned_data["performed_on"])


def _render(request, template: str, context: dict, status: int = 200) -> TemplateResponse:
    response = TemplateResponse(request, f"exercises/{template}.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def _program(patient) -> Program | None:
    return selectors.patient_program(patient)


def _page(request, patient, program, *, forms_by_id=None, status=200):
    today = clinic_today()
    version = selectors.current_version(program)
    items = selectors.today_plan(program, version, today)
    forms_by_id = forms_by_id or {}
    for item in items:
        item.form = forms_by_id.get(item.prescription.pk) or SessionLogForm(
            today=today,
            ask_settled=item.ask_settled,
            prefix=f"p{item.prescription.pk}",
            initial={"sets_done": item.prescription.sets},
        )
    return _render(
        request,
        "portal_program",
        {
            "patient": patient,
            "program": program,
            "version": version,
            "today": today,
            "items": items,
            "next_phase": selectors.next_phase(version, today),
            "result": request.session.pop(SESSION_RESULT, None),
            "hours": [(h, f"{(h % 12) or 12}:00 {'AM' if h < 12 else 'PM'}") for h in range(5, 23)],
        },
        status=status,
    )


def _signed_in(request):
    patient = portal_patient(request)
    if patient is None:
        return None, HttpResponseRedirect(reverse("intake:portal"))
    return patient, None


@require_GET
def program(request):
    patient, redirect = _signed_in(request)
    if redirect:
        return redirect
    program = _program(patient)
    if program is None:
        return _render(request, "portal_no_program", {"patient": patient})
    return _page(request, patient, program)


@require_POST
def log_session(request, pk):
    patient, redirect = _signed_in(request)
    if redirect:
        return redirect
    # Only the signed-in patient's own active program: anyone else's row is simply not found.
    prescription = get_object_or_404(
        Prescription.objects.select_related("exercise", "version__program"),
        pk=pk,
        version__program__patient=patient,
        version__program__status=Program.Status.ACTIVE,
    )
    program = prescription.version.program
    current = program.current
    if current is None or prescription.version_id != current.pk:
        request.session[SESSION_RESULT] = {
            "tone": "caution",
            "text": "Your program changed while this page was open. Here is the new one; "
            "please log that session again.",
        }
        return HttpResponseRedirect(reverse("exercises:portal"))
    today = clinic_today()
    item = next(
        (i for i in selectors.today_plan(program, current, today) if i.prescription.pk == pk), None
    )
    ask_settled = bool(item and item.ask_settled)
    form = SessionLogForm(request.POST, today=today, ask_settled=ask_settled, prefix=f"p{pk}")
    if item is not None and item.flag is not None:
        return _page(request, patient, program, status=409)
    if not form.is_valid():
        return _page(request, patient, program, forms_by_id={pk: form}, status=400)
    data = form.cleaned_data
    try:
        _log, flag = services.session_log(
            program=program,
            prescription=prescription,
            performed_on=data["performed_on"],
            today=today,
            pain_during=data["pain_during"],
            sets_done=data["sets_done"],
            effort=data["effort"],
            comment=data["comment"],
            settled_by_morning=data.get("settled_by_morning"),
        )
    except services.ProgramError as error:
        form.add_error(None, error.message)
        return _page(request, patient, program, forms_by_id={pk: form}, status=400)
    name = prescription.exercise.name
    if flag is not None:
        request.session[SESSION_RESULT] = {
            "tone": "caution",
            "title": f"Please stop {name} for now",
            "text": f"{flag.detail}. That is more than this exercise should cause. Carry on with "
            "the others if they feel fine, and contact the clinic so your therapist can adjust "
            "it. Your therapist can see this too.",
            "call": True,
        }
    else:
        request.session[SESSION_RESULT] = {"tone": "success", "text": f"Saved: {name}. Well done."}
    return HttpResponseRedirect(reverse("exercises:portal") + "#result")


@require_POST
def reminders(request):
    patient, redirect = _signed_in(request)
    if redirect:
        return redirect
    program = get_object_or_404(Program, patient=patient, status=Program.Status.ACTIVE)
    value = request.POST.get("hour", "")
    if value == "off":
        hour = None
    else:
        try:
            hour = int(value)
        except ValueError:
            hour = -1
    try:
        services.reminder_set(program=program, hour=hour)
    except services.ProgramError as error:
        request.session[SESSION_RESULT] = {"tone": "error", "text": error.message}
        return HttpResponseRedirect(reverse("exercises:portal") + "#reminders")
    request.session[SESSION_RESULT] = {
        "tone": "success",
        "text": "Reminders switched off." if hour is None else "Reminder time saved.",
    }
    return HttpResponseRedirect(reverse("exercises:portal") + "#reminders")


@require_http_methods(["GET"])
def handout_pdf(request):
    patient, redirect = _signed_in(request)
    if redirect:
        return redirect
    program = _program(patient)
    if program is None:
        return HttpResponseRedirect(reverse("exercises:portal"))
    audit(
        user=None,
        action=AuditEvent.Action.EXPORT,
        obj=program,
        summary="handout downloaded by the patient",
        actor_name="patient (portal)",
    )
    return pdf_response(handout.render_pdf(program), "exercise-program.pdf")
