"""The staff password reset form is rate limited per visitor address and per email typed in,
and its refusal says nothing about whether the account exists."""

import pytest
from django.core import mail

from physiofit.core import password_reset


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(
        "ana", "ana@clinic.example", "correct-horse-battery", is_staff=True
    )


def reset(client, email, address="203.0.113.9"):
    return client.post("/admin/password_reset/", {"email": email}, REMOTE_ADDR=address)


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["ana@clinic.example", "nobody@clinic.example"])
def test_one_email_gets_three_requests_an_hour_from_anywhere(client, staff, email):
    for n in range(password_reset.EMAIL_LIMIT):
        assert reset(client, email, f"198.51.100.{n}").status_code == 302
    refused = reset(client, email.upper(), "192.0.2.200")
    assert refused.status_code == 429
    assert password_reset.REFUSAL in refused.content.decode()
    sent = len(mail.outbox)
    assert sent == (password_reset.EMAIL_LIMIT if email.startswith("ana") else 0)


@pytest.mark.django_db
def test_one_address_cannot_flood_many_inboxes(client, staff):
    for n in range(password_reset.ADDRESS_LIMIT):
        assert reset(client, f"person{n}@example.com").status_code == 302
    refused = reset(client, "ana@clinic.example")
    assert refused.status_code == 429
    assert password_reset.REFUSAL in refused.content.decode()
    assert mail.outbox == []
    # Someone else, elsewhere, is not affected.
    assert reset(client, "ana@clinic.example", "198.51.100.7").status_code == 302
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_malformed_requests_count_against_the_address_too(client):
    for _ in range(password_reset.ADDRESS_LIMIT):
        assert reset(client, "not an email").status_code == 200
    assert reset(client, "not an email").status_code == 429
