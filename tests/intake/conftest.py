import json
from unittest import mock

import pytest
from django.contrib.auth.models import Group, Permission

from physiofit.booking import services as booking_services
from physiofit.intake import instruments, services
from physiofit.intake.triage import red_flags
from tests.booking.conftest import NOW, bend
from tests.factories import build_booking, patient_details

NO = dict.fromkeys(red_flags().keys, False)

INTAKE_ANSWERS = {
    "onset": "2026-10-01",
    "onset_how": "lifting",
    "where": ["back", "buttock"],
    "symptoms": ["worse_lifting_bending"],
    "conditions": [],
    "activities": ["kettlebells", "desk_work"],
    "goals": "Swing a kettlebell without pain.",
    "pain_now": 6,
    "psfs": [{"activity": "Kettlebell swings", "rating": 3}, {"activity": "Sitting", "rating": 5}],
}


@pytest.fixture
def frozen_now():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield NOW


@pytest.fixture
def booking(site):
    return build_booking()


@pytest.fixture
def appointment(booking):
    screening = services.screening_record(answers=NO, service=booking["evaluation"])
    return services.appointment_book_screened(
        screening=screening,
        service=booking["evaluation"],
        practitioner=booking["alex"],
        start=bend(2026, 12, 2, 10),
        patient=patient_details(),
        now=NOW,
    )


def wording_for(code: str) -> dict:
    """Stand-in wording shaped like a licensed copy (tests only: the real text is copyrighted)."""
    definition = instruments.get(code)
    return {
        "intro": f"Stand-in introduction for {code}.",
        "items": {
            item.key: {
                "text": f"Stand-in {item.key}",
                **(
                    {"options": [f"Option {o.value}" for o in item.options]} if item.options else {}
                ),
            }
            for item in definition.items
        },
    }


@pytest.fixture
def wording_file(tmp_path):
    def write(code: str, content=None) -> str:
        path = tmp_path / f"{code}.json"
        path.write_text(json.dumps(content if content is not None else wording_for(code)))
        return str(path)

    return write


def staff_user(django_user_model, username: str, *perms: tuple[str, str]):
    group = Group.objects.create(name=f"group-{username}")
    for app, codename in [("wagtailadmin", "access_admin"), *perms]:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    user = django_user_model.objects.create_user(
        username, email=f"{username}@example.com", password="x" * 16
    )
    user.groups.add(group)
    return user


@pytest.fixture
def therapist(django_user_model):
    return staff_user(
        django_user_model,
        "therapist",
        ("booking", "view_patient_record"),
        ("booking", "view_patient"),
        ("intake", "view_clinical_record"),
    )


@pytest.fixture
def front_desk(django_user_model):
    return staff_user(
        django_user_model, "desk", ("booking", "view_patient_record"), ("booking", "view_patient")
    )


__all__ = ["NO", "booking_services"]
