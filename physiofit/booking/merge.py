"""Writes for duplicate patient records: merge two into one, or keep them apart.

Public bookings never join an existing chart on matching details; they make a new record
flagged `possible_duplicate_of` (services.patient_create). Staff settle each flag here.
"""

from django.db import IntegrityError, transaction

from physiofit.core.models import AuditEvent, audit

from .models import Patient, SmsConsent
from .signals import patient_email_changed


class MergeError(Exception):
    """A merge rule was broken; `message` is written for staff."""

    messages = {
        "same_patient": "A record cannot be merged with itself. Choose two different records.",
        "gone": "One of these records no longer exists (perhaps it was just merged).",
        "conflict": (
            "These records cannot be merged automatically: both have a {what} that can exist "
            "only once. Nothing was changed."
        ),
        "not_flagged": "This record is not marked as a possible duplicate.",
    }

    def __init__(self, code: str, **params):
        self.code = code
        self.message = self.messages[code].format(**params)
        super().__init__(self.message)


def _rows_pointing_at_patient():
    """Every foreign key to Patient, from any app, hidden ones (related_name="+") and the
    through tables of many-to-many fields included: booking does not need to know them."""
    for relation in Patient._meta.get_fields(include_hidden=True):
        if relation.auto_created and not relation.concrete and not relation.many_to_many:
            yield relation.related_model, relation.field


def patient_merge(*, keep: Patient, remove: Patient, user) -> Patient:
    """Move every row that points at `remove` to `keep`, then delete `remove`; `keep`'s own
    details stay as they are. One transaction: on any conflict nothing is changed.

    Audited once, naming both chart references. Does not copy any of `remove`'s details
    (name, email, phone): staff edit the kept record for that. Consent to texts moves when
    `keep` has none (_carry_sms_consent)."""
    if keep.pk == remove.pk:
        raise MergeError("same_patient")
    moved: dict[str, int] = {}
    try:
        with transaction.atomic():
            # Both rows locked in key order, so two merges of the same pair wait, then the
            # second finds its record gone rather than moving rows twice.
            locked = {
                p.pk: p
                for p in Patient.objects.select_for_update()
                .filter(pk__in=[keep.pk, remove.pk])
                .order_by("pk")
            }
            if len(locked) != 2:
                raise MergeError("gone")
            keep, remove = locked[keep.pk], locked[remove.pk]
            for model, field in _rows_pointing_at_patient():
                rows = model._base_manager.filter
                if (
                    field.one_to_one
                    and rows(**{field.name: keep}).exists()
                    and rows(**{field.name: remove}).exists()
                ):
                    raise MergeError("conflict", what=model._meta.verbose_name)
                count = rows(**{field.name: remove}).update(**{field.name: keep})
                if count and model is not Patient:
                    moved[str(model._meta.verbose_name_plural)] = count
            # `keep` may have been flagged as a duplicate of the record it absorbed.
            Patient.objects.filter(pk=keep.pk, possible_duplicate_of=keep.pk).update(
                possible_duplicate_of=None
            )
            _carry_sms_consent(keep, remove)
            remove_reference, remove_email = remove.reference, remove.email
            remove.delete()
            keep.refresh_from_db()
            if moved and remove_email.strip().lower() != keep.email.strip().lower():
                # What was reached through the removed record's address is now reached
                # through the kept one's: to the apps that email patients, that is an email
                # change (a merge by staff who may not read the record waits for a clinician,
                # or the front desk could merge a chart into a record with their own address).
                patient_email_changed.send(
                    sender=Patient,
                    patient=keep,
                    old_email=remove_email,
                    new_email=keep.email,
                    user=user,
                )
            summary = ", ".join(f"{count} {name}" for name, count in sorted(moved.items()))
            audit(
                user=user,
                action=AuditEvent.Action.MERGE,
                obj=keep,
                summary=f"merged record {remove_reference} into {keep.reference}"
                + (f"; moved {summary}" if summary else "; nothing to move"),
            )
    except IntegrityError as error:
        # A unique rule on some app's rows (one of a kind per patient) refused the move.
        raise MergeError("conflict", what="record") from error
    return keep


def _carry_sms_consent(keep: Patient, remove: Patient) -> None:
    """A consent to texts (or its withdrawal) on the removed record is the patient's word, not
    a detail: it moves to the kept record when that one has none of its own."""
    if keep.sms_consent != SmsConsent.NOT_ASKED or remove.sms_consent == SmsConsent.NOT_ASKED:
        return
    fields = ["sms_consent", "sms_number", "sms_consent_how", "sms_consent_at"]
    for name in fields:
        setattr(keep, name, getattr(remove, name))
    keep.save(update_fields=fields)


def patient_keep_apart(*, patient: Patient, user) -> Patient:
    """Staff judged a flagged record a different person: clear the flag, audited."""
    with transaction.atomic():
        patient = Patient.objects.select_for_update().filter(pk=patient.pk).first()
        if patient is None:
            raise MergeError("gone")
        original = patient.possible_duplicate_of
        if original is None:
            raise MergeError("not_flagged")
        patient.possible_duplicate_of = None
        patient.save(update_fields=["possible_duplicate_of"])
        audit(
            user=user,
            action=AuditEvent.Action.CHANGE,
            obj=patient,
            summary=f"kept apart from {original.reference}: not the same person",
        )
    return patient
