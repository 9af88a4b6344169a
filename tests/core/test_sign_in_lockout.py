"""django-axes behind the proxy: the pair (account, visitor address) is locked, nothing wider,
and retrying while locked out does not extend the hour."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import override_settings

PASSWORD = "correct-horse-battery"
PROXY = {"REMOTE_ADDR": "10.0.0.1"}


@pytest.fixture
def staff(django_user_model):
    return {
        name: django_user_model.objects.create_user(
            name, f"{name}@clinic.example", PASSWORD, is_staff=True
        )
        for name in ("ana", "ben")
    }


def sign_in(client, username, password, visitor):
    client.logout()
    return client.post(
        "/admin/login/",
        {"username": username, "password": password},
        **PROXY,
        HTTP_X_FORWARDED_FOR=visitor,
    )


def earlier(**delta):
    """Move the recorded failures back in time, as if that long had passed."""
    attempt = AccessAttempt.objects.get()
    AccessAttempt.objects.update(attempt_time=attempt.attempt_time - timedelta(**delta))


def locked(response) -> bool:
    return response.status_code == 429


@override_settings(AXES_ENABLED=True, TRUSTED_PROXY_COUNT=1)
def test_five_wrong_passwords_lock_that_account_from_that_visitor_only(client, staff):
    for _ in range(4):
        assert not locked(sign_in(client, "ana", "wrong", "203.0.113.9"))
    assert locked(sign_in(client, "ana", "wrong", "203.0.113.9"))
    assert locked(sign_in(client, "ana", PASSWORD, "203.0.113.9"))
    # Every visitor arrives from the proxy's address: only the attacker's own address counts.
    assert not locked(sign_in(client, "ana", PASSWORD, "198.51.100.7"))
    # The attacker cannot lock the other staff members out either.
    assert not locked(sign_in(client, "ben", PASSWORD, "203.0.113.9"))


@override_settings(AXES_ENABLED=True, TRUSTED_PROXY_COUNT=1)
def test_retrying_while_locked_out_does_not_extend_the_hour(client, staff):
    for _ in range(5):
        sign_in(client, "ana", "wrong", "203.0.113.9")
    # 50 minutes later, still locked out, the staff member tries again.
    earlier(minutes=50)
    assert locked(sign_in(client, "ana", "wrong", "203.0.113.9"))
    # An hour after the lockout began, they are let in.
    earlier(minutes=11)
    assert not locked(sign_in(client, "ana", PASSWORD, "203.0.113.9"))
