"""Duplicate patient records: a public booking never joins an existing chart on matching
details; staff merge (every related row follows, whatever app owns it) or keep apart."""

import json
from datetime import date
from unittest import mock

import pytest
from django.contrib.auth.models import Group, Permission

from physiofit.booking import merge, services
from physiofit.booking.models import Appointment, Patient, WaitlistEntry
from physiofit.core.models import AuditEvent
from physiofit.intake import portal, schedules
from physiofit.intake import services as intake_services
from physiofit.intake.models import MeasureSchedule, PortalLink, Questionnaire, Screening
from physiofit.intake.triage import red_flags
from tests.factories import patient_details
from tests.staff import login_staff

from .conftest import NOW, bend

NO = dict.fromkeys(red_flags().keys, False)


@pytest.fixture(autouse=True)
def frozen_now():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield NOW


def book(booking, start, details, **kwargs) -> Appointment:
    return intake_services.appointment_book_screened(
        screening=intake_services.screening_record(answers=NO, service=booking["evaluation"]),
        service=booking["evaluation"],
        practitioner=booking["alex"],
        start=start,
        patient=details,
        now=NOW,
        **kwargs,
    )


@pytest.fixture
def sam(booking) -> Patient:
    """A patient in care: a visit, a submitted intake, a measure series."""
    appointment = book(booking, bend(2026, 12, 1, 10), patient_details())
    patient = appointment.patient
    Questionnaire.objects.create(
        patient=patient,
        appointment=appointment,
        instrument="intake",
        status="submitted",
        submitted_at=NOW,
        answers={"pain_now": 6},
    )
    Questionnaire.objects.create(
        patient=patient, instrument="nprs", status="submitted", submitted_at=NOW
    )
    return patient


def merger(django_user_model, *extra):
    group = Group.objects.create(name="Front desk")
    for app, codename in [
        ("wagtailadmin", "access_admin"),
        ("booking", "view_patient_record"),
        ("booking", "view_patient"),
        *extra,
    ]:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    user = django_user_model.objects.create_user("desk", password="x" * 16)
    user.groups.add(group)
    return user


@pytest.fixture
def desk(django_user_model):
    return merger(django_user_model, ("booking", "merge_patient"))


# --- The attack: email and date of birth are not a key to someone's chart ------------------


def test_same_email_and_birthday_through_the_api_makes_a_new_flagged_record(booking, client, sam):
    series_before = list(sam.questionnaires.values_list("pk", "answers"))
    response = client.post(
        "/api/v1/appointments",
        json.dumps(
            {
                "service": "initial-evaluation",
                "practitioner": "jordan",
                "start": bend(2026, 12, 2, 10).isoformat(),
                "patient": {
                    "first_name": "Mallory",
                    "last_name": "Intruder",
                    "email": "SAM@example.com",
                    "phone": "541 555 0199",
                    "date_of_birth": "1980-05-06",
                },
                "screening": NO,
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201
    intruder = Appointment.objects.get(reference=response.json()["reference"]).patient
    assert intruder != sam
    assert (intruder.first_name, intruder.phone) == ("Mallory", "541 555 0199")
    assert intruder.possible_duplicate_of == sam
    # The intruder's intake and measures go to their own record, never into Sam's series.
    intake = intake_services.intake_for(intruder.appointments.get())
    assert intake.patient == intruder
    sam.refresh_from_db()
    assert (sam.first_name, sam.phone) == ("Sam", "541 555 0100")
    assert sam.appointments.count() == 1
    assert list(sam.questionnaires.values_list("pk", "answers")) == series_before


@pytest.mark.parametrize(
    "changes",
    [
        {"first_name": "Other"},  # same email and birthday
        {"date_of_birth": date(1999, 1, 1)},  # same email and name
        {"email": "sam.typo@example.com"},  # same name and birthday
    ],
)
def test_each_strong_match_flags_the_new_record(booking, sam, changes):
    again = book(booking, bend(2026, 12, 2, 10), patient_details(**changes)).patient
    assert again.possible_duplicate_of == sam


def test_a_stranger_is_not_flagged(booking, sam):
    stranger = book(
        booking,
        bend(2026, 12, 2, 10),
        patient_details(first_name="Ana", email="ana@example.com", date_of_birth=date(1970, 1, 1)),
    ).patient
    assert stranger.possible_duplicate_of is None


def test_a_third_booking_points_at_the_original_not_at_another_duplicate(booking, sam):
    book(booking, bend(2026, 12, 2, 10), patient_details(first_name="Two"))
    third = book(booking, bend(2026, 12, 3, 10), patient_details(first_name="Three")).patient
    assert third.possible_duplicate_of == sam


def test_a_waitlist_entry_from_the_public_form_is_a_new_record_too(booking, sam):
    entry = services.waitlist_join(
        service=booking["evaluation"],
        practitioner=None,
        patient=patient_details(first_name="Mallory"),
        first_day=date(2026, 12, 1),
        last_day=date(2026, 12, 10),
        mornings=True,
        afternoons=True,
        evenings=True,
    )
    assert entry.patient != sam
    assert entry.patient.possible_duplicate_of == sam


def test_a_waitlist_offer_books_on_the_entry_s_own_record(booking, sam):
    entry = WaitlistEntry.objects.create(
        service=booking["follow_up"],
        patient=sam,
        first_day=date(2026, 12, 1),
        last_day=date(2026, 12, 10),
    )
    appointment = services.waitlist_take_offer(
        entry=entry, practitioner=booking["alex"], start=bend(2026, 12, 4, 10), now=NOW
    )
    assert appointment.patient == sam
    assert Patient.objects.count() == 1


# --- Merge ---------------------------------------------------------------------------------


@pytest.fixture
def duplicate(booking, sam) -> Patient:
    """Sam again, booked online with a new phone: every kind of row hangs off this record."""
    appointment = book(
        booking, bend(2026, 12, 3, 10), patient_details(phone="541 555 0111"), idempotency_key="d"
    )
    patient = appointment.patient
    Questionnaire.objects.create(
        patient=patient, appointment=appointment, instrument="intake", answers={"pain_now": 4}
    )
    schedules.schedule_create(
        patient=patient,
        instrument="nprs",
        every_visits=2,
        last_day=date(2027, 3, 1),
        created_by=None,
        today=date(2026, 11, 30),
    )
    portal.portal_link_create(patient=patient)
    WaitlistEntry.objects.create(
        service=booking["evaluation"],
        patient=patient,
        first_day=date(2026, 12, 1),
        last_day=date(2026, 12, 10),
    )
    return patient


def test_merge_moves_every_related_row_and_deletes_the_other(sam, duplicate, desk):
    moved_appointment = duplicate.appointments.get()
    screening = Screening.objects.get(appointment=moved_appointment)
    questionnaires = Questionnaire.objects.count()
    kept = merge.patient_merge(keep=sam, remove=duplicate, user=desk)
    assert kept == sam
    assert not Patient.objects.filter(pk=duplicate.pk).exists()
    assert kept.appointments.count() == 2
    assert Questionnaire.objects.filter(patient=sam).count() == questionnaires
    assert MeasureSchedule.objects.get().patient == sam
    assert PortalLink.objects.get().patient == sam
    assert WaitlistEntry.objects.get().patient == sam
    screening.refresh_from_db()
    assert screening.appointment.patient == sam
    assert kept.phone == "541 555 0100"  # the kept record's details stay
    event = AuditEvent.objects.get(action=AuditEvent.Action.MERGE)
    assert event.actor == desk
    assert event.patient_id == sam.pk
    assert duplicate.reference in event.summary
    assert sam.reference in event.summary


def test_keeping_the_newer_record_clears_its_own_flag(sam, duplicate, desk):
    kept = merge.patient_merge(keep=duplicate, remove=sam, user=desk)
    assert kept.possible_duplicate_of is None
    assert kept.appointments.count() == 2


def test_merge_refuses_a_patient_with_itself(sam, desk):
    with pytest.raises(merge.MergeError) as caught:
        merge.patient_merge(keep=sam, remove=sam, user=desk)
    assert caught.value.code == "same_patient"
    assert Patient.objects.filter(pk=sam.pk).exists()


def test_a_second_merge_of_the_same_pair_finds_the_record_gone(sam, duplicate, desk):
    stale = Patient.objects.get(pk=duplicate.pk)
    merge.patient_merge(keep=sam, remove=duplicate, user=desk)
    with pytest.raises(merge.MergeError) as caught:
        merge.patient_merge(keep=sam, remove=stale, user=desk)
    assert caught.value.code == "gone"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MERGE).count() == 1


def test_merge_locks_both_records(sam, duplicate, desk):
    """Rows are moved only under a lock on both patients (select_for_update)."""
    with mock.patch.object(
        Patient.objects, "select_for_update", wraps=Patient.objects.select_for_update
    ) as locking:
        merge.patient_merge(keep=sam, remove=duplicate, user=desk)
    locking.assert_called_once()


def test_keep_apart_clears_the_flag_audited(sam, duplicate, desk):
    merge.patient_keep_apart(patient=duplicate, user=desk)
    duplicate.refresh_from_db()
    assert duplicate.possible_duplicate_of is None
    event = AuditEvent.objects.get(action=AuditEvent.Action.CHANGE, patient_id=duplicate.pk)
    assert sam.reference in event.summary
    with pytest.raises(merge.MergeError):
        merge.patient_keep_apart(patient=duplicate, user=desk)


# --- The staff pages ------------------------------------------------------------------------


def test_possible_duplicates_need_the_merge_permission(client, django_user_model, duplicate):
    login_staff(client, merger(django_user_model))
    url = f"/admin/patient-duplicates/{duplicate.pk}/{duplicate.possible_duplicate_of_id}/"
    # Wagtail's admin answers a permission refusal by sending the user back to the dashboard.
    for response in (
        client.get("/admin/patient-duplicates/"),
        client.get(url),
        client.post(url, {"action": "merge", "keep": duplicate.pk}),
    ):
        assert response.status_code in {302, 403}
        assert response.status_code == 403 or response["Location"] == "/admin/"
    assert Patient.objects.count() == 2
    assert not AuditEvent.objects.filter(action__in=["list", "view", "merge"]).exists()
    assert "Possible duplicates" not in client.get("/admin/").content.decode()


def test_the_list_shows_flagged_records_audited(client, desk, sam, duplicate):
    login_staff(client, desk)
    response = client.get("/admin/patient-duplicates/")
    assert response.status_code == 200
    html = response.content.decode()
    assert duplicate.reference in html
    assert sam.reference in html
    assert f"/admin/patient-duplicates/{duplicate.pk}/{sam.pk}/" in html
    assert AuditEvent.objects.filter(action="list", object_id="possible-duplicates").exists()
    assert "Possible duplicates" in client.get("/admin/").content.decode()


def test_compare_shows_both_side_by_side_audited(client, desk, sam, duplicate):
    login_staff(client, desk)
    response = client.get(f"/admin/patient-duplicates/{duplicate.pk}/{sam.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    for value in ("541 555 0100", "541 555 0111", sam.reference, duplicate.reference):
        assert value in html
    assert f'value="{sam.pk}" checked' in html  # the original is suggested
    viewed = set(AuditEvent.objects.filter(action="view").values_list("patient_id", flat=True))
    assert viewed == {sam.pk, duplicate.pk}


def test_confirming_merges_into_the_chosen_record(client, desk, sam, duplicate):
    login_staff(client, desk)
    response = client.post(
        f"/admin/patient-duplicates/{duplicate.pk}/{sam.pk}/", {"action": "merge", "keep": sam.pk}
    )
    assert response.status_code == 302
    assert list(Patient.objects.all()) == [sam]
    assert sam.appointments.count() == 2


def test_keep_apart_from_the_page(client, desk, sam, duplicate):
    login_staff(client, desk)
    response = client.post(
        f"/admin/patient-duplicates/{duplicate.pk}/{sam.pk}/", {"action": "keep_apart"}
    )
    assert response.status_code == 302
    assert Patient.objects.filter(possible_duplicate_of__isnull=False).count() == 0
    assert Patient.objects.count() == 2


@pytest.mark.parametrize(
    "data",
    [{"action": "merge"}, {"action": "merge", "keep": "999999"}, {"action": "delete"}, {}],
)
def test_bad_merge_requests_get_a_clear_400(client, desk, sam, duplicate, data):
    login_staff(client, desk)
    response = client.post(f"/admin/patient-duplicates/{duplicate.pk}/{sam.pk}/", data)
    assert response.status_code == 400
    assert Patient.objects.count() == 2


def test_the_page_refuses_a_record_with_itself_and_unknown_records(client, desk, sam):
    login_staff(client, desk)
    response = client.post(f"/admin/patient-duplicates/{sam.pk}/{sam.pk}/", {"action": "merge"})
    assert response.status_code == 400
    assert "itself" in response.content.decode()
    assert client.get(f"/admin/patient-duplicates/{sam.pk}/999999/").status_code == 404
    assert Patient.objects.filter(pk=sam.pk).exists()


def test_keep_apart_needs_a_flag_between_the_two(client, desk, sam, booking):
    other = book(
        booking,
        bend(2026, 12, 4, 10),
        patient_details(first_name="Ana", email="ana@example.com", date_of_birth=date(1970, 1, 1)),
    ).patient
    login_staff(client, desk)
    response = client.post(
        f"/admin/patient-duplicates/{other.pk}/{sam.pk}/", {"action": "keep_apart"}
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_the_demo_front_desk_may_settle_duplicates(monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("load_demo", stdout=StringIO())
    desk = Group.objects.get(name="Front desk")
    assert desk.permissions.filter(codename="merge_patient").exists()


def test_merging_a_chart_into_a_record_with_another_address_waits_for_a_clinician(
    sam, desk, django_capture_on_commit_callbacks
):
    """The attack by merge: the front desk makes a record with their own address and merges
    the real chart into it, keeping theirs. The portal must not open the chart to that address
    before a clinician approves it, exactly as for an email edited by hand."""
    from django.core import mail
    from django.test import Client

    decoy = Patient.objects.create(
        first_name=sam.first_name,
        last_name=sam.last_name,
        email="desk@example.com",
        phone=sam.phone,
        date_of_birth=sam.date_of_birth,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        merge.patient_merge(keep=decoy, remove=sam, user=desk)
    assert portal.portal_links_held(patient=decoy)
    # The chart's own address is told, as for any change.
    assert [m.to for m in mail.outbox] == [[sam.email]]
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/portal/", {"email": "desk@example.com"})
    assert [m.to for m in mail.outbox] == [[sam.email]]


def test_merging_records_with_the_same_address_holds_nothing(sam, duplicate, desk):
    assert sam.email == duplicate.email
    merge.patient_merge(keep=sam, remove=duplicate, user=desk)
    assert not portal.portal_links_held(patient=sam)
