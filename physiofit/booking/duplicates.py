"""Staff pages for possible duplicate patient records: the list of flagged records, and a page
comparing two records side by side to merge them or keep them apart. Every view is audited."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from physiofit.core.models import AuditEvent, audit

from .merge import MergeError, patient_keep_apart, patient_merge
from .models import Patient

PERMISSION = "booking.merge_patient"
# Merging needs the record itself too: someone who may merge must also be allowed to see both.
merge_staff_only = permission_required(
    [PERMISSION, "booking.view_patient_record"], raise_exception=True
)


def _with_counts():
    return Patient.objects.annotate(appointment_count=Count("appointments"))


@merge_staff_only
def duplicates(request):
    flagged = list(
        _with_counts()
        .filter(possible_duplicate_of__isnull=False)
        .select_related("possible_duplicate_of")
        .order_by("-created_at", "-pk")
    )
    audit(
        user=request.user,
        action=AuditEvent.Action.LIST,
        object_type="booking.patient",
        object_id="possible-duplicates",
        summary=f"{len(flagged)} possible duplicates listed",
    )
    return TemplateResponse(request, "booking/staff/duplicates.html", {"flagged": flagged})


def _refuse(request, text: str, status: int) -> TemplateResponse:
    return TemplateResponse(
        request, "booking/staff/merge_refused.html", {"text": text}, status=status
    )


@merge_staff_only
@require_http_methods(["GET", "POST"])
def compare(request, pk: int, other: int):
    """GET: both records side by side. POST `action=merge` with `keep` (one of the two ids),
    or `action=keep_apart`, allowed when one record is flagged as a duplicate of the other."""
    if pk == other:
        return _refuse(request, MergeError.messages["same_patient"], 400)
    records = {p.pk: p for p in _with_counts().filter(pk__in=[pk, other])}
    if len(records) != 2:
        raise Http404("No such patient record.")
    first, second = records[pk], records[other]
    flagged = next(
        (p for p in (first, second) if p.possible_duplicate_of_id in (first.pk, second.pk)), None
    )
    if request.method == "POST":
        return _settle(request, first, second, flagged)
    for patient in (first, second):
        audit(
            user=request.user,
            action=AuditEvent.Action.VIEW,
            obj=patient,
            summary="compared as a possible duplicate",
        )
    # The older, unflagged record is the usual one to keep: it holds the care so far.
    suggested = flagged.possible_duplicate_of_id if flagged else min(first.pk, second.pk)
    return TemplateResponse(
        request,
        "booking/staff/merge.html",
        {"records": [first, second], "suggested": suggested, "flagged": flagged},
    )


def _settle(request, first: Patient, second: Patient, flagged: Patient | None):
    action = request.POST.get("action")
    try:
        if action == "keep_apart":
            if flagged is None:
                return _refuse(request, MergeError.messages["not_flagged"], 400)
            patient_keep_apart(patient=flagged, user=request.user)
            messages.success(request, f"Kept {first.reference} and {second.reference} apart.")
            return redirect("booking_duplicates:index")
        if action != "merge":
            return _refuse(request, "Choose to merge the records or to keep them apart.", 400)
        keep_id = request.POST.get("keep", "")
        if keep_id not in (str(first.pk), str(second.pk)):
            return _refuse(request, "Choose which of the two records to keep.", 400)
        keep, remove = (first, second) if keep_id == str(first.pk) else (second, first)
        kept = patient_merge(keep=keep, remove=remove, user=request.user)
    except MergeError as error:
        return _refuse(request, error.message, 409)
    messages.success(request, f"Merged {remove.reference} into {kept.reference}.")
    return redirect("booking_duplicates:index")
