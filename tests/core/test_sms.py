"""Text-message backends (physiofit/core/sms.py) and SMS_URL: parsing, numbers, masking, the
Twilio request and its refusals, and Twilio's webhook signature."""

import io
import json
import logging
import urllib.error
import urllib.parse
from base64 import b64decode

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from physiofit.core import sms
from physiofit.settings.env import sms_config

SID = "AC" + "0" * 32
TOKEN = "f" * 32


# --- SMS_URL ------------------------------------------------------------------------------


def test_sms_url_unset_logs_to_the_console():
    assert sms_config(None) == {
        "SMS_BACKEND": "physiofit.core.sms.ConsoleBackend",
        "SMS_OPTIONS": {},
    }
    assert sms_config("  ")["SMS_BACKEND"].endswith("ConsoleBackend")
    assert sms_config("locmem://")["SMS_BACKEND"].endswith("LocmemBackend")


def test_sms_url_unset_in_production_turns_texts_off():
    assert sms_config(None, default="") == {"SMS_BACKEND": "", "SMS_OPTIONS": {}}


def test_sms_url_twilio_with_a_number_or_a_messaging_service():
    config = sms_config(f"twilio://{SID}:{TOKEN}@+15415550199")
    assert config["SMS_BACKEND"] == "physiofit.core.sms.TwilioBackend"
    assert config["SMS_OPTIONS"] == {
        "account_sid": SID,
        "auth_token": TOKEN,
        "sender": "+15415550199",
    }
    assert sms_config(f"twilio://{SID}:{TOKEN}@%2B15415550199")["SMS_OPTIONS"]["sender"] == (
        "+15415550199"
    )
    # A Messaging Service SID keeps its case (a hostname would be lower-cased).
    service = "MG" + "aB" * 16
    assert sms_config(f"twilio://{SID}:{TOKEN}@{service}")["SMS_OPTIONS"]["sender"] == service


def test_sms_url_unknown_scheme_is_refused_clearly():
    with pytest.raises(ImproperlyConfigured, match="SMS_URL scheme 'nexmo' is not supported"):
        sms_config("nexmo://key:secret@x")


@pytest.mark.parametrize(
    ("url", "error"),
    [
        (f"twilio://{SID}:{TOKEN}@5415550199", "must be the clinic's Twilio number in E.164"),
        (f"twilio://{SID}@+15415550199", "twilio://ACCOUNT_SID:AUTH_TOKEN@SENDER"),
        (f"twilio://SK123:{TOKEN}@+15415550199", "starts with AC"),
    ],
)
def test_sms_url_twilio_needs_an_account_a_token_and_a_sender(url, error):
    with pytest.raises(ImproperlyConfigured, match=error):
        sms_config(url)


def test_an_unknown_sms_url_stops_start_up(tmp_path):
    from tests.commands import manage_env, run_manage

    result = run_manage(
        ["check"],
        manage_env(
            DJANGO_SETTINGS_MODULE="physiofit.settings.dev",
            PHYSIOFIT_VAR_DIR=str(tmp_path),
            SMS_URL="carrier-pigeon://coo",
        ),
        timeout=120,
    )
    assert result.returncode != 0
    assert "SMS_URL scheme 'carrier-pigeon' is not supported" in result.stderr


# --- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("(541) 555-0100", "+15415550100"),
        ("541.555.0100", "+15415550100"),
        ("1 541 555 0100", "+15415550100"),
        ("+1 541-555-0100", "+15415550100"),
        ("+44 20 7946 0958", "+442079460958"),
        ("555-0100", None),  # no area code
        ("(041) 555-0100", None),  # area codes start with 2-9
        ("(911) 555-0100", None),  # a service code, not an area code
        ("541 155 0100", None),  # exchanges start with 2-9
        ("+1 041 555 0100", None),
        ("+0 123 456 789", None),
        ("+1234567890123456", None),  # longer than E.164 allows
        ("541+555+0100", None),
        ("541 555 0100 x12", None),
        ("", None),
    ],
)
def test_numbers_become_e164_or_none(typed, e164):
    assert sms.to_e164(typed) == e164


@given(st.from_regex(r"[2-9][02-9]{2}[2-9][0-9]{6}", fullmatch=True))
def test_every_north_american_number_round_trips(digits):
    typed = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    assert sms.to_e164(typed) == f"+1{digits}"
    assert sms.to_e164(sms.to_e164(typed)) == f"+1{digits}"


def test_masked_numbers_keep_two_digits():
    assert sms.mask("+15415550100") == "+1••••••••00"
    assert sms.mask("+442079460958") == "+••••••••••58"
    assert "5550100" not in sms.mask("+15415550100")


# --- console and locmem -------------------------------------------------------------------


def test_console_backend_logs_the_text_with_the_number_masked(caplog, settings):
    settings.SMS_BACKEND, settings.SMS_OPTIONS = "physiofit.core.sms.ConsoleBackend", {}
    with caplog.at_level(logging.INFO, logger="physiofit.sms"):
        sms.TextMessage(to="+15415550100", body="Reminder: your visit at Testclinic.").send()
    assert "Reminder: your visit at Testclinic." in caplog.text
    assert "+1••••••••00" in caplog.text
    assert "5415550100" not in caplog.text
    assert "555" not in caplog.text


def test_texts_are_off_without_a_backend(settings):
    settings.SMS_BACKEND = ""
    assert not sms.enabled()
    with pytest.raises(sms.SmsError, match="SMS_URL is not set"):
        sms.TextMessage(to="+15415550100", body="x").send()


# --- Twilio -------------------------------------------------------------------------------


class FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def twilio(settings):
    settings.SMS_BACKEND = "physiofit.core.sms.TwilioBackend"
    settings.SMS_OPTIONS = {"account_sid": SID, "auth_token": TOKEN, "sender": "+15415550199"}
    return sms.backend()


def fake_urlopen(monkeypatch, *, answer=None, error=None):
    sent = []

    def urlopen(request, timeout):
        sent.append((request, timeout))
        if error is not None:
            raise error
        return FakeResponse(json.dumps(answer or {}).encode())

    monkeypatch.setattr(sms.urllib.request, "urlopen", urlopen)
    return sent


def http_error(status: int, body: dict) -> urllib.error.HTTPError:
    return urllib.error.HTTPError(
        "https://api.twilio.com/", status, "refused", {}, io.BytesIO(json.dumps(body).encode())
    )


def test_twilio_request_is_a_form_post_with_basic_auth(twilio, monkeypatch):
    sent = fake_urlopen(monkeypatch, answer={"sid": "SM123", "status": "queued"})
    assert sms.TextMessage(to="+15415550100", body="Reminder: 9:00 AM").send() == "SM123"
    [(request, timeout)] = sent
    assert request.full_url == f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
    assert request.get_method() == "POST"
    assert timeout == 20
    scheme, credentials = request.get_header("Authorization").split()
    assert (scheme, b64decode(credentials).decode()) == ("Basic", f"{SID}:{TOKEN}")
    assert request.get_header("Content-type") == "application/x-www-form-urlencoded"
    assert urllib.parse.parse_qs(request.data.decode()) == {
        "To": ["+15415550100"],
        "From": ["+15415550199"],
        "Body": ["Reminder: 9:00 AM"],
    }


def test_twilio_messaging_service_is_named_as_such(twilio, monkeypatch):
    twilio.sender = "MG" + "a" * 32
    fields = urllib.parse.parse_qs(
        twilio.request(sms.TextMessage("+15415550100", "x")).data.decode()
    )
    assert fields["MessagingServiceSid"] == ["MG" + "a" * 32]
    assert "From" not in fields


def test_twilio_refusal_for_good_names_the_code_not_the_number(twilio, monkeypatch):
    quoted = "The 'To' number +15415550100 is not a valid phone number."
    fake_urlopen(monkeypatch, error=http_error(400, {"code": 21211, "message": quoted}))
    with pytest.raises(sms.SmsRefused) as refused:
        sms.TextMessage(to="+15415550100", body="x").send()
    assert refused.value.code == 21211
    assert "21211" in str(refused.value)
    assert "5550100" not in str(refused.value)


def test_twilio_stop_refusal_is_an_opt_out(twilio, monkeypatch):
    fake_urlopen(monkeypatch, error=http_error(400, {"code": 21610}))
    with pytest.raises(sms.RecipientOptedOut):
        sms.TextMessage(to="+15415550100", body="x").send()


@pytest.mark.parametrize(
    "error",
    [
        http_error(503, {}),
        http_error(401, {"code": 20003}),  # credentials: fixed by the clinic, then retried
        urllib.error.URLError("Name or service not known"),
        TimeoutError(),
    ],
)
def test_twilio_failures_that_may_pass_are_retryable(twilio, monkeypatch, error):
    fake_urlopen(monkeypatch, error=error)
    with pytest.raises(sms.SmsError) as failed:
        sms.TextMessage(to="+15415550100", body="x").send()
    assert not isinstance(failed.value, sms.SmsRefused)


# Twilio's published example of its request validation (its docs and helper libraries).
TWILIO_EXAMPLE = {
    "url": "https://mycompany.com/myapp.php?foo=1&bar=2",
    "params": {
        "CallSid": ["CA1234567890ABCDE"],
        "Caller": ["+14158675309"],
        "Digits": ["1234"],
        "From": ["+14158675309"],
        "To": ["+18005551212"],
    },
    "signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
}


def test_twilio_signature_matches_twilios_published_example():
    backend = sms.TwilioBackend(account_sid=SID, auth_token="12345", sender="+15415550199")
    assert backend.signature_valid(**TWILIO_EXAMPLE)


@pytest.mark.parametrize(
    "change",
    [
        {"signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8X"},
        {"signature": ""},
        {"url": "https://mycompany.com/myapp.php?foo=1&bar=3"},
        {"params": {**TWILIO_EXAMPLE["params"], "Digits": ["1235"]}},
    ],
)
def test_twilio_signature_refuses_any_change(change):
    backend = sms.TwilioBackend(account_sid=SID, auth_token="12345", sender="+15415550199")
    assert not backend.signature_valid(**{**TWILIO_EXAMPLE, **change})
    other_token = sms.TwilioBackend(account_sid=SID, auth_token="54321", sender="+15415550199")
    assert not other_token.signature_valid(**TWILIO_EXAMPLE)
