"""One-time sign-in links to the patient portal, and what ends portal sessions.

Only a hash of each token is stored. A link works once, within PORTAL_LINK_LIFETIME. A portal
session remembers the link it was opened with and checks on every request that the link is not
revoked, so revoking links (sign-out, a changed email address) ends sessions on the server,
wherever their cookies are."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from physiofit.booking.models import Patient
from physiofit.core.models import AuditEvent, audit
from physiofit.core.tasks import enqueue_with_transaction

from .models import PortalEmailChange, PortalLink
from .services import IntakeError

# One hour. A link asked for on the sign-in page is used within minutes, and an hour still
# covers slow mail (greylisting holds a first message for 15-30 minutes). The link opens health
# data, so one left in a mailbox (a forwarded email, a breached or shared account) must not
# work for days. A questionnaire invitation read later leads to the same page, which offers a
# fresh link in one step.
PORTAL_LINK_LIFETIME = timedelta(hours=1)
# Named, not imported from intake.staff: the permission that opens the clinical record.
CLINICAL_PERMISSION = "intake.view_clinical_record"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def portal_links_held(*, patient: Patient) -> PortalEmailChange | None:
    """The email change a clinician has yet to approve, while no sign-in link may go to the
    patient; None when links may go."""
    return PortalEmailChange.objects.filter(
        patient=patient, needs_approval=True, approved_at__isnull=True
    ).first()


def portal_link_create(*, patient: Patient, now: datetime | None = None) -> str:
    """A new one-time sign-in token for the patient's portal; only its hash is stored.
    Raises IntakeError("links_held") while an email change awaits a clinician's approval."""
    now = now or timezone.now()
    if portal_links_held(patient=patient):
        raise IntakeError("links_held")
    token = secrets.token_urlsafe(32)
    PortalLink.objects.create(
        patient=patient, token_hash=_hash(token), expires_at=now + PORTAL_LINK_LIFETIME
    )
    return token


def portal_link_use(*, token: str, now: datetime | None = None) -> PortalLink:
    """Spend a sign-in token: valid once, before it expires, unless revoked. Returns the link:
    the session it opens keeps its id."""
    now = now or timezone.now()
    with transaction.atomic():
        link = (
            PortalLink.objects.select_for_update()
            .select_related("patient")
            .filter(token_hash=_hash(token))
            .first()
        )
        if link is None:
            raise IntakeError("link_invalid")
        if link.used_at is not None:
            raise IntakeError("link_used")
        if link.revoked_at is not None:
            raise IntakeError("link_invalid")
        if link.expires_at <= now:
            raise IntakeError("link_expired")
        link.used_at = now
        link.save(update_fields=["used_at"])
    return link


def portal_session_patient(*, link_id, patient_id) -> Patient | None:
    """The patient of a portal session opened with link `link_id`, or None once it is revoked."""
    if not isinstance(link_id, int) or not isinstance(patient_id, int):
        return None
    link = (
        PortalLink.objects.select_related("patient")
        .filter(pk=link_id, patient_id=patient_id, revoked_at__isnull=True)
        .first()
    )
    return link.patient if link else None


def portal_link_revoke(*, link_id, now: datetime | None = None) -> None:
    """End the sessions opened with this link (signing out ends it everywhere)."""
    if isinstance(link_id, int):
        PortalLink.objects.filter(pk=link_id, revoked_at__isnull=True).update(
            revoked_at=now or timezone.now()
        )


def portal_link_request(*, email: str, now: datetime | None = None) -> int:
    """Queue a sign-in email to each patient record with this address: none if unknown, none
    while the record's new address awaits a clinician's approval. The caller answers the same."""
    from .tasks import send_portal_link

    now = now or timezone.now()
    patients = list(
        Patient.objects.filter(email=email.strip().lower())
        .exclude(
            # One subquery, so both conditions hold for the same change.
            pk__in=PortalEmailChange.objects.filter(
                needs_approval=True, approved_at__isnull=True
            ).values("patient_id")
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    for patient_id in patients:
        enqueue_with_transaction(send_portal_link, patient_id)
    return len(patients)


def portal_email_changed(
    *, patient: Patient, old_email: str, new_email: str, user, now: datetime | None = None
) -> PortalEmailChange:
    """Staff changed the patient's email address (called inside that change's transaction).

    Every portal session and unused sign-in link of the patient ends now, and the old address
    is told (no health data). When the change was made by someone without the clinical
    permission, no sign-in link goes to the new address until a clinician approves it
    (`portal_email_change_approve`): otherwise anyone at the front desk could point a record at
    their own address and read it in the portal. A fixed hold would only delay that. A change
    by clinical staff needs no approval and approves earlier ones: they may read the record
    anyway, and they vouch for the address."""
    from .tasks import send_email_change_notice

    now = now or timezone.now()
    PortalLink.objects.filter(patient=patient, revoked_at__isnull=True).update(revoked_at=now)
    clinical = user is not None and user.has_perm(CLINICAL_PERMISSION)
    staff_user = user if getattr(user, "pk", None) else None
    change = PortalEmailChange.objects.create(
        patient=patient,
        old_email=old_email,
        new_email=new_email,
        changed_at=now,
        changed_by=staff_user,
        needs_approval=not clinical,
    )
    if clinical:
        _approve_pending(patient=patient, user=staff_user, now=now)
    if old_email and old_email.strip().lower() != new_email.strip().lower():
        enqueue_with_transaction(send_email_change_notice, change.pk)
    audit(
        user=user,
        action=AuditEvent.Action.CHANGE,
        obj=patient,
        summary=f"email changed from {old_email or '(none)'} to {new_email or '(none)'}: "
        "portal sessions and sign-in links ended"
        + ("" if clinical else "; no sign-in link until a clinician approves the new address"),
    )
    return change


def _approve_pending(*, patient: Patient, user, now: datetime) -> int:
    """Mark the patient's pending email changes approved; when that releases the portal, queue
    what waited for it (questionnaire and program emails)."""
    from .signals import portal_links_released

    approved = PortalEmailChange.objects.filter(
        patient=patient, needs_approval=True, approved_at__isnull=True
    ).update(approved_at=now, approved_by=user)
    if approved:
        transaction.on_commit(
            lambda: portal_links_released.send(sender=PortalEmailChange, patient=patient)
        )
    return approved


def portal_email_change_approve(
    *, patient: Patient, user, email: str, last_change_id: int, now: datetime | None = None
) -> int:
    """A clinician confirms the patient's current email address is theirs (asked in person or
    by phone): sign-in links and held emails go to it again. `email` and `last_change_id` are
    what the clinician was shown: if the address changed again since, nothing is approved.
    Returns how many pending changes were approved; raises IntakeError when the user may not
    approve, nothing waits, or the page was out of date."""
    if not user.has_perm(CLINICAL_PERMISSION):
        raise IntakeError("approve_forbidden")
    now = now or timezone.now()
    with transaction.atomic():
        current = Patient.objects.select_for_update().filter(pk=patient.pk).first()
        if current is None:
            raise IntakeError("nothing_to_approve")
        pending = PortalEmailChange.objects.filter(
            patient=current, needs_approval=True, approved_at__isnull=True
        )
        if not pending.exists():
            raise IntakeError("nothing_to_approve")
        if (
            current.email.strip().lower() != email.strip().lower()
            or pending.filter(pk__gt=last_change_id).exists()
        ):
            raise IntakeError("approval_stale")
        approved = _approve_pending(patient=current, user=user, now=now)
        audit(
            user=user,
            action=AuditEvent.Action.CHANGE,
            obj=current,
            summary=f"approved the email address {current.email or '(none)'} for portal links",
        )
    return approved
