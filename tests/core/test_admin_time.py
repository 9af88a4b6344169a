"""The admin's lists and pages show clinic time, unless a staff member chose their own zone."""

from datetime import UTC, datetime
from unittest import mock

import pytest
from wagtail.users.models import UserProfile

from physiofit.booking.models import Notification
from tests.staff import login_staff

pytestmark = pytest.mark.django_db
# 17:30 UTC on December 4 is 9:30 AM in Bend and 6:30 PM in Paris.
MOMENT = datetime(2026, 12, 4, 17, 30, tzinfo=UTC)


def test_admin_lists_show_clinic_time_unless_the_user_chose_a_zone(client, admin_user, site):
    with mock.patch("django.utils.timezone.now", return_value=MOMENT):
        Notification.objects.create(kind="reminder", recipient="sam@example.com")
    login_staff(client, admin_user)
    html = client.get("/admin/booking_emails/").content.decode()
    assert "9:30 a.m." in html
    assert "5:30 p.m." not in html
    profile = UserProfile.get_for_user(admin_user)
    assert profile.current_time_zone == ""  # made at sign-in, with no zone chosen
    profile.current_time_zone = "Europe/Paris"
    profile.save()
    assert "6:30 p.m." in client.get("/admin/booking_emails/").content.decode()
