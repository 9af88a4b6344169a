from datetime import datetime, time
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from physiofit.core.models import OpeningHours
from tests.staff import login_staff

BEND = ZoneInfo("America/Los_Angeles")


def test_anonymous_page_is_served_from_cache_until_a_publish(site, client):
    assert client.get("/back-pain-relief/")["X-Page-Cache"] == "miss"
    assert client.get("/back-pain-relief/")["X-Page-Cache"] == "hit"
    page = site["condition"]
    page.lead = "A brand new lead."
    page.save_revision().publish()
    response = client.get("/back-pain-relief/")
    assert response["X-Page-Cache"] == "miss"
    assert "A brand new lead." in response.content.decode()


def test_changing_opening_hours_invalidates_every_page(site, client):
    client.get("/")
    assert client.get("/")["X-Page-Cache"] == "hit"
    OpeningHours.objects.create(clinic=site["clinic"], weekday=5, opens=time(9), closes=time(12))
    response = client.get("/")
    assert response["X-Page-Cache"] == "miss"
    assert "9:00 AM – 12:00 PM" in response.content.decode()


def test_signed_in_visitors_bypass_the_cache(site, client, django_user_model):
    user = django_user_model.objects.create_user("staff", password="pw-for-tests-only")
    login_staff(client, user)
    client.get("/")
    assert "X-Page-Cache" not in client.get("/")


def test_pages_with_a_form_token_are_not_cached(site, client):
    client.get("/contact/")
    assert "X-Page-Cache" not in client.get("/contact/")


def test_cached_page_expires_at_the_next_opening_or_closing(site, client):
    # Wednesday 6:58 PM in Bend: open, closing in two minutes.
    now = datetime(2026, 11, 25, 18, 58, tzinfo=BEND)
    with (
        mock.patch("django.utils.timezone.now", return_value=now),
        mock.patch("physiofit.core.cache.cache.set") as cache_set,
    ):
        client.get("/")
    timeouts = [
        call.kwargs["timeout"]
        for call in cache_set.call_args_list
        if call.args[0].startswith("pagecache:") and "generation" not in call.args[0]
    ]
    assert timeouts == [120]


@pytest.mark.parametrize(
    ("hour", "label"), [(10, "Open now · closes 7:00 PM"), (20, "Closed · opens tomorrow 7:00 AM")]
)
def test_footer_status_is_rendered_in_clinic_time(site, client, hour, label):
    now = datetime(2026, 11, 25, hour, 0, tzinfo=BEND)
    with mock.patch("django.utils.timezone.now", return_value=now):
        content = client.get("/").content.decode()
    assert label in content


@override_settings(PAGE_CACHE_SECONDS=0)
def test_cache_can_be_switched_off(site, client):
    client.get("/")
    assert client.get("/")["X-Page-Cache"] == "miss"
