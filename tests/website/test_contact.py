import pytest
from django.core import mail

from physiofit.website.models import ContactMessage

VALID = {
    "name": "Sam Patient",
    "email": "sam@example.com",
    "phone": "541 555 0199",
    "message": "Do you have a time next week?",
    "website": "",
}


def post(client, **changes):
    return client.post("/contact/", {**VALID, **changes})


def test_message_is_stored_then_emailed_to_the_clinic(
    site, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(client)
        # The row exists before anything is sent: the email waits for the commit.
        assert ContactMessage.objects.count() == 1
        assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert response.status_code == 302
    assert response["Location"] == "/contact/?sent=1#contact-form"
    message = ContactMessage.objects.get()
    assert message.email_status == ContactMessage.EmailStatus.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["clinic@example.com"]
    assert mail.outbox[0].reply_to == ["sam@example.com"]
    assert "Do you have a time next week?" in mail.outbox[0].body
    assert "Thank you" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"name": "", "email": "", "message": ""}, "This field is required."),
        ({"message": "x" * 2001}, "at most 2000 characters"),
        ({"name": "n" * 101}, "at most 100 characters"),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"phone": "call me maybe"}, "Enter a phone number"),
        (
            {"message": "<script>alert('x')</script>"},
            "HTML tags such as &lt;b&gt; are not accepted",
        ),
        ({"name": "<b>Sam</b>"}, "plain text"),
        ({"message": "hello\x00world"}, "Null characters are not allowed."),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(site, client, changes, error):
    response = post(client, **changes)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert "Your message was not sent." in response.content.decode()
    assert ContactMessage.objects.count() == 0
    assert mail.outbox == []


def test_a_less_than_sign_in_plain_text_is_fine(site, client):
    assert post(client, message="My pain is < 5 out of 10 today").status_code == 302


def test_honeypot_stores_nothing_but_looks_like_success(site, client):
    response = post(client, website="http://spam.example")
    assert response.status_code == 302
    assert ContactMessage.objects.count() == 0
    assert mail.outbox == []


def test_rate_limit_stops_a_flood_with_a_429(site, client):
    for _ in range(5):
        assert post(client).status_code == 302
    response = post(client)
    assert response.status_code == 429
    assert "wait ten minutes" in response.content.decode()
    assert ContactMessage.objects.count() == 5


def test_failed_send_is_recorded_not_lost(
    site, client, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.website.failing_mail.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client).status_code == 302
    message = ContactMessage.objects.get()
    assert message.email_status == ContactMessage.EmailStatus.FAILED
    assert "ConnectionRefusedError" in message.email_error
    assert message.email_attempts == 1


def test_form_warns_against_medical_details(site, client):
    assert "No medical details, please." in client.get("/contact/").content.decode()


def test_online_booking_comes_first_then_phone_and_email(site, client):
    html = client.get("/contact/").content.decode()
    book = html.index('<a class="button" href="/book/">Book online</a>')
    assert (
        book < html.index('href="tel:5415550100"') < html.index('href="mailto:clinic@example.com"')
    )
