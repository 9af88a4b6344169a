"""The privacy notice says what the site really keeps, load_demo brings an unedited notice up
to date, and the booking and screening steps link to it."""

from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command

from physiofit.core import demo_content as demo
from physiofit.website.models import StandardPage
from tests.booking.conftest import NOW, bend
from tests.factories import build_booking, paragraph


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def privacy() -> StandardPage:
    return StandardPage.objects.get(slug="privacy")


@pytest.mark.django_db
def test_the_notice_names_what_the_site_collects(client, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    load()
    html = client.get("/privacy/").content.decode()
    for fact in (
        "date of birth",
        "health screening questions",
        "progress questionnaires",
        "session cookie",
        "10 years after your last visit",
        'href="/portal/"',
        "(541) 697-4700",
    ):
        assert fact in html, fact
    assert "Nothing else is collected" not in html  # the old, untrue claim


@pytest.mark.django_db
def test_load_demo_updates_an_unedited_old_notice_and_keeps_a_staff_edit(
    monkeypatch, django_user_model
):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    load()
    page = privacy()
    # An older database: the notice as an earlier load_demo wrote it (no user on the revision).
    page.body = [paragraph("Only contact-form data is kept.")]
    page.save_revision().publish()
    output = load()
    assert "Updated page" in output
    assert "date of birth" in str(privacy().body)
    assert load().count("Updated page") == 0  # up to date: no new revision each run

    editor = django_user_model.objects.create_user("privacy-editor", password="x" * 16)
    page = privacy()
    page.body = [paragraph("Our counsel's wording.")]
    page.save_revision(user=editor).publish()
    output = load()
    assert "edited by staff, left as it is" in output
    assert "Our counsel's wording." in str(privacy().body)


def test_the_demo_notice_uses_the_clinics_contact_facts():
    text = str(demo.PRIVACY)
    assert demo.CLINIC["phone"] in text
    assert demo.CLINIC["email"] in text


CONSENT = "keep them in your clinical record"


def assert_consent_links_to_the_notice(client, html: str) -> None:
    assert CONSENT in html
    assert '<a href="/privacy/">Privacy notice</a>' in html
    assert client.get("/privacy/").status_code == 200  # the link works


@pytest.mark.django_db
def test_the_screening_step_shows_the_consent_line(client, site):
    build_booking()
    html = client.get("/book/initial-evaluation/screening/").content.decode()
    assert_consent_links_to_the_notice(client, html)


@pytest.mark.django_db
def test_the_details_step_shows_the_consent_line(client, site):
    from physiofit.intake.triage import red_flags

    build_booking()
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        client.post("/book/initial-evaluation/screening/", dict.fromkeys(red_flags().keys, "no"))
        response = client.get(
            "/book/initial-evaluation/alex/details/", {"start": bend(2026, 12, 2, 10).isoformat()}
        )
    assert response.status_code == 200
    assert_consent_links_to_the_notice(client, response.content.decode())
