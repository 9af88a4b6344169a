"""Signing staff in through the browser, second factor included, with codes computed here."""

import io
import re
from base64 import b32decode

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image
from playwright.sync_api import expect

from .conftest import ARTIFACTS

PASSWORD = "e2e-demo-password"


def code_for(key: bytes) -> str:
    return f"{TOTP(key).token():06d}"


def enter_password(page, base: str, username: str) -> None:
    page.goto(base + "/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def enrol(page, check_page) -> None:
    """First sign-in: scan (read) the QR code's secret, confirm a code, keep the recovery codes."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step sign-in")
    qr = page.locator("svg.twofactor-qr")
    expect(qr).to_be_visible()
    check_page(page, "twofactor-enrol")
    # The QR code is drawn: a square of roughly half dark modules, not an empty box.
    image = Image.open(io.BytesIO(qr.screenshot(path=ARTIFACTS / "twofactor-qr.png"))).convert("L")
    assert image.width >= 150
    assert abs(image.width - image.height) <= 2
    dark = sum(image.histogram()[:128]) / (image.width * image.height)
    assert 0.25 < dark < 0.75, dark
    secret = re.sub(r"\s", "", page.locator("#twofactor-secret").inner_text())
    key = b32decode(secret + "=" * (-len(secret) % 8))
    # A mistyped code says so where the person is looking, not only in a red border.
    wrong = "000000" if code_for(key) != "000000" else "111111"
    page.get_by_label("Code").fill(wrong)
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    page.wait_for_timeout(1500)  # django-otp refuses any code for 1 s after a wrong one
    page.get_by_label("Code").fill(code_for(key))
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(
        10
    )
    page.get_by_role("link", name="I have kept them, continue").click()


def verify(page, username: str) -> None:
    """A later sign-in: the code from the account's (already enrolled) authenticator app."""
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    page.get_by_label("Code").fill(code_for(device.bin_key))
    page.get_by_role("button", name="Continue").click()
