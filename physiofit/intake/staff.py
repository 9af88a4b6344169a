"""Staff pages in the Wagtail admin: screening alerts and review, a patient's outcome measures
(chart, change from baseline, MCID), sending and scheduling measures, questionnaire answers.

All of it needs the clinical permission, and every view or change is audit-logged."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from physiofit.booking.models import Patient
from physiofit.core.models import AuditEvent, audit, clinic_today
from physiofit.core.text import validate_single_line

from . import instruments, portal, schedules, selectors, services, triage
from .models import TIER_CHOICES, MeasureSchedule, Questionnaire, Screening

PERMISSION = "intake.view_clinical_record"
TIER_LABELS = dict(TIER_CHOICES)
clinical_only = permission_required(PERMISSION, raise_exception=True)


def measure_choices() -> list[tuple[str, str]]:
    return [(code, i.name) for code, i in services.available().items() if i.is_measure]


class SendMeasureForm(forms.Form):
    instrument = forms.ChoiceField(label="Measure")
    label = forms.CharField(
        max_length=80,
        required=False,
        label="Occasion",
        help_text="e.g. At intake, Visit 4",
        validators=[validate_single_line],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = measure_choices()


class ScheduleForm(forms.Form):
    instrument = forms.ChoiceField(label="Measure")
    every_days = forms.IntegerField(
        min_value=7, max_value=180, required=False, label="Every (days)"
    )
    every_visits = forms.IntegerField(
        min_value=1, max_value=20, required=False, label="or after every (visits)"
    )
    last_day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Until")

    def clean(self):
        data = super().clean()
        given = [k for k in ("every_days", "every_visits") if data.get(k) is not None]
        if (
            len(given) != 1
            and not self.has_error("every_days")
            and not self.has_error("every_visits")
        ):
            raise forms.ValidationError(
                "Repeat either every so many days or after every so many visits (one of the two)."
            )
        return data

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = measure_choices()

    def clean_last_day(self):
        value = self.cleaned_data["last_day"]
        today = clinic_today()
        if value <= today:
            raise forms.ValidationError("Choose a day after today.")
        if value > today + timedelta(days=366):
            raise forms.ValidationError("Schedule at most a year ahead.")
        return value


@clinical_only
def patient_outcomes(request, pk, send_form=None, schedule_form=None, status=200):
    patient = get_object_or_404(Patient, pk=pk)
    audit(user=request.user, action=AuditEvent.Action.VIEW, obj=patient, summary="outcome measures")
    names = {code: i.name for code, i in instruments.definitions().items()}
    questionnaires = list(patient.questionnaires.select_related("appointment")[:50])
    for q in questionnaires:
        q.instrument_name = names.get(q.instrument, q.instrument)
    return TemplateResponse(
        request,
        "intake/staff/outcomes.html",
        {
            "patient": patient,
            "series": selectors.outcome_series(patient=patient),
            "questionnaires": questionnaires,
            "schedules": patient.measure_schedules.filter(active=True),
            "send_form": send_form or SendMeasureForm(),
            "schedule_form": schedule_form or ScheduleForm(),
            "unlicensed": [
                i.name
                for code, i in instruments.definitions().items()
                if i.is_measure and code not in services.available()
            ],
        },
        status=status,
    )


def _post_measure_form(request, pk, form_class, form_name: str, write, done: str):
    """Validate one of the outcome page's forms and run `write(patient, data)`, which returns
    the row it created and an audit summary; then audit and go back to the page. A refusal
    shows the page again with the form's errors (400)."""
    patient = get_object_or_404(Patient, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            created, summary = write(patient, form.cleaned_data)
        except services.IntakeError as error:
            form.add_error("instrument", error.message)
        else:
            audit(user=request.user, action=AuditEvent.Action.CREATE, obj=created, summary=summary)
            messages.success(request, done)
            return redirect("intake_staff:outcomes", pk)
    return patient_outcomes(request, pk, **{form_name: form}, status=400)


@clinical_only
@require_POST
def send_measure(request, pk):
    def write(patient, data):
        questionnaire = services.questionnaire_send(
            patient=patient,
            instrument=data["instrument"],
            label=data["label"],
            sent_by=request.user,
        )
        return questionnaire, f"sent {questionnaire.instrument}"

    return _post_measure_form(
        request,
        pk,
        SendMeasureForm,
        "send_form",
        write,
        "Sent. The patient gets an email with a sign-in link.",
    )


@clinical_only
@require_POST
def schedule_measure(request, pk):
    def write(patient, data):
        schedule = schedules.schedule_create(
            patient=patient,
            instrument=data["instrument"],
            every_days=data["every_days"],
            every_visits=data["every_visits"],
            last_day=data["last_day"],
            created_by=request.user,
            today=clinic_today(),
        )
        return schedule, "scheduled"

    return _post_measure_form(
        request,
        pk,
        ScheduleForm,
        "schedule_form",
        write,
        "Scheduled. The first one was sent now.",
    )


@clinical_only
@require_POST
def schedule_stop(request, pk):
    schedule = get_object_or_404(MeasureSchedule, pk=pk)
    schedule.active = False
    schedule.save(update_fields=["active"])
    audit(user=request.user, action=AuditEvent.Action.CHANGE, obj=schedule, summary="stopped")
    messages.success(request, "Schedule stopped.")
    return redirect("intake_staff:outcomes", schedule.patient_id)


@clinical_only
def questionnaire_detail(request, pk):
    questionnaire = get_object_or_404(
        Questionnaire.objects.select_related("patient", "appointment"), pk=pk
    )
    audit(user=request.user, action=AuditEvent.Action.VIEW, obj=questionnaire)
    return TemplateResponse(
        request,
        "intake/staff/questionnaire.html",
        {
            "questionnaire": questionnaire,
            "instrument": instruments.get(questionnaire.instrument),
            "rows": selectors.intake_rows(questionnaire, services.available()),
        },
    )


@clinical_only
@require_POST
def screening_reviewed(request, pk):
    screening = get_object_or_404(Screening, pk=pk)
    services.screening_mark_reviewed(screening=screening, user=request.user)
    audit(user=request.user, action=AuditEvent.Action.CHANGE, obj=screening, summary="reviewed")
    messages.success(request, "Marked as reviewed.")
    if screening.appointment_id:
        return redirect("booking_calendar:appointment", screening.appointment_id)
    return redirect("intake_staff:screenings")


@clinical_only
def screenings(request):
    """Screening alerts: bookings waiting for clinician review, and recent emergency results
    (which name no patient: the patient was told to seek care and did not book)."""
    since = timezone.now() - timedelta(days=30)
    context = selectors.screening_alerts(since=since)
    audit(
        user=request.user,
        action=AuditEvent.Action.VIEW,
        object_type="intake.screening",
        object_id="alerts",
        summary=f"{len(context['pending'])} pending, {len(context['emergencies'])} emergencies",
    )
    flags = triage.red_flags()
    texts = {q.key: q.text for q in flags.questions}
    rules = [
        {"tier": TIER_LABELS[r.tier], "questions": [texts[k] for k in r.when], "reason": r.reason}
        for r in flags.rules
    ]
    return TemplateResponse(
        request, "intake/staff/screenings.html", {**context, "flags": flags, "rules": rules}
    )


@clinical_only
def email_change_approve(request, pk):
    """GET: the record's email changes that wait for a clinician, with who made them and when.
    POST: approve the current address, so sign-in links and held emails go to it again."""
    patient = get_object_or_404(Patient, pk=pk)
    if request.method == "POST":
        shown = request.POST.get("last_change", "")
        try:
            portal.portal_email_change_approve(
                patient=patient,
                user=request.user,
                email=request.POST.get("email", ""),
                last_change_id=int(shown) if shown.isdigit() and len(shown) < 12 else 0,
            )
        except services.IntakeError as error:
            messages.error(request, error.message)
            if error.code == "approval_stale":
                return redirect("intake_staff:email_approve", patient.pk)
        else:
            patient.refresh_from_db()
            messages.success(
                request, f"Approved {patient.email}: sign-in links and held emails go to it now."
            )
        return redirect("patients:inspect", patient.pk)
    audit(
        user=request.user,
        action=AuditEvent.Action.VIEW,
        obj=patient,
        summary="email changes awaiting approval",
    )
    pending = selectors.email_changes_pending(patient=patient)
    return TemplateResponse(
        request,
        "intake/staff/email_change.html",
        {
            "patient": patient,
            "pending": pending,
            "last_change_id": max((change.pk for change in pending), default=0),
        },
    )
