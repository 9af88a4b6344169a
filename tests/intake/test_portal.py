"""The patient portal's sign-in links and sessions: lifetimes, idle and absolute timeouts,
server-side revocation, and what a change of the patient's email address does to them."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client, override_settings

from physiofit.booking.signals import patient_email_changed
from physiofit.core.models import AuditEvent
from physiofit.intake import portal, services
from physiofit.intake.models import PortalEmailChange, PortalLink, Questionnaire
from tests.booking.conftest import NOW
from tests.commands import manage_env, run_manage

SIGN_IN = re.compile(r"https?://[^/\s]+(/portal/sign-in/[-\w]+/)")


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def sign_in(client, patient, moment=NOW):
    token = portal.portal_link_create(patient=patient, now=moment)
    with at(moment):
        assert client.post(f"/portal/sign-in/{token}/").status_code == 302
    return token


def signed_in(client, moment) -> bool:
    with at(moment):
        return "Signed in as Sam Patient" in client.get("/portal/").content.decode()


def change_email(patient, user, new_email="desk@example.com"):
    """What the patient admin does (someone else's side): save, and signal inside the save."""
    old_email = patient.email
    with transaction.atomic():
        patient.email = new_email
        patient.save()
        patient_email_changed.send(
            sender=type(patient),
            patient=patient,
            old_email=old_email,
            new_email=new_email,
            user=user,
        )


def approve(patient, user):
    """What the approval page posts: the address and the last change it showed."""
    patient.refresh_from_db()
    return portal.portal_email_change_approve(
        patient=patient,
        user=user,
        email=patient.email,
        last_change_id=PortalEmailChange.objects.filter(patient=patient).latest("pk").pk,
    )


def test_a_sign_in_link_works_for_one_hour(appointment):
    patient = appointment.patient
    fresh = portal.portal_link_create(patient=patient, now=NOW)
    assert portal.portal_link_use(token=fresh, now=NOW + timedelta(minutes=59)).patient == patient
    late = portal.portal_link_create(patient=patient, now=NOW)
    with pytest.raises(services.IntakeError, match="expired"):
        portal.portal_link_use(token=late, now=NOW + timedelta(minutes=61))


def test_the_emails_and_the_page_state_the_links_real_life(
    appointment, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post("/portal/", {"email": "sam@example.com"}).content.decode()
        services.questionnaire_send(patient=appointment.patient, instrument="nprs")
    assert "It works once, within 60 minutes." in page
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert "within 60 minutes" in message.body
        assert "within 60 minutes" in message.alternatives[0][0]
        assert "days" not in message.body


def test_an_idle_session_ends_with_a_clear_message_and_the_form(appointment, client):
    sign_in(client, appointment.patient)
    assert signed_in(client, NOW + timedelta(minutes=14))
    assert signed_in(client, NOW + timedelta(minutes=28))  # activity keeps it open
    with at(NOW + timedelta(minutes=44)):
        page = client.get("/portal/").content.decode()
    assert "signed out after 15 minutes without activity" in page
    assert "Email me a sign-in link" in page
    # Said once; the session stays ended.
    assert not signed_in(client, NOW + timedelta(minutes=45))
    with at(NOW + timedelta(minutes=46)):
        assert "without activity" not in client.get("/portal/").content.decode()


def test_an_active_session_still_ends_after_two_hours(appointment, client):
    sign_in(client, appointment.patient)
    # The cookie is not kept longer than the session can last.
    assert 0 < client.cookies["sessionid"]["max-age"] <= 2 * 3600
    for minutes in range(10, 120, 10):
        assert signed_in(client, NOW + timedelta(minutes=minutes))
    with at(NOW + timedelta(minutes=121)):
        page = client.get("/portal/").content.decode()
    assert "a session lasts at most 2 hours" in page
    assert "Email me a sign-in link" in page


@override_settings(PORTAL_IDLE_TIMEOUT_MINUTES=5, PORTAL_SESSION_MAX_HOURS=1)
def test_the_timeouts_come_from_settings(appointment, client):
    sign_in(client, appointment.patient)
    assert not signed_in(client, NOW + timedelta(minutes=6))
    sign_in(client, appointment.patient, NOW + timedelta(minutes=10))
    for minutes in range(14, 70, 4):
        assert signed_in(client, NOW + timedelta(minutes=minutes))
    assert not signed_in(client, NOW + timedelta(minutes=71))


def test_the_timeouts_are_read_from_the_environment():
    result = run_manage(
        [
            "shell",
            "-c",
            "from django.conf import settings as s; print(s.PORTAL_IDLE_TIMEOUT_MINUTES, "
            "s.PORTAL_SESSION_MAX_HOURS)",
        ],
        manage_env(PORTAL_IDLE_TIMEOUT_MINUTES="7", PORTAL_SESSION_MAX_HOURS="3"),
        timeout=120,
    )
    assert result.stdout.splitlines()[-1].split() == ["7", "3"], result.stderr


def test_an_expired_session_autosave_sends_the_whole_page_to_sign_in(appointment, client):
    questionnaire = services.questionnaire_send(patient=appointment.patient, instrument="nprs")
    sign_in(client, appointment.patient)
    with at(NOW + timedelta(minutes=20)):
        response = client.post(
            f"/portal/questionnaires/{questionnaire.pk}/",
            {"pain": "3", "action": "save"},
            HTTP_HX_REQUEST="true",
        )
    assert response["HX-Redirect"] == "/portal/"
    assert Questionnaire.objects.get(pk=questionnaire.pk).answers == {}


def test_signing_out_ends_every_copy_of_the_session(appointment, client):
    sign_in(client, appointment.patient)
    copy = Client()
    copy.cookies = client.cookies  # the same session cookie, say on a second device
    assert signed_in(copy, NOW + timedelta(minutes=1))
    with at(NOW + timedelta(minutes=2)):
        client.post("/portal/sign-out/")
    assert not signed_in(copy, NOW + timedelta(minutes=3))


def test_front_desk_pointing_a_record_at_their_own_address_gets_no_usable_link(
    appointment, client, front_desk, django_capture_on_commit_callbacks
):
    """The attack: staff who may not read the clinical record change a patient's email to
    their own and ask the portal for a sign-in link."""
    patient = appointment.patient
    sign_in(client, patient, moment=NOW)
    unused = portal.portal_link_create(patient=patient, now=NOW)
    mail.outbox.clear()
    with at(NOW + timedelta(minutes=1)), django_capture_on_commit_callbacks(execute=True):
        change_email(patient, front_desk)
    # The patient's open session and unused link end at once.
    with at(NOW + timedelta(minutes=2)):
        page = client.get("/portal/").content.decode()
    assert "You were signed out" in page
    with at(NOW + timedelta(minutes=2)):
        assert client.post(f"/portal/sign-in/{unused}/").status_code == 410
    # The old address is told, with nothing clinical and not the new address.
    [notice] = mail.outbox
    assert notice.to == ["sam@example.com"]
    assert "email address on your record at Testclinic was changed on November 30" in (
        " ".join(notice.body.split())
    )
    assert "(541) 555-0100" in notice.body
    assert "desk@example.com" not in notice.body + notice.alternatives[0][0]
    assert "evaluation" not in notice.body.lower()
    assert PortalEmailChange.objects.get().email_status == "sent"
    # The portal answers exactly as for an unknown address, and sends nothing.
    mail.outbox.clear()
    attacker = Client()
    with at(NOW + timedelta(hours=1)), django_capture_on_commit_callbacks(execute=True):
        asked = attacker.post("/portal/", {"email": "desk@example.com"})
        unknown = attacker.post("/portal/", {"email": "nobody@example.com"})
        services.questionnaire_send(patient=patient, instrument="nprs")
    assert asked.status_code == unknown.status_code == 200
    assert asked.content == unknown.content
    assert not mail.outbox
    assert not PortalLink.objects.filter(revoked_at__isnull=True).exists()
    # Waiting does not help: no time limit lifts it, only a clinician's approval.
    with pytest.raises(services.IntakeError, match="until a clinician approves"):
        portal.portal_link_create(patient=patient, now=NOW + timedelta(days=30))
    with at(NOW + timedelta(days=30)), django_capture_on_commit_callbacks(execute=True):
        attacker.post("/portal/", {"email": "desk@example.com"})
    assert not mail.outbox
    assert (
        AuditEvent.objects.filter(
            actor=front_desk,
            patient_id=patient.pk,
            summary__contains="from sam@example.com to desk@example.com",
        )
        .filter(summary__contains="until a clinician approves")
        .exists()
    )
    # The front desk cannot approve their own change.
    with pytest.raises(services.IntakeError, match="Only clinical staff"):
        portal.portal_email_change_approve(
            patient=patient, user=front_desk, email="desk@example.com", last_change_id=10**6
        )


def test_a_change_by_clinical_staff_holds_no_link_and_lifts_a_hold(
    appointment, front_desk, therapist, django_capture_on_commit_callbacks
):
    patient = appointment.patient
    with at(NOW), django_capture_on_commit_callbacks(execute=True):
        change_email(patient, front_desk, new_email="desk@example.com")
    with at(NOW + timedelta(minutes=5)), django_capture_on_commit_callbacks(execute=True):
        change_email(patient, therapist, new_email="sam.new@example.com")
    assert portal.portal_links_held(patient=patient) is None
    assert PortalEmailChange.objects.filter(approved_by=therapist).count() == 1
    mail.outbox.clear()
    with at(NOW + timedelta(minutes=6)), django_capture_on_commit_callbacks(execute=True):
        Client().post("/portal/", {"email": "sam.new@example.com"})
    [link] = mail.outbox
    assert link.to == ["sam.new@example.com"]
    path = SIGN_IN.search(link.body).group(1)
    with at(NOW + timedelta(minutes=7)):
        assert Client().post(path).status_code == 302


def test_a_questionnaire_email_held_by_an_email_change_stays_queued(
    appointment, front_desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        change_email(appointment.patient, front_desk)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        questionnaire = services.questionnaire_send(patient=appointment.patient, instrument="nprs")
    assert not mail.outbox
    questionnaire.refresh_from_db()
    assert questionnaire.email_status == Questionnaire.Email.QUEUED


def test_a_clinician_approves_the_new_address_and_the_held_emails_go(
    appointment, front_desk, therapist, django_capture_on_commit_callbacks
):
    patient = appointment.patient
    with django_capture_on_commit_callbacks(execute=True):
        change_email(patient, front_desk, new_email="sam.new@example.com")
        questionnaire = services.questionnaire_send(patient=patient, instrument="nprs")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert approve(patient, therapist) == 1
    [held] = mail.outbox
    assert held.to == ["sam.new@example.com"]
    assert SIGN_IN.search(held.body)
    questionnaire.refresh_from_db()
    assert questionnaire.email_status == Questionnaire.Email.SENT
    assert portal.portal_links_held(patient=patient) is None
    assert AuditEvent.objects.filter(
        actor=therapist, patient_id=patient.pk, summary__contains="approved the email address"
    ).exists()
    with pytest.raises(services.IntakeError, match="No email change is waiting"):
        approve(patient, therapist)


def test_the_approval_page_is_for_clinical_staff_and_says_what_changed(
    appointment, client, front_desk, therapist, django_capture_on_commit_callbacks
):
    from tests.staff import login_staff

    patient = appointment.patient
    with django_capture_on_commit_callbacks(execute=True):
        change_email(patient, front_desk, new_email="sam.new@example.com")
    url = f"/admin/clinical/patient/{patient.pk}/email/"
    login_staff(client, front_desk)
    assert client.get(url).status_code in (302, 403)
    assert client.post(url).status_code in (302, 403)
    assert portal.portal_links_held(patient=patient)
    record = client.get(f"/admin/patients/inspect/{patient.pk}/").content.decode()
    assert "Approve new email" not in record
    login_staff(client, therapist)
    assert (
        "Approve new email" in client.get(f"/admin/patients/inspect/{patient.pk}/").content.decode()
    )
    assert "Email address to approve: 1" in client.get("/admin/").content.decode()
    page = client.get(url).content.decode()
    assert "sam@example.com" in page
    assert "sam.new@example.com" in page
    shown = re.search(r'name="last_change" value="(\d+)"', page).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"email": "sam.new@example.com", "last_change": shown}, follow=True
        )
    assert "Approved sam.new@example.com" in response.content.decode()
    assert portal.portal_links_held(patient=patient) is None
    assert "Email address to approve" not in client.get("/admin/").content.decode()


def test_a_manage_link_resent_to_a_held_address_does_not_open_the_intake_answers(
    appointment, client, front_desk, django_capture_on_commit_callbacks, frozen_now
):
    from physiofit.booking.tokens import manage_link_resend

    services.questionnaire_save(
        questionnaire=services.intake_for(appointment),
        answers={"goals": "Ride my bike"},
        submit=False,
        today=NOW.date(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        change_email(appointment.patient, front_desk)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        manage_link_resend(appointment=appointment)
    [resent] = mail.outbox
    assert resent.to == ["desk@example.com"]
    token = re.search(r"/appointments/([-\w]+)/", resent.body).group(1)
    assert client.get(f"/appointments/{token}/").status_code == 200  # the visit itself
    answers = client.get(f"/appointments/{token}/intake/")
    assert answers.status_code == 403
    assert "Ride my bike" not in answers.content.decode()


def test_an_approval_covers_only_the_address_the_clinician_saw(
    appointment, client, front_desk, therapist, django_capture_on_commit_callbacks
):
    """The front desk changes the address again while the approval page is open: the click
    approves nothing, and the page shows the new address to check."""
    from tests.staff import login_staff

    patient = appointment.patient
    with django_capture_on_commit_callbacks(execute=True):
        change_email(patient, front_desk, new_email="sam.new@example.com")
    url = f"/admin/clinical/patient/{patient.pk}/email/"
    login_staff(client, therapist)
    page = client.get(url).content.decode()
    shown = re.search(r'name="last_change" value="(\d+)"', page).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        change_email(patient, front_desk, new_email="desk@example.com")
    response = client.post(url, {"email": "sam.new@example.com", "last_change": shown}, follow=True)
    assert "changed again while this page was open" in response.content.decode()
    assert "desk@example.com" in response.content.decode()
    assert portal.portal_links_held(patient=patient)
    assert not PortalEmailChange.objects.filter(approved_at__isnull=False).exists()
