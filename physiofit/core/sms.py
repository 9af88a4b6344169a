"""Text messages: one backend chosen by SMS_URL (physiofit/settings/env.py), like email's.

`console` logs each message with the number masked (logs carry nothing that identifies a
patient), `locmem` keeps them in `outbox` for tests, `twilio` sends through Twilio's REST API.
Numbers are E.164 (`+15415550100`); `to_e164` turns what a patient typed into one.
"""

import base64
import hashlib
import hmac
import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("physiofit.sms")

# What the locmem backend sent, oldest first (tests empty it).
outbox: list["TextMessage"] = []


class SmsError(Exception):
    """Sending failed in a way a later attempt may cure (network, provider down). The message
    names the cause, never the number or the text."""


class SmsRefused(SmsError):
    """The provider refused this message for good (a number that cannot take texts, one that
    replied STOP): sending it again fails the same way, so it is not retried."""

    def __init__(self, reason: str, *, code: int | None = None):
        self.code = code
        super().__init__(reason)


class RecipientOptedOut(SmsRefused):
    """The number replied STOP to the clinic's sending number; the provider blocks it."""


@dataclass(frozen=True)
class TextMessage:
    """One text to one E.164 number; `send()` hands it to the configured backend, as an
    EmailMessage's does (core/delivery.py sends either)."""

    to: str
    body: str

    def send(self) -> str:
        return backend().send(self)


def enabled() -> bool:
    """Whether texts can be sent at all (production without SMS_URL sends none)."""
    return bool(getattr(settings, "SMS_BACKEND", ""))


def backend():
    if not enabled():
        raise SmsError("Text messages are off: SMS_URL is not set.")
    return import_string(settings.SMS_BACKEND)(**getattr(settings, "SMS_OPTIONS", {}))


# North American numbers: area code and exchange start with 2-9; an N11 area code is a service
# code (211, 911), not a number.
_NANP = re.compile(r"[2-9](?!11)\d{2}[2-9]\d{6}")


def to_e164(number: str, *, default_country_code: str = "1") -> str | None:
    """`number` as typed (`(541) 555-0100`, `+44 20 7946 0958`) in E.164, or None when it
    cannot be a number that takes texts. Without a leading + it is a North American number
    (the default country code 1): ten digits, or eleven starting with 1."""
    text = (number or "").strip()
    if not text or re.search(r"[^0-9+() .\-]", text) or "+" in text[1:]:
        return None
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        if digits.startswith("1"):
            return f"+{digits}" if _NANP.fullmatch(digits[1:]) else None
        # E.164 allows 15 digits at most; no country's mobile numbers are shorter than 8.
        return f"+{digits}" if 8 <= len(digits) <= 15 and digits[0] != "0" else None
    if default_country_code == "1":
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        return f"+1{digits}" if _NANP.fullmatch(digits) else None
    return None


def mask(number: str) -> str:
    """A number as logs and staff lists may show it: the country code 1 and the last two digits
    (`+1••••••••00`), enough to tell two numbers apart, not to call one."""
    digits = re.sub(r"\D", "", number or "")
    if len(digits) < 6:
        return "•" * len(digits)
    country = "1" if digits.startswith("1") and len(digits) == 11 else ""
    hidden = len(digits) - len(country) - 2
    return f"+{country}{'•' * hidden}{digits[-2:]}"


class ConsoleBackend:
    """Development: the text goes to the log (physiofit.sms, INFO), its number masked."""

    def send(self, message: TextMessage) -> str:
        log.info("text to %s: %s", mask(message.to), message.body)
        return "console"


class LocmemBackend:
    """Tests: the text is kept in `outbox`."""

    def send(self, message: TextMessage) -> str:
        outbox.append(message)
        return f"locmem-{len(outbox)}"


# Twilio error codes that sending again cannot cure, in words for the staff's message list.
# https://www.twilio.com/docs/api/errors
TWILIO_PERMANENT = {
    21211: "not a valid phone number",
    21408: "texts to that country are not enabled on the account",
    21610: "the number replied STOP to the clinic's number",
    21612: "the number cannot be reached from the clinic's number",
    21614: "not a mobile number",
}
TWILIO_OPTED_OUT = 21610


class TwilioBackend:
    """Twilio's Programmable Messaging REST API (Messages resource), over HTTPS with the
    account SID and auth token. `sender` is the clinic's Twilio number (E.164) or a Messaging
    Service SID (MG…)."""

    api = "https://api.twilio.com/2010-04-01"
    timeout = 20

    def __init__(self, *, account_sid: str, auth_token: str, sender: str):
        self.account_sid, self.auth_token, self.sender = account_sid, auth_token, sender

    def request(self, message: TextMessage) -> urllib.request.Request:
        fields = {"To": message.to, "Body": message.body}
        fields["MessagingServiceSid" if self.sender.startswith("MG") else "From"] = self.sender
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        # A fixed https:// address: no file: or other scheme can reach urlopen.
        return urllib.request.Request(  # noqa: S310
            f"{self.api}/Accounts/{urllib.parse.quote(self.account_sid)}/Messages.json",
            data=urllib.parse.urlencode(fields).encode(),
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )

    def send(self, message: TextMessage) -> str:
        """Twilio's SID of the accepted message. Raises SmsRefused for a refusal that a retry
        cannot cure, SmsError otherwise; neither's message quotes Twilio's (it names the
        number)."""
        try:
            with urllib.request.urlopen(self.request(message), timeout=self.timeout) as response:  # noqa: S310
                return json.load(response).get("sid", "")
        except urllib.error.HTTPError as error:
            code = _twilio_code(error)
            if code in TWILIO_PERMANENT:
                refusal = RecipientOptedOut if code == TWILIO_OPTED_OUT else SmsRefused
                raise refusal(
                    f"Twilio refused the text (error {code}: {TWILIO_PERMANENT[code]}).", code=code
                ) from None
            raise SmsError(
                f"Twilio answered HTTP {error.code}" + (f" (error {code})" if code else "") + "."
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsError(f"Twilio could not be reached ({type(error).__name__}).") from None

    def signature_valid(self, url: str, params: dict[str, list[str]], signature: str) -> bool:
        """Whether `signature` (the X-Twilio-Signature header) is Twilio's for this request:
        base64 HMAC-SHA1, keyed with the auth token, of the full URL Twilio called followed by
        each POST parameter's name and value, sorted by name."""
        text = url + "".join(
            name + value for name in sorted(params) for value in sorted(params[name])
        )
        expected = base64.b64encode(
            hmac.new(self.auth_token.encode(), text.encode(), hashlib.sha1).digest()
        ).decode()
        return bool(signature) and hmac.compare_digest(expected, signature)


def _twilio_code(error: urllib.error.HTTPError) -> int | None:
    try:
        code = json.loads(error.read() or b"{}").get("code")
    except (ValueError, OSError, AttributeError):
        return None
    return code if isinstance(code, int) else None
