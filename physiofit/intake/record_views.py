"""Downloads of a patient's record (the patient from the portal, clinical staff from the
chart) and erasure on the patient's request (staff, from the admin). Every one is audited."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from wagtail.models import Site

from physiofit.booking.models import Patient
from physiofit.core.models import AuditEvent, ClinicSettings, audit

from . import record_export, retention
from .staff import clinical_only
from .views import portal_patient

FORMATS = {
    "pdf": ("application/pdf", record_export.record_pdf),
    "json": ("application/json; charset=utf-8", record_export.record_json),
}
ERASE_PERMISSIONS = ("booking.view_patient_record", "booking.delete_patient")


def clinic_for(request) -> ClinicSettings:
    site = Site.find_for_request(request) or Site.objects.filter(is_default_site=True).first()
    return ClinicSettings.for_site(site) if site else ClinicSettings()


def _download(request, patient: Patient, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("No such format.")
    content_type, render = FORMATS[fmt]
    record = record_export.patient_record(patient=patient, clinic=clinic_for(request))
    response = HttpResponse(render(record), content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{record_export.filename(record, fmt)}"'
    )
    # A health record must not stay in a shared browser's or a proxy's cache.
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


@require_http_methods(["GET", "POST"])
def portal_record(request, fmt):
    """The signed-in patient's own record. The patient comes from the session only: no
    parameter of the request can name another one."""
    patient = portal_patient(request)
    if patient is None:
        return HttpResponseRedirect(reverse("intake:portal"))
    response = _download(request, patient, fmt)
    audit(
        user=None,
        actor_name="patient",
        action=AuditEvent.Action.EXPORT,
        obj=patient,
        summary=f"record downloaded by the patient from the portal ({fmt})",
    )
    return response


@clinical_only
@require_http_methods(["GET", "POST"])
def staff_record(request, pk, fmt):
    patient = get_object_or_404(Patient, pk=pk)
    response = _download(request, patient, fmt)
    audit(
        user=request.user,
        action=AuditEvent.Action.EXPORT,
        obj=patient,
        summary=f"record exported ({fmt})",
    )
    return response


@permission_required(ERASE_PERMISSIONS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def erase_on_request(request, pk):
    """GET: whether the record can be erased now, and if not why and from when. POST: erase."""
    patient = get_object_or_404(Patient, pk=pk)
    clinic = clinic_for(request)
    now = timezone.now()
    if request.method == "POST":
        try:
            counts = retention.record_erase_on_request(
                patient=patient, user=request.user, clinic=clinic, now=now
            )
        except retention.RetentionError as error:
            audit(
                user=request.user,
                action=AuditEvent.Action.DENIED,
                obj=patient,
                summary=f"erase on request refused ({error.code})",
            )
            return _erase_page(request, patient, clinic, now, error=error.message, status=409)
        messages.success(
            request,
            "Record erased: "
            + ", ".join(f"{n} {kind}" for kind, n in counts.items())
            + " and the patient's details.",
        )
        return redirect("patients:index")
    audit(
        user=request.user,
        action=AuditEvent.Action.VIEW,
        obj=patient,
        summary="erase on request: retention checked",
    )
    return _erase_page(request, patient, clinic, now)


def _erase_page(request, patient, clinic, now, *, error: str = "", status: int = 200):
    state = retention.patient_retention(patient=patient, clinic=clinic, now=now)
    erasable = state.expired(now.astimezone(clinic.zone).date())
    return TemplateResponse(
        request,
        "intake/staff/erase.html",
        {
            "patient": patient,
            "erasable": erasable,
            "reason": state.reason(clinic.zone),
            "years": state.years,
            "keep_until": retention.long_day(state.keep_until),
            "erasable_from": retention.long_day(state.erasable_from),
            "error": error,
        },
        status=status,
    )
