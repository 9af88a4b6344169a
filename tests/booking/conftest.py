from datetime import datetime, time
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, Permission

from physiofit.core.models import OpeningHours
from tests.factories import build_booking

BEND = ZoneInfo("America/Los_Angeles")
# Monday 2026-11-30, 6:00 AM in Bend: the reference "now" of booking tests.
NOW = datetime(2026, 11, 30, 6, 0, tzinfo=BEND)


def bend(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BEND)


@pytest.fixture
def frozen_now():
    """The clock read by code that takes no `now=` (views, tasks) stands still at NOW, so a
    test's fixed dates stay in the future whatever day it runs."""
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield NOW


@pytest.fixture
def booking(site):
    return build_booking()


@pytest.fixture
def open_every_day(site):
    """Clinic open round the clock, every day: for daylight-saving days, which are Sundays."""
    clinic = site["clinic"]
    clinic.opening_hours.all().delete()
    for weekday in range(7):
        OpeningHours.objects.create(
            clinic=clinic, weekday=weekday, opens=time(0), closes=time(23, 59)
        )
    return build_booking(every_day=True)


@pytest.fixture
def front_desk(django_user_model):
    group = Group.objects.create(name="Front desk")
    for app, codename in [("wagtailadmin", "access_admin"), ("booking", "view_patient_record")]:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    user = django_user_model.objects.create_user(
        "desk", email="desk@example.com", password="x" * 16
    )
    user.groups.add(group)
    return user


@pytest.fixture
def appointment(booking):
    """Sam Patient's evaluation with Alex on Wednesday, December 2, at 10:00 in Bend."""
    from physiofit.booking import services
    from tests.factories import patient_details

    return services.appointment_book(
        service=booking["evaluation"],
        practitioner=booking["alex"],
        start=bend(2026, 12, 2, 10),
        patient=patient_details(),
        now=NOW,
    )


def dashboard_at(client, moment: datetime) -> str:
    """The admin dashboard as it reads at `moment` (the clock of its booking panels)."""
    from physiofit.booking import staff

    with mock.patch.object(staff, "timezone", mock.Mock(now=lambda: moment)):
        return client.get("/admin/").content.decode()
