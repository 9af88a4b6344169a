"""The clinical record's rules: episodes and ICD-10-CM diagnoses, a daily note started from the
visit with the last findings carried forward, units by the clinic's rule, signing with a
password, the lock, addenda, and who may see or write what."""

from datetime import date

import pytest

from physiofit.care import services
from physiofit.care.models import CareSettings, Note, SignedNoteError
from physiofit.core.models import AuditEvent
from tests.booking.conftest import bend
from tests.staff import login_staff

from .conftest import PASSWORD, visit

Row = services.InterventionData


@pytest.fixture
def episode(patient, therapist):
    return services.episode_open(
        patient=patient, user=therapist, title="Low back pain", opened_on=date(2026, 11, 2)
    )


def test_icd_codes_are_found_by_code_or_words_and_only_billable_ones_added(episode):
    assert ("M54.50", "Low back pain, unspecified") in services.icd_search("M54.5")
    assert ("M54.50", "Low back pain, unspecified") in services.icd_search("low back pain")
    assert services.icd_search("zzqx nothing") == []
    assert services.icd_search("m") == []  # one letter matches too much to help
    diagnosis = services.diagnosis_add(episode=episode, code="m54.50")
    assert (diagnosis.code, diagnosis.description) == ("M54.50", "Low back pain, unspecified")
    with pytest.raises(services.CareError, match="already on this episode"):
        services.diagnosis_add(episode=episode, code="M5450")
    with pytest.raises(services.CareError, match="is a category"):
        services.diagnosis_add(episode=episode, code="M54")
    with pytest.raises(services.CareError, match="not an ICD-10-CM code"):
        services.diagnosis_add(episode=episode, code="XYZ.123")


def test_a_daily_note_starts_from_the_visit_and_carries_the_findings_forward(
    booking, patient, therapist, episode, appointment
):
    first = services.note_start(appointment=appointment, user=therapist)
    assert (first.episode, first.visit_on, first.kind) == (episode, date(2026, 12, 2), "daily")
    assert services.note_start(appointment=appointment, user=therapist) == first  # one per visit
    services.note_save(
        note=first,
        user=therapist,
        fields={"objective": "Lumbar flexion 40°. SLR negative.", "assessment": "Improving."},
        interventions=[Row("97110", 33), Row("97140", 7)],
    )
    nxt = services.note_start(
        appointment=visit(booking, patient, bend(2026, 12, 4, 10)), user=therapist
    )
    assert nxt.objective == "Lumbar flexion 40°. SLR negative."
    assert nxt.subjective == nxt.assessment == ""


def test_units_follow_the_clinics_rule(therapist, episode, appointment, site):
    note = services.note_start(appointment=appointment, user=therapist)
    services.note_save(
        note=note,
        user=therapist,
        fields={"assessment": "Ok."},
        interventions=[Row("97110", 33), Row("97140", 7), Row("97164", 0)],
    )
    units = dict(note.interventions.values_list("code", "units"))
    assert units == {"97110": 2, "97140": 1, "97164": 1}
    settings = CareSettings.for_site(site["site"])
    settings.billing_rule = "substantial_portion"
    settings.save()
    services.note_sign(note=note, user=therapist, password=PASSWORD)
    note.refresh_from_db()
    assert dict(note.interventions.values_list("code", "units"))["97140"] == 0
    assert note.billing_rule == "substantial_portion"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([Row("99999", 10)], "not a CPT code"),
        ([Row("97110", 10), Row("97110", 5)], "listed twice"),
        ([Row("97110", 0)], "between 1 and 240"),
    ],
)
def test_bad_interventions_are_refused_whole(therapist, episode, appointment, rows, message):
    note = services.note_start(appointment=appointment, user=therapist)
    with pytest.raises(services.CareError, match=message):
        services.note_save(note=note, user=therapist, fields={"plan": "x"}, interventions=rows)
    note.refresh_from_db()
    assert note.plan == ""


def test_signing_needs_the_authors_password_and_locks_the_note(
    therapist, other_therapist, episode, appointment
):
    note = services.note_start(appointment=appointment, user=therapist)
    with pytest.raises(services.CareError, match="Write the assessment"):
        services.note_sign(note=note, user=therapist, password=PASSWORD)
    services.note_save(
        note=note, user=therapist, fields={"assessment": "Better."}, interventions=[]
    )
    with pytest.raises(services.CareError, match="password or app code is not right"):
        services.note_sign(note=note, user=therapist, password="wrong")
    with pytest.raises(services.CareError, match="Only the note's author"):
        services.note_sign(note=note, user=other_therapist, password=PASSWORD)
    signed = services.note_sign(note=note, user=therapist, password=PASSWORD)
    assert signed.signer_name == "Alex Demo, PT"
    with pytest.raises(services.CareError, match="signed"):
        services.note_save(note=signed, user=therapist, fields={}, interventions=[])
    signed.assessment = "Rewritten"
    with pytest.raises(SignedNoteError):
        signed.save()
    assert Note.objects.get().assessment == "Better."
    addendum = services.addendum_add(
        note=signed, user=other_therapist, text="Called: pain eased.", password=PASSWORD
    )
    assert addendum.signer_name == "Jordan Sample"
    with pytest.raises(services.CareError, match="Write the addendum"):
        services.addendum_add(note=signed, user=therapist, text="  ", password=PASSWORD)


def test_the_therapist_documents_a_visit_in_the_admin(client, therapist, episode, appointment):
    login_staff(client, therapist)
    page = client.get(f"/admin/calendar/appointment/{appointment.pk}/").content.decode()
    assert "Start daily note" in page
    response = client.post(f"/admin/care/visit/{appointment.pk}/note/")
    note = Note.objects.get()
    assert response["Location"] == f"/admin/care/note/{note.pk}/"
    data = {
        "subjective": "Less pain bending.",
        "objective": "Flexion 50°.",
        "assessment": "Improving as planned.",
        "plan": "Progress loading.",
        "cpt-TOTAL_FORMS": "3",
        "cpt-INITIAL_FORMS": "0",
        "cpt-MIN_NUM_FORMS": "0",
        "cpt-MAX_NUM_FORMS": "12",
        "cpt-0-code": "97110",
        "cpt-0-minutes": "33",
        "cpt-1-code": "97140",
        "cpt-1-minutes": "7",
        "cpt-2-code": "",
        "cpt-2-minutes": "",
    }
    saved = client.post(f"/admin/care/note/{note.pk}/", data, follow=True).content.decode()
    assert "Draft saved" in saved
    assert "3 units" in saved
    refused = client.post(f"/admin/care/note/{note.pk}/sign/", {"password": "nope"}, follow=True)
    assert "password or app code is not right" in refused.content.decode()
    signed = client.post(f"/admin/care/note/{note.pk}/sign/", {"password": PASSWORD}, follow=True)
    page = signed.content.decode()
    assert "Signed</strong> by Alex Demo, PT" in page
    assert "Add an addendum" in page
    assert 'name="subjective"' not in page  # no editor on a signed note
    client.post(
        f"/admin/care/note/{note.pk}/addendum/", {"text": "Phoned later.", "password": PASSWORD}
    )
    assert "Phoned later." in client.get(f"/admin/care/note/{note.pk}/").content.decode()
    actions = set(
        AuditEvent.objects.filter(object_type="care.note").values_list("action", "summary")
    )
    assert {
        ("change", "draft saved"),
        ("change", "signed"),
        ("change", "addendum signed"),
    } <= actions
    assert ("denied", "sign refused (bad_password)") in actions


def test_front_desk_sees_no_notes_and_readers_cannot_write(
    client, front_desk, therapist, episode, appointment, site
):
    from tests.care.conftest import clinician

    note = services.note_start(appointment=appointment, user=therapist)
    login_staff(client, front_desk)
    for url in (f"/admin/care/note/{note.pk}/", f"/admin/care/patient/{episode.patient_id}/"):
        assert client.get(url).status_code in (302, 403)
    page = client.get(f"/admin/calendar/appointment/{appointment.pk}/").content.decode()
    assert "Clinical notes" not in page
    reader = clinician("Casey Reader", write=False)
    login_staff(client, reader)
    assert client.get(f"/admin/care/note/{note.pk}/").status_code == 200
    assert client.post(f"/admin/care/note/{note.pk}/", {}).status_code in (302, 403)
    assert client.post(f"/admin/care/visit/{appointment.pk}/note/").status_code in (302, 403)


def test_another_therapist_reads_a_draft_but_cannot_change_it(
    client, therapist, other_therapist, episode, appointment
):
    note = services.note_start(appointment=appointment, user=therapist)
    login_staff(client, other_therapist)
    page = client.get(f"/admin/care/note/{note.pk}/").content.decode()
    assert "Draft" in page
    assert 'name="subjective"' not in page
    assert client.post(f"/admin/care/note/{note.pk}/", {"subjective": "x"}).status_code in (
        302,
        403,
    )


def test_the_record_page_opens_an_episode_and_adds_a_diagnosis(client, therapist, patient):
    login_staff(client, therapist)
    url = f"/admin/care/patient/{patient.pk}/"
    assert "Open an episode of care" in client.get(url).content.decode()
    client.post(f"{url}episode/", {"title": "Low back pain", "opened_on": "2026-12-01"})
    episode = patient.episodes.get()
    found = client.get(url, {"q": "low back pain"}).content.decode()
    assert "M54.50" in found
    client.post(f"/admin/care/episode/{episode.pk}/diagnosis/", {"code": "M54.50"})
    page = client.get(url).content.decode()
    assert "Low back pain, unspecified" in page
    bad = client.post(
        f"/admin/care/episode/{episode.pk}/diagnosis/", {"code": "<script>"}, follow=True
    )
    assert "is not an ICD-10-CM code" in bad.content.decode()
    assert AuditEvent.objects.filter(summary="diagnosis added: M54.50").exists()


def test_a_record_past_retention_goes_with_its_notes(booking, patient, therapist, site):
    """Notes protect their patient from a plain delete; the retention purge removes them with
    the rest of the record."""
    from datetime import datetime, timedelta

    from physiofit.care.models import Addendum, Episode
    from physiofit.intake import retention

    old = visit(booking, patient, bend(2014, 5, 5, 10))
    old.status = "completed"
    old.save()
    type(patient).objects.filter(pk=patient.pk).update(created_at=old.start - timedelta(days=1))
    episode = services.episode_open(
        patient=patient, user=therapist, title="Knee", opened_on=date(2014, 5, 5)
    )
    note = services.note_start(appointment=old, user=therapist)
    services.note_save(note=note, user=therapist, fields={"assessment": "Ok"}, interventions=[])
    note = services.note_sign(note=note, user=therapist, password=PASSWORD)
    services.addendum_add(note=note, user=therapist, text="Later.", password=PASSWORD)
    now = datetime(2026, 11, 30, 12, tzinfo=old.start.tzinfo)
    counts = retention.record_purge(patient_id=patient.pk, clinic=site["clinic"], now=now)
    assert counts["clinical notes"] == 1
    assert not Episode.objects.filter(pk=episode.pk).exists()
    assert not Note.objects.exists()
    assert not Addendum.objects.exists()
    assert not type(patient).objects.filter(pk=patient.pk).exists()


def test_guessing_the_signing_password_ends_the_session(client, therapist, episode, appointment):
    note = services.note_start(appointment=appointment, user=therapist)
    login_staff(client, therapist)
    url = f"/admin/care/note/{note.pk}/sign/"
    for _ in range(5):
        assert client.post(url, {"password": "guess"})["Location"] == f"/admin/care/note/{note.pk}/"
    ended = client.post(url, {"password": "guess"})
    assert ended["Location"].startswith("/admin/login/")
    assert client.get(f"/admin/care/note/{note.pk}/").status_code == 302  # signed out
    assert AuditEvent.objects.filter(summary__contains="signed out").exists()


def test_the_initial_evaluation_is_filled_from_what_the_patient_told_us(
    client, booking, patient, therapist
):
    from django.utils import timezone

    from physiofit.intake import instruments
    from physiofit.intake.models import Questionnaire, Screening

    evaluation = booking["evaluation"]
    start = bend(2026, 12, 2, 10)
    appointment = type(visit(booking, patient, start)).objects.create(
        practitioner=booking["alex"],
        service=evaluation,
        patient=patient,
        start=start + (evaluation.duration * 2),
        end=start + (evaluation.duration * 3),
        blocked_start=start + (evaluation.duration * 2),
        blocked_end=start + (evaluation.duration * 3),
        reference="EVAL0001",
    )
    Screening.objects.create(
        service=evaluation,
        appointment=appointment,
        tier="flag",
        reasons=["No improvement after about 4 weeks"],
        answers={"no_improvement": True},
    )
    answers = {
        "onset": "2026-10-01",
        "onset_how": "gradual",
        "where": ["back"],
        "goals": "Ride again.",
        "pain_now": 6,
        "psfs": [{"activity": "Cycling an hour", "rating": 3}],
    }
    Questionnaire.objects.create(
        patient=patient,
        appointment=appointment,
        instrument="intake",
        status="submitted",
        answers=answers,
        score=instruments.score(instruments.get("intake"), answers, today=date(2026, 12, 1)),
        submitted_at=timezone.now(),
    )
    login_staff(client, therapist)
    page = client.get(f"/admin/calendar/appointment/{appointment.pk}/").content.decode()
    assert "Start initial evaluation" in page
    response = client.post(f"/admin/care/visit/{appointment.pk}/evaluation/")
    note = Note.objects.get(kind="evaluation")
    assert response["Location"] == f"/admin/care/note/{note.pk}/"
    assert note.episode.patient == patient  # an episode was opened for it
    assert "Cycling an hour: 3/10" in note.subjective
    assert "pain now 6 of 10" in note.subjective
    assert "subacute" in note.subjective or "chronic" in note.subjective
    assert "Red-flag screening: " in note.subjective
    assert "No improvement after about 4 weeks" in note.subjective
    assert note.objective.startswith("Observation:")  # numbers have fields of their own
    # A second click opens the same note.
    client.post(f"/admin/care/visit/{appointment.pk}/evaluation/")
    assert Note.objects.count() == 1


def test_a_signed_note_prints_with_the_clinic_and_the_signature(
    client, therapist, episode, appointment
):
    from tests.intake.pdftext import pdf_text

    services.diagnosis_add(episode=episode, code="M54.50")
    note = services.note_start(appointment=appointment, user=therapist)
    services.note_save(
        note=note,
        user=therapist,
        fields={"assessment": "Improving steadily."},
        interventions=[Row("97110", 33), Row("97140", 7)],
    )
    login_staff(client, therapist)
    draft = " ".join(pdf_text(client.get(f"/admin/care/note/{note.pk}/note.pdf").content).split())
    assert "DRAFT" in draft
    services.note_sign(note=note, user=therapist, password=PASSWORD)
    response = client.get(f"/admin/care/note/{note.pk}/note.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert "Sam" not in response["Content-Disposition"]  # the chart reference, never a name
    text = " ".join(pdf_text(response.content).split())
    for fact in (
        "Testclinic",
        "(541) 555-0100",
        "Sam Patient",
        "M54.50",
        "Improving steadily.",
        "97110",
        "Electronically signed by Alex Demo, PT",
    ):
        assert fact in text, fact
    assert "DRAFT" not in text
    assert AuditEvent.objects.filter(action="export", object_type="care.note").count() == 2


def test_drafts_left_unsigned_are_listed_on_their_authors_dashboard(
    client, therapist, other_therapist, episode, appointment, site
):
    from datetime import timedelta

    from django.utils import timezone

    note = services.note_start(appointment=appointment, user=therapist)
    login_staff(client, therapist)
    assert "Unsigned notes" not in client.get("/admin/").content.decode()  # started just now
    Note.objects.filter(pk=note.pk).update(created_at=timezone.now() - timedelta(hours=25))
    dashboard = client.get("/admin/").content.decode()
    assert "Unsigned notes: 1" in dashboard
    assert f"/admin/care/note/{note.pk}/" in dashboard
    login_staff(client, other_therapist)
    assert "Unsigned notes" not in client.get("/admin/").content.decode()  # not theirs


def test_every_note_event_names_the_patient(client, therapist, episode, appointment):
    login_staff(client, therapist)
    client.post(f"/admin/care/visit/{appointment.pk}/note/")
    note = Note.objects.get()
    client.get(f"/admin/care/note/{note.pk}/")
    client.post(f"/admin/care/note/{note.pk}/addendum/", {"text": "x", "password": PASSWORD})
    events = AuditEvent.objects.filter(object_type__in=["care.note", "care.episode"])
    assert events.count() >= 3
    assert set(events.values_list("patient_reference", flat=True)) == {episode.patient.reference}
    # An addendum to a draft is refused and says so in the log, as a refused signature does.
    assert events.filter(action="denied", summary="addendum refused (unsigned_addendum)").exists()


def test_the_authenticator_apps_code_signs_once(therapist, episode, appointment):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=therapist, name="Phone", confirmed=True)
    code = f"{TOTP(device.bin_key).token():06d}"
    note = services.note_start(appointment=appointment, user=therapist)
    services.note_save(note=note, user=therapist, fields={"assessment": "Ok."}, interventions=[])
    with pytest.raises(services.CareError, match="not right"):
        services.note_sign(
            note=note, user=therapist, password="000000" if code != "000000" else "1"
        )
    device.throttle_reset()
    services.note_sign(note=note, user=therapist, password=code)
    note = Note.objects.get(pk=note.pk)
    assert note.is_signed
    # A code is spent once used: an addendum needs the next one (or the password).
    with pytest.raises(services.CareError, match="not right"):
        services.addendum_add(note=note, user=therapist, text="Later.", password=code)
    services.addendum_add(note=note, user=therapist, text="Later.", password=PASSWORD)


def test_one_click_saves_and_signs_and_a_refusal_keeps_what_was_typed(
    client, therapist, episode, appointment
):
    from physiofit.booking.models import Appointment

    note = services.note_start(appointment=appointment, user=therapist)
    login_staff(client, therapist)
    url = f"/admin/care/note/{note.pk}/"
    form = {
        "cpt-TOTAL_FORMS": "1",
        "cpt-INITIAL_FORMS": "0",
        "cpt-0-minutes": "10",  # minutes without a code: an error on the row
        "assessment": "Typed with care.",
        "action": "sign",
        "sign-password": PASSWORD,
    }
    response = client.post(url, form)
    assert response.status_code == 400
    assert "Typed with care." in response.content.decode()  # kept on the page
    form.update({"cpt-0-code": "97110", "sign-password": "wrong"})
    client.post(url, form)
    note.refresh_from_db()
    assert (note.assessment, note.is_signed) == ("Typed with care.", False)  # saved, not signed
    form["sign-password"] = PASSWORD
    client.post(url, form)
    note.refresh_from_db()
    assert note.is_signed
    assert note.interventions.get().units == 1
    # The visit had started: signing its note marks it attended.
    assert Appointment.objects.get(pk=appointment.pk).status == "completed"
