"""Patients, waitlist and booking emails in the admin: every read and write audited, email
changes announced, and no delete that would break kept records."""

from datetime import date

import pytest
from django.contrib.messages import get_messages

from physiofit.booking.models import Patient, Practitioner, Service, WaitlistEntry
from physiofit.booking.signals import patient_email_changed
from physiofit.core.models import AuditEvent
from tests.staff import login_staff

FORM = {
    "first_name": "Sam",
    "last_name": "Patient",
    "email": "sam@example.com",
    "phone": "541 555 0100",
    "date_of_birth": "1980-05-06",
}


@pytest.fixture
def lone_patient(db):
    """A patient with no appointment (from the waitlist, say): one that may be deleted."""
    return Patient.objects.create(
        first_name="Lee",
        last_name="Waiting",
        email="lee@example.com",
        phone="541 555 0101",
        date_of_birth=date(1990, 1, 2),
    )


@pytest.fixture
def admin(client, admin_user):
    login_staff(client, admin_user)
    return client


def events(action=None):
    # Signing in is audited too (by the sign-in code): these tests count what the admin writes.
    rows = AuditEvent.objects.exclude(action__in=["sign_in", "sign_out"]).order_by("pk")
    return list(rows.filter(action=action) if action else rows)


def error_messages(response) -> list[str]:
    """The error messages this response added (earlier ones wait in the cookie too)."""
    shown = [str(m).strip() for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    return shown[-1:]


def test_patient_list_is_audited_once_per_page(admin):
    assert admin.get("/admin/patients/").status_code == 200
    [event] = events()
    assert (event.action, event.object_type) == ("list", "booking.patient")
    assert event.summary == "page 1"


def test_patient_search_is_audited_with_the_term(admin, appointment):
    response = admin.get("/admin/patients/results/", {"q": "Patient"})
    assert "Sam" in response.content.decode()
    [event] = events()
    assert event.action == "search"
    assert '"Patient"' in event.summary


def test_patient_search_finds_the_reference(admin, appointment):
    reference = appointment.patient.reference
    response = admin.get("/admin/patients/", {"q": reference})
    assert "Sam" in response.content.decode()


def test_patient_list_has_no_export(admin, appointment):
    """Wagtail answers ?export=csv on any listing; patient lists declare no export."""
    response = admin.get("/admin/patients/", {"export": "csv"})
    assert response["Content-Type"].startswith("text/html")
    assert not events("export")
    for url in ("/admin/waitlist/", "/admin/booking_emails/"):
        assert admin.get(url, {"export": "xlsx"})["Content-Type"].startswith("text/html")


def test_patient_history_is_audited(admin, appointment):
    response = admin.get(f"/admin/patients/history/{appointment.patient_id}/")
    assert response.status_code == 200
    [event] = events()
    assert event.action == "history"
    assert event.patient_id == appointment.patient_id
    assert event.patient_reference == appointment.patient.reference


def test_creating_a_patient_is_audited(admin, db):
    response = admin.post("/admin/patients/new/", {**FORM, "email": "new@example.com"})
    assert response.status_code == 302
    patient = Patient.objects.get(email="new@example.com")
    [event] = events()
    assert (event.action, event.object_id, event.patient_id) == (
        "create",
        str(patient.pk),
        patient.pk,
    )


def test_changing_email_audits_before_and_after_and_signals(admin, admin_user, appointment):
    received = []

    def receiver(sender, **kwargs):
        from django.db import connection

        received.append({**kwargs, "in_transaction": connection.in_atomic_block})

    patient_email_changed.connect(receiver)
    try:
        response = admin.post(
            f"/admin/patients/edit/{appointment.patient_id}/",
            {**FORM, "email": "Samuel@Example.org", "phone": "541 555 0199"},
        )
    finally:
        patient_email_changed.disconnect(receiver)
    assert response.status_code == 302
    [signal] = received
    assert signal["patient"].pk == appointment.patient_id
    assert signal["old_email"] == "sam@example.com"
    assert signal["new_email"] == "samuel@example.org"
    assert signal["user"] == admin_user
    assert signal["in_transaction"]
    # The portal's receiver logs what it ended as a change of its own: find the admin's.
    [event] = [e for e in events("change") if e.summary.startswith("email:")]
    assert "email: sam@example.com → samuel@example.org" in event.summary
    assert "phone: 541 555 0100 → 541 555 0199" in event.summary
    assert event.patient_reference == appointment.patient.reference


def test_a_change_without_a_new_email_sends_no_signal(admin, appointment):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    patient_email_changed.connect(receiver)
    try:
        # Same address in capitals: stored lowercased, so not a change.
        admin.post(
            f"/admin/patients/edit/{appointment.patient_id}/",
            {**FORM, "email": "SAM@example.com", "first_name": "Samuel"},
        )
    finally:
        patient_email_changed.disconnect(receiver)
    assert received == []
    [event] = events("change")
    assert event.summary == "first_name: Sam → Samuel"


def test_the_plain_delete_sends_staff_to_the_retention_checked_erasure(admin, appointment):
    url = f"/admin/patients/delete/{appointment.patient_id}/"
    for response in (admin.get(url), admin.post(url)):
        assert response.status_code == 302
        assert response["Location"] == f"/admin/clinical/patient/{appointment.patient_id}/erase/"
    assert Patient.objects.filter(pk=appointment.patient_id).exists()
    assert not events("delete")


def test_a_record_without_visits_is_not_deleted_past_the_retention_check(admin, lone_patient):
    """The hole: a patient with no appointment went through the plain delete, and their
    questionnaires (answers, scores) cascaded with them, whatever the retention period."""
    from physiofit.intake import services

    questionnaire = services.questionnaire_send(patient=lone_patient, instrument="nprs")
    response = admin.post(f"/admin/patients/delete/{lone_patient.pk}/", follow=True)
    page = response.content.decode()
    assert "checks the retention period first" in page
    assert "This record cannot be erased yet" in page
    assert Patient.objects.filter(pk=lone_patient.pk).exists()
    assert type(questionnaire).objects.filter(pk=questionnaire.pk).exists()
    assert not events("delete")


def test_patient_delete_refusal_needs_the_permission_first(client, django_user_model, appointment):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", password="x" * 16)
    for codename in ("access_admin", "view_patient"):
        viewer.user_permissions.add(Permission.objects.get(codename=codename))
    login_staff(client, viewer)
    response = client.get(f"/admin/patients/delete/{appointment.patient_id}/")
    assert all("appointment" not in m for m in error_messages(response))
    assert Patient.objects.filter(pk=appointment.patient_id).exists()


def test_waitlist_views_and_deletes_are_audited(admin, booking, lone_patient):
    entry = WaitlistEntry.objects.create(
        service=booking["evaluation"],
        patient=lone_patient,
        first_day=date(2026, 12, 1),
        last_day=date(2026, 12, 9),
    )
    admin.get("/admin/waitlist/", {"status": "waiting"})
    admin.get(f"/admin/waitlist/edit/{entry.pk}/")
    admin.get(f"/admin/waitlist/history/{entry.pk}/")
    admin.post(f"/admin/waitlist/delete/{entry.pk}/")
    assert [(e.action, e.patient_id) for e in events()] == [
        ("list", None),
        ("view", lone_patient.pk),
        ("history", lone_patient.pk),
        ("delete", lone_patient.pk),
    ]
    assert "status=waiting" in events()[0].summary
    assert not WaitlistEntry.objects.exists()


@pytest.mark.parametrize(
    ("model", "url_part", "name"),
    [(Practitioner, "practitioner", "Alex Demo, PT"), (Service, "service", "Initial evaluation")],
)
def test_booked_practitioners_and_services_are_not_deleted(
    admin, appointment, model, url_part, name
):
    obj = model.objects.get(appointments=appointment)
    url = f"/admin/snippets/booking/{url_part}/delete/{obj.pk}/"
    expected = [f"{name} has 1 appointment; those records are kept, so it cannot be deleted."]
    for response in (admin.get(url), admin.post(url)):
        assert response.status_code == 302
        assert error_messages(response) == expected
    bulk = f"/admin/bulk/booking/{url_part}/delete/?id={obj.pk}"
    for response in (admin.get(bulk), admin.post(bulk)):
        assert response.status_code == 302
        assert error_messages(response) == expected
    assert model.objects.filter(pk=obj.pk).exists()


def test_unbooked_practitioner_is_still_bulk_deleted(admin, booking, appointment):
    jordan = booking["jordan"]
    response = admin.post(f"/admin/bulk/booking/practitioner/delete/?id={jordan.pk}")
    assert response.status_code == 302
    assert not Practitioner.objects.filter(pk=jordan.pk).exists()


def test_the_delete_method_cannot_skip_the_checks(admin, lone_patient):
    """Django's delete views also answer HTTP DELETE by deleting at once, without the refusal
    or the audit; ours answer it 405."""
    response = admin.delete(f"/admin/patients/delete/{lone_patient.pk}/")
    assert response.status_code == 405
    assert Patient.objects.filter(pk=lone_patient.pk).exists()
