"""The audit log: append-only on every path, read in clinic time with patients named, filtered,
and exported (the export itself logged)."""

import csv
import io
import re
from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.contrib.auth.models import Permission

from physiofit.booking.models import Patient
from physiofit.core.models import AuditEvent, audit


def event_at(when: datetime, **kwargs) -> AuditEvent:
    with mock.patch("django.utils.timezone.now", return_value=when):
        return audit(**kwargs)


@pytest.fixture
def sam(db):
    return Patient.objects.create(
        first_name="Sam",
        last_name="Patient",
        email="sam@example.com",
        phone="541 555 0100",
        date_of_birth=date(1980, 5, 6),
    )


@pytest.fixture
def desk(django_user_model):
    return django_user_model.objects.create_user("desk", password="x" * 16)


@pytest.fixture
def log(site, admin_user, desk, sam):
    """Three events around midnight in Bend (UTC-8 in December), by two people."""
    return [
        # 2026-12-01 23:30 in Bend.
        event_at(
            datetime(2026, 12, 2, 7, 30, tzinfo=UTC),
            user=desk,
            action=AuditEvent.Action.VIEW,
            obj=sam,
        ),
        # 2026-12-02 00:30 in Bend.
        event_at(
            datetime(2026, 12, 2, 8, 30, tzinfo=UTC),
            user=admin_user,
            action=AuditEvent.Action.SEARCH,
            object_type="booking.patient",
            summary='"=HYPERLINK(1)"',
        ),
        event_at(
            datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
            user=desk,
            action=AuditEvent.Action.CHANGE,
            obj=sam,
            summary="email: sam@example.com → s@example.org",
        ),
    ]


@pytest.fixture
def admin(client, admin_user):
    from tests.staff import login_staff

    login_staff(client, admin_user)
    return client


def shown(response) -> set[int]:
    """Which events the listing shows (each row links to its entry)."""
    return {
        int(pk) for pk in re.findall(r"/admin/audit_log/inspect/(\d+)/", response.content.decode())
    }


def test_events_cannot_be_changed_or_deleted_one_by_one_or_in_bulk(log):
    event = log[0]
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="nothing happened")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 3


def test_no_admin_path_adds_changes_or_deletes_an_event(admin, log):
    event = log[0]
    before = list(AuditEvent.objects.values_list("pk", "summary"))
    attempts = [
        ("get", "/admin/audit_log/new/", {}),
        ("post", "/admin/audit_log/new/", {"summary": "made up"}),
        ("get", f"/admin/audit_log/edit/{event.pk}/", {}),
        ("post", f"/admin/audit_log/edit/{event.pk}/", {"summary": "rewritten"}),
        ("get", f"/admin/audit_log/delete/{event.pk}/", {}),
        ("post", f"/admin/audit_log/delete/{event.pk}/", {}),
        ("get", f"/admin/bulk/core/auditevent/delete/?id={event.pk}", {}),
        ("post", f"/admin/bulk/core/auditevent/delete/?id={event.pk}", {}),
    ]
    for method, url, data in attempts:
        response = getattr(admin, method)(url, data)
        assert response.status_code in {302, 403, 404}, url
    kept = AuditEvent.objects.filter(pk__in=[pk for pk, _ in before])
    assert list(kept.values_list("pk", "summary")) == before
    # Each refusal may itself be logged (as "denied"); nothing else is written.
    assert set(AuditEvent.objects.exclude(pk__in=kept).values_list("action", flat=True)) <= {
        "denied"
    }
    listing = admin.get("/admin/audit_log/").content.decode()
    assert "/admin/audit_log/edit/" not in listing
    assert "/admin/audit_log/delete/" not in listing


def test_staff_without_the_permission_do_not_see_the_log(client, django_user_model, log):
    from tests.staff import login_staff

    user = django_user_model.objects.create_user("editor", password="x" * 16)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    login_staff(client, user)
    response = client.get("/admin/audit_log/")
    assert response.status_code in {302, 403}
    assert "Sam" not in response.content.decode()


def test_log_shows_clinic_time_and_the_patient_by_name_and_reference(admin, log, sam):
    html = admin.get("/admin/audit_log/").content.decode()
    assert "2026-12-01 23:30:00 PST" in html
    assert f"Sam Patient · {sam.reference}" in html
    assert "Staff member" in html


def test_a_deleted_patient_shows_as_deleted_with_the_reference(admin, log, sam):
    reference = sam.reference
    sam.delete()
    html = admin.get("/admin/audit_log/").content.decode()
    assert f"(deleted) · {reference}" in html
    assert "Sam Patient" not in html
    inspect = admin.get(f"/admin/audit_log/inspect/{log[0].pk}/").content.decode()
    assert f"(deleted) · {reference}" in inspect
    assert "2026-12-01 23:30:00 PST" in inspect


def test_date_filter_uses_clinic_days(admin, log):
    view, search, change = (e.pk for e in log)
    response = admin.get("/admin/audit_log/", {"at_from": "2026-12-02", "at_to": "2026-12-02"})
    assert shown(response) == {search, change}
    response = admin.get("/admin/audit_log/", {"at_from": "2026-11-30", "at_to": "2026-12-01"})
    assert shown(response) == {view}


def test_filters_by_staff_member_action_and_patient(admin, log, desk, sam):
    view, search, change = (e.pk for e in log)
    assert shown(admin.get("/admin/audit_log/", {"actor": desk.pk})) == {view, change}
    assert shown(admin.get("/admin/audit_log/", {"action": "search"})) == {search}
    for patient in (sam.reference.lower(), "sam patient", "Patient"):
        assert shown(admin.get("/admin/audit_log/", {"patient": patient})) == {view, change}
    assert shown(admin.get("/admin/audit_log/", {"patient": "nobody"})) == set()


def test_bad_filter_values_are_not_a_500(admin, log):
    for params in ({"at_from": "yesterday"}, {"actor": "x"}, {"action": "launch"}):
        assert admin.get("/admin/audit_log/", params).status_code == 200


def test_viewing_the_log_is_not_logged(admin, log):
    before = AuditEvent.objects.count()
    admin.get("/admin/audit_log/")
    admin.get(f"/admin/audit_log/inspect/{log[0].pk}/")
    assert AuditEvent.objects.count() == before


def test_csv_export_and_the_export_is_audited(admin, admin_user, log, sam):
    response = admin.get(
        "/admin/audit_log/", {"export": "csv", "actor": admin_user.pk, "action": "search"}
    )
    assert response["Content-Type"] == "text/csv"
    content = b"".join(response.streaming_content).decode()
    table = list(csv.reader(io.StringIO(content)))
    assert table[0] == [
        "Time (clinic)",
        "Staff member",
        "Action",
        "Patient reference",
        "Patient",
        "Record",
        "Id",
        "Summary",
    ]
    [row] = table[1:]
    assert row[:3] == ["2026-12-02 00:30:00 PST", "admin", "Searched"]
    assert row[7] == '"=HYPERLINK(1)"'
    export = AuditEvent.objects.get(action="export")
    assert export.actor == admin_user
    assert export.object_type == "core.auditevent"
    assert export.summary.startswith("csv, 1 rows")
    assert f"actor={admin_user.get_username()}" in export.summary
    assert "action=search" in export.summary


def test_export_names_patients(admin, log, sam):
    response = admin.get("/admin/audit_log/", {"export": "csv", "action": "change"})
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert table[1][3:5] == [sam.reference, "Sam Patient"]


def test_formula_cells_are_escaped(  # a typed search term never becomes a formula
    admin, admin_user, site
):
    audit(user=admin_user, action=AuditEvent.Action.SEARCH, object_type="x", summary="=1+1")
    response = admin.get("/admin/audit_log/", {"export": "csv", "action": "search"})
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert table[1][7] == "'=1+1"
