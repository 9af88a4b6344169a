"""Staff sessions end after STAFF_IDLE_TIMEOUT_MINUTES idle and STAFF_SESSION_MAX_HOURS in all."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages

from physiofit.core import staff_session
from physiofit.core.models import AuditEvent
from tests.staff import login_staff

pytestmark = pytest.mark.django_db

START = 1_800_000_000.0
MINUTE = 60


@pytest.fixture
def clock(monkeypatch):
    """The sessions' clock, moved by the test: clock.at(minutes after sign-in)."""

    class Clock:
        now = START

        def at(self, minutes: float) -> None:
            self.now = START + minutes * MINUTE

    moved = Clock()
    monkeypatch.setattr(staff_session, "now", lambda: moved.now)
    return moved


@pytest.fixture
def staff(django_user_model):
    user = django_user_model.objects.create_user("desk", password="x" * 16)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


def assert_signed_out(response, message: str) -> None:
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/?next=")
    assert any(message in str(m) for m in get_messages(response.wsgi_request))


def test_idle_staff_are_signed_out_on_their_next_admin_request(client, site, staff, clock):
    login_staff(client, staff)
    clock.at(14)
    assert client.get("/admin/").status_code == 200
    clock.at(14 + 15.5)
    response = client.get("/admin/patients/")
    assert_signed_out(response, "signed out after 15 minutes without activity")
    assert response.url == "/admin/login/?next=/admin/patients/"
    # Signed out for good: the next request asks for the password.
    assert client.get("/admin/").url.startswith("/admin/login/")
    event = AuditEvent.objects.get(action="sign_out")
    assert event.actor == staff
    assert event.summary == "session ended: idle"


def test_activity_keeps_a_session_alive_until_its_maximum_length(client, site, staff, clock):
    login_staff(client, staff)
    minutes = 0
    while minutes < 10 * 60 - 10:
        minutes += 10
        clock.at(minutes)
        assert client.get("/admin/").status_code == 200, minutes
    clock.at(10 * 60 + 1)
    assert_signed_out(client.get("/admin/"), "a session lasts at most 10 hours")
    assert AuditEvent.objects.get(action="sign_out").summary == "session ended: maximum length"


def test_the_limits_come_from_settings(client, site, staff, clock, settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 5
    settings.STAFF_SESSION_MAX_HOURS = 1
    login_staff(client, staff)
    clock.at(4)
    assert client.get("/admin/").status_code == 200
    clock.at(10)
    assert_signed_out(client.get("/admin/"), "after 5 minutes")


def test_public_pages_neither_count_as_activity_nor_end_the_session(client, site, staff, clock):
    login_staff(client, staff)
    saved = dict(client.session.items())
    clock.at(10)
    assert client.get("/").status_code == 200
    assert dict(client.session.items()) == saved  # the session was not written
    clock.at(20)
    assert client.get("/").status_code == 200  # idle, but only the back office signs out
    assert_signed_out(client.get("/admin/"), "without activity")


def test_the_session_is_written_at_most_once_a_minute(client, site, staff, clock):
    login_staff(client, staff)
    clock.at(0.5)
    client.get("/admin/")
    assert client.session[staff_session.LAST_SEEN_AT] == START
    clock.at(2)
    client.get("/admin/")
    assert client.session[staff_session.LAST_SEEN_AT] == START + 2 * MINUTE


def test_a_session_from_before_the_rules_starts_its_clock_now(client, site, staff, clock):
    login_staff(client, staff)
    session = client.session
    del session[staff_session.SIGNED_IN_AT]
    del session[staff_session.LAST_SEEN_AT]
    session.save()
    clock.at(60)
    assert client.get("/admin/").status_code == 200
    clock.at(70)
    assert client.get("/admin/").status_code == 200
