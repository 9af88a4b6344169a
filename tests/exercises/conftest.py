from datetime import date, timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Group, Permission, User

from physiofit.booking.models import Patient
from physiofit.exercises.models import Exercise, ProgramTemplate
from physiofit.intake import portal
from tests.factories import build_booking


def make_exercise(slug: str, **fields) -> Exercise:
    values = {
        "name": slug.replace("-", " ").capitalize(),
        "slug": slug,
        "purpose": f"Purpose of {slug}.",
        "starting_position": "Lie on your back.",
        "steps": "Breathe out.\nMove slowly.\nReturn.",
        "cues": "Keep ribs down",
        "body_region": "core",
        "sets": 2,
        "reps": 10,
        **fields,
    }
    exercise = Exercise.objects.create(**values)
    exercise.save_revision()
    return exercise


@pytest.fixture
def today():
    """A fixed clinic day: every test knows what "today" is."""
    day = date(2026, 12, 2)
    with (
        mock.patch("physiofit.exercises.views.clinic_today", return_value=day),
        mock.patch("physiofit.exercises.staff.clinic_today", return_value=day),
        mock.patch("physiofit.exercises.wagtail_hooks.clinic_today", return_value=day),
    ):
        yield day


@pytest.fixture
def library(site):
    easy = make_exercise("dead-bug-heel-taps", difficulty=1)
    hard = make_exercise("dead-bug", difficulty=2)
    hard.easier.set([easy])
    hard.save()
    cat = make_exercise("cat-camel", body_region="mid_back", reps=8)
    bridge = make_exercise("glute-bridge", body_region="hip", days_per_week=3)
    return {"easy": easy, "dead_bug": hard, "cat": cat, "bridge": bridge}


@pytest.fixture
def template(library):
    def item(exercise, **dosage):
        return {
            "exercise": exercise.pk,
            "sets": None,
            "reps": None,
            "hold_seconds": None,
            "note": "",
            **dosage,
        }

    return ProgramTemplate.objects.create(
        name="Maigne's syndrome — four phases",
        phases=[
            {
                "type": "phase",
                "value": {
                    "name": "Mobility",
                    "first_week": 1,
                    "weeks": 2,
                    "exercises": [item(library["cat"], reps=6)],
                },
            },
            {
                "type": "phase",
                "value": {
                    "name": "Deep core",
                    "first_week": 3,
                    "weeks": 2,
                    "exercises": [
                        item(library["dead_bug"], note="Ribs down"),
                        item(library["bridge"]),
                    ],
                },
            },
        ],
    )


@pytest.fixture
def booking(site):
    return build_booking()


@pytest.fixture
def patient(site):
    return Patient.objects.create(
        first_name="Sam",
        last_name="Patient",
        email="sam@example.com",
        phone="541 555 0100",
        date_of_birth=date(1980, 5, 6),
    )


@pytest.fixture
def other_patient(site):
    return Patient.objects.create(
        first_name="Alex",
        last_name="Other",
        email="alex@example.com",
        phone="541 555 0101",
        date_of_birth=date(1975, 1, 2),
    )


def group_user(name: str, permissions: list[tuple[str, str]]) -> User:
    group, _ = Group.objects.get_or_create(name=name)
    for app_label, codename in [("wagtailadmin", "access_admin"), *permissions]:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    user = User.objects.create_user(name.lower().replace(" ", ""), password="x")
    user.groups.add(group)
    return user


@pytest.fixture
def therapist(site):
    return group_user(
        "Therapists",
        [
            ("booking", "view_patient_record"),
            ("intake", "view_clinical_record"),
            ("exercises", "manage_program"),
        ],
    )


@pytest.fixture
def front_desk(site):
    return group_user("Front desk", [("booking", "view_patient_record")])


def portal_sign_in(client, patient) -> None:
    token = portal.portal_link_create(patient=patient)
    assert client.post(f"/portal/sign-in/{token}/").status_code == 302


def days(n: int) -> timedelta:
    return timedelta(days=n)
