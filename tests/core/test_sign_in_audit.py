"""Staff sign-in, failed sign-in, sign-out and refused admin pages are in the audit log."""

import pytest
from django.contrib.auth.models import Group, Permission

from physiofit.core.models import AuditEvent
from tests.staff import login_staff

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def front_desk(django_user_model):
    group = Group.objects.create(name="Front desk")
    for app, codename in [("wagtailadmin", "access_admin"), ("booking", "view_patient_record")]:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    user = django_user_model.objects.create_user("desk", password=PASSWORD)
    user.groups.add(group)
    return user


def test_a_sign_in_is_recorded(client, site, front_desk):
    client.post("/admin/login/", {"username": "desk", "password": PASSWORD})
    event = AuditEvent.objects.get(action="sign_in")
    assert event.actor == front_desk
    assert event.actor_name == "desk"


def test_a_failed_sign_in_keeps_the_typed_username_never_the_password(client, site, front_desk):
    response = client.post("/admin/login/", {"username": "desk", "password": "guess-one-two"})
    assert response.status_code == 200
    client.post("/admin/login/", {"username": "nobody-here", "password": "guess-one-two"})
    events = AuditEvent.objects.filter(action="sign_in_failed").order_by("pk")
    assert [e.actor_name for e in events] == ["desk", "nobody-here"]
    assert all(e.actor is None for e in events)
    for event in events:
        fields = [event.actor_name, event.summary, event.object_type, event.object_id]
        assert not any("guess" in field for field in fields)
    assert not AuditEvent.objects.filter(action="sign_in").exists()


def test_a_sign_out_is_recorded(client, site, front_desk):
    login_staff(client, front_desk)
    client.post("/admin/logout/")
    event = AuditEvent.objects.get(action="sign_out")
    assert event.actor == front_desk
    assert event.summary == "signed out"


def test_a_wrong_second_factor_code_is_recorded(client, site, front_desk):
    device = login_staff(client, front_desk)
    client.logout()
    client.force_login(front_desk)
    assert device.confirmed
    client.post("/admin/two-factor/verify/", {"code": "000000"})
    event = AuditEvent.objects.get(action="sign_in_failed")
    assert event.actor == front_desk
    assert event.summary.startswith("second factor refused")


def test_a_refused_admin_page_is_recorded_as_denied(client, site, front_desk):
    login_staff(client, front_desk)
    # Wagtail answers the refusal with a redirect to the dashboard and a message.
    response = client.get("/admin/users/")
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="denied")
    assert event.actor == front_desk
    assert event.summary == "wagtailusers_users:index"
    # A script asking gets a real 403, recorded once.
    response = client.get("/admin/users/", headers={"x-requested-with": "XMLHttpRequest"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="denied").count() == 2


def test_allowed_pages_are_not_recorded_as_denied(client, site, front_desk):
    login_staff(client, front_desk)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/calendar/").status_code == 200
    assert not AuditEvent.objects.filter(action="denied").exists()
