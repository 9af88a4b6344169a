"""Patient-facing intake over HTTP: the screening gate, the pre-visit questionnaire, the portal."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail

from physiofit.booking.models import Appointment
from physiofit.booking.tokens import manage_link_create
from physiofit.intake import portal, services
from physiofit.intake.models import PortalLink, Questionnaire, Screening
from physiofit.intake.triage import red_flags
from tests.booking.conftest import NOW, bend
from tests.factories import patient_details

START = bend(2026, 11, 30, 10)
PATIENT = {
    "first_name": "Sam",
    "last_name": "Patient",
    "email": "sam@example.com",
    "phone": "541 555 0100",
    "date_of_birth": "1980-05-06",
}


@pytest.fixture(autouse=True)
def frozen(frozen_now):
    return frozen_now


def answers(**yes):
    return {key: "yes" if yes.get(key) else "no" for key in red_flags().keys}


def screen(client, **yes):
    return client.post("/book/initial-evaluation/screening/", answers(**yes))


def test_new_patient_steps_send_to_the_questions_first(booking, client):
    for url in (
        "/book/initial-evaluation/",
        "/book/initial-evaluation/any/",
        f"/book/initial-evaluation/alex/details/?start={START.isoformat()}",
        "/book/initial-evaluation/any/waitlist/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == "/book/initial-evaluation/screening/"
    # Returning patients are not screened; strangers are told follow-ups are for them.
    assert client.get("/book/follow-up-visit/").status_code == 403


def test_clear_answers_go_on_to_choose_a_practitioner(booking, client):
    response = screen(client)
    assert response.status_code == 302
    assert response["Location"] == "/book/initial-evaluation/"
    assert client.get("/book/initial-evaluation/any/").status_code == 200
    assert Screening.objects.get().tier == "clear"


def test_an_emergency_answer_stops_booking_and_says_call_911(booking, client):
    response = screen(client, saddle_numbness=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Please get medical help now" in html
    assert 'href="tel:911"' in html
    assert "/book/initial-evaluation/any/" not in html
    for url in ("/book/initial-evaluation/", "/book/initial-evaluation/any/"):
        blocked = client.get(url)
        assert blocked.status_code == 403
        assert "call 911" in blocked.content.decode()
    confirm = client.post(
        "/book/initial-evaluation/alex/confirm/",
        {**PATIENT, "start": START.isoformat(), "idempotency_key": "k"},
    )
    assert confirm.status_code == 403
    assert not Appointment.objects.exists()


def test_same_day_answers_are_told_to_see_a_doctor_and_may_book_pending_review(booking, client):
    response = screen(client, weight_loss=True)
    html = response.content.decode()
    assert "Please speak to a doctor today" in html
    assert "Continue to choose a time" in html
    booked = client.post(
        "/book/initial-evaluation/alex/confirm/",
        {**PATIENT, "start": START.isoformat(), "idempotency_key": "k"},
    )
    assert booked.status_code == 302
    screening = Screening.objects.get()
    assert screening.appointment == Appointment.objects.get()
    assert screening.review == Screening.Review.PENDING
    assert "Please speak to a doctor today." in client.get(booked["Location"]).content.decode()
    # The screening is spent: the next booking from this browser answers again.
    assert client.get("/book/initial-evaluation/any/").status_code == 302


def test_unanswered_questions_get_a_400_naming_them(booking, client):
    partial = answers()
    partial.pop("pregnancy")
    response = client.post("/book/initial-evaluation/screening/", partial)
    assert response.status_code == 400
    assert "Please answer yes or no." in response.content.decode()
    assert not Screening.objects.exists()


def test_live_check_shows_the_emergency_message_without_storing(booking, client):
    response = client.post(
        "/book/initial-evaluation/screening/check/", {"both_legs": "yes"}, HTTP_HX_REQUEST="true"
    )
    assert "Please get medical help now" in response.content.decode()
    calm = client.post("/book/initial-evaluation/screening/check/", {"both_legs": "no"})
    assert "medical help" not in calm.content.decode()
    assert not Screening.objects.exists()


def intake_url(appointment):
    return f"/appointments/{manage_link_create(appointment=appointment)}/intake/"


def complete_intake(**changes):
    return {
        "onset": "2026-10-01",
        "onset_how": "lifting",
        "where": ["back", "leg"],
        "goals": "Ride my bike to work.",
        "pain_now": "6",
        "psfs__1__activity": "Cycling 30 minutes",
        "psfs__1__rating": "4",
        **changes,
    }


def test_intake_is_linked_from_the_manage_page_and_the_confirmation(
    appointment, client, django_capture_on_commit_callbacks
):
    page = client.get(
        f"/appointments/{manage_link_create(appointment=appointment)}/"
    ).content.decode()
    assert "Answer the pre-visit questions" in page
    link = re.search(r'href="(/appointments/[^"/]+/intake/)"', page)
    assert link
    assert client.get(link.group(1)).status_code == 200


def test_intake_saves_a_draft_then_submits_once(appointment, client):
    url = intake_url(appointment)
    assert client.get(url).status_code == 200
    draft = client.post(url, {"goals": "Ride my bike", "action": "save"})
    assert draft.status_code == 200
    assert "Saved" in draft.content.decode()
    # Leave and come back: the answer is still there.
    assert "Ride my bike" in client.get(url).content.decode()
    manage = client.get(
        f"/appointments/{manage_link_create(appointment=appointment)}/"
    ).content.decode()
    assert "Continue the questions" in manage
    done = client.post(url, {**complete_intake(), "action": "submit"})
    assert done.status_code == 302
    questionnaire = Questionnaire.objects.get(instrument="intake")
    assert questionnaire.status == Questionnaire.Status.SUBMITTED
    assert questionnaire.score["duration_class"] == "subacute"
    thanks = client.get(url).content.decode()
    assert "Thank you" in thanks
    again = client.post(url, {**complete_intake(goals="changed"), "action": "submit"})
    assert again.status_code == 200
    questionnaire.refresh_from_db()
    assert questionnaire.answers["goals"] == "Ride my bike to work."


def test_htmx_autosave_answers_with_a_status_line(appointment, client):
    response = client.post(
        intake_url(appointment), {"pain_now": "3", "action": "save"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.content.decode().strip().startswith("Saved at")
    assert Questionnaire.objects.get().answers["pain_now"] == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"onset": "2027-01-01"}, "not in the future"),
        ({"pain_now": "11"}, "Select a valid choice"),
        ({"psfs__1__rating": ""}, "Please rate activity 1"),
        ({"goals": ""}, "This field is required"),
        ({"where": ["back", "<script>"]}, "Select a valid choice"),
    ],
)
def test_a_bad_submit_is_a_400_that_keeps_the_questionnaire_open(
    appointment, client, changes, message
):
    response = client.post(
        intake_url(appointment), {**complete_intake(**changes), "action": "submit"}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Questionnaire.objects.get().status != Questionnaire.Status.SUBMITTED


def test_intake_link_must_be_signed(booking, client):
    assert client.get("/appointments/forged/intake/").status_code == 404


def portal_sign_in(client, patient):
    token = portal.portal_link_create(patient=patient)
    assert "Continue" in client.get(f"/portal/sign-in/{token}/").content.decode()
    assert PortalLink.objects.filter(used_at__isnull=True).exists()  # GET does not spend it
    response = client.post(f"/portal/sign-in/{token}/")
    assert response.status_code == 302
    return token


def test_portal_asks_for_an_email_and_never_says_who_is_a_patient(
    appointment, client, django_capture_on_commit_callbacks
):
    assert "Email me a sign-in link" in client.get("/portal/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post("/portal/", {"email": "nobody@example.com"})
        known = client.post("/portal/", {"email": "SAM@example.com"})
    assert unknown.content == known.content
    assert len(mail.outbox) == 1  # one sign-in link, for the known address only
    assert mail.outbox[0].to == ["sam@example.com"]
    path = re.search(r"https?://[^/\s]+(/portal/sign-in/\S+/)", mail.outbox[0].body).group(1)
    assert client.post(path).status_code == 302
    assert "Signed in as Sam Patient" in client.get("/portal/").content.decode()


def test_portal_bad_input_gets_a_400(booking, client):
    assert client.post("/portal/", {"email": "no-at-sign"}).status_code == 400
    assert client.post("/portal/", {"email": "a@b\x00c"}).status_code == 400


def test_a_used_link_is_refused_with_410(appointment, client):
    token = portal_sign_in(client, appointment.patient)
    client.post("/portal/sign-out/")
    response = client.post(f"/portal/sign-in/{token}/")
    assert response.status_code == 410
    assert "already been used" in response.content.decode()


def test_patient_fills_a_measure_in_the_portal_and_sees_progress(
    appointment, client, django_capture_on_commit_callbacks
):
    patient = appointment.patient
    first = services.questionnaire_send(patient=patient, instrument="nprs", label="Visit 1")
    services.questionnaire_save(
        questionnaire=first, answers={"pain": 7}, submit=True, today=NOW.date()
    )
    second = services.questionnaire_send(patient=patient, instrument="nprs", label="Visit 4")
    portal_sign_in(client, patient)
    home = client.get("/portal/").content.decode()
    assert f"/portal/questionnaires/{second.pk}/" in home
    response = client.post(
        f"/portal/questionnaires/{second.pk}/", {"pain": "4", "action": "submit"}
    )
    assert response.status_code == 302
    progress = client.get("/portal/").content.decode()
    assert "Numeric Pain Rating Scale" in progress
    assert "Yes, improved" in progress  # 7 → 4: 3 points, past the 2-point MCID
    assert "<svg" in progress


def test_the_portal_shows_only_the_signed_in_patients_questionnaires(appointment, client, booking):
    other = services.appointment_book_screened(
        screening=services.screening_record(answers={}, service=booking["evaluation"]),
        service=booking["evaluation"],
        practitioner=booking["jordan"],
        start=bend(2026, 12, 2, 10),
        patient=patient_details(email="other@example.com", first_name="Other"),
        now=NOW,
    )
    theirs = services.questionnaire_send(patient=other.patient, instrument="nprs")
    portal_sign_in(client, appointment.patient)
    assert client.get(f"/portal/questionnaires/{theirs.pk}/").status_code == 404


def test_the_portal_session_ends_after_two_hours(appointment, client):
    portal_sign_in(client, appointment.patient)
    later = NOW + timedelta(hours=2, minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert "Email me a sign-in link" in client.get("/portal/").content.decode()


def test_today_is_the_clinics_today_not_utcs(appointment, client):
    # 5:30 PM in Bend is already December 1 in UTC: December 1 is still the future here.
    evening = bend(2026, 11, 30, 17, 30)
    with mock.patch("django.utils.timezone.now", return_value=evening):
        response = client.post(
            intake_url(appointment), {**complete_intake(onset="2026-12-01"), "action": "submit"}
        )
        assert response.status_code == 400
        assert "not in the future" in response.content.decode()
        done = client.post(
            intake_url(appointment), {**complete_intake(onset="2026-11-30"), "action": "submit"}
        )
        assert done.status_code == 302
    assert Questionnaire.objects.get().score["duration_class"] == "acute"


def test_dates_show_in_clinic_time(appointment, client):
    # Sent at 5:30 PM in Bend on November 30, which is December 1 in UTC.
    evening = bend(2026, 11, 30, 17, 30)
    with mock.patch("django.utils.timezone.now", return_value=evening):
        client.post(intake_url(appointment), {**complete_intake(), "action": "submit"})
        thanks = client.get(intake_url(appointment)).content.decode()
    assert "November 30, 2026" in thanks
    assert "December 1" not in thanks


@pytest.mark.parametrize(
    ("code", "answers", "display"),
    [
        ("odi", {f"section_{n}": "2" for n in range(1, 10)}, "40 %"),  # one section skipped
        (
            "start_back",
            {
                **{f"item_{n}": "agree" for n in range(1, 6)},
                "item_6": "disagree",
                "item_7": "disagree",
                "item_8": "disagree",
                "item_9": "very much",
            },
            "6 of 9",
        ),
        ("rmdq", {f"statement_{n}": "on" for n in range(1, 8)}, "7 of 24"),
    ],
)
def test_licensed_instruments_work_in_the_portal_once_their_wording_is_imported(
    appointment, client, code, answers, display
):
    from .conftest import wording_for

    services.wording_import(instrument=code, wording=wording_for(code))
    sent = services.questionnaire_send(patient=appointment.patient, instrument=code)
    portal_sign_in(client, appointment.patient)
    form = client.get(f"/portal/questionnaires/{sent.pk}/").content.decode()
    assert f"Stand-in introduction for {code}" in form
    response = client.post(f"/portal/questionnaires/{sent.pk}/", {**answers, "action": "submit"})
    assert response.status_code == 302, response.content.decode()[:2000]
    sent.refresh_from_db()
    assert sent.score["display"] == display


def test_an_empty_screening_says_how_many_answers_are_missing(booking, client):
    response = client.post("/book/initial-evaluation/screening/", {"walking": "no"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "15 still need an answer" in html
    assert 'href="#id_bladder_bowel">Go to the first one' in html


def test_the_manage_page_says_nothing_clinical_while_the_address_awaits_approval(
    booking, client, django_user_model
):
    """A manage link resent to an address the front desk typed in opens the visit, not the
    pending red-flag review."""
    from physiofit.intake import portal

    screen(client, weight_loss=True)
    booked = client.post(
        "/book/initial-evaluation/alex/confirm/",
        {**PATIENT, "start": START.isoformat(), "idempotency_key": "k"},
    )
    manage_url = booked["Location"]
    patient = Appointment.objects.get().patient
    desk = django_user_model.objects.create_user("desk", password="x" * 16)
    portal.portal_email_changed(
        patient=patient, old_email=patient.email, new_email="desk@example.com", user=desk
    )
    page = client.get(manage_url).content.decode()
    assert "Please speak to a doctor today" not in page
    assert "/intake/" not in page
