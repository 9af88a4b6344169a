from datetime import date

import pytest

from physiofit.booking.models import Appointment, Patient, new_reference
from tests.booking.conftest import bend
from tests.exercises.conftest import group_user
from tests.factories import build_booking

PASSWORD = "correct horse battery"


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


def visit(booking, patient, start) -> Appointment:
    service = booking["follow_up"]
    return Appointment.objects.create(
        practitioner=booking["alex"],
        service=service,
        patient=patient,
        start=start,
        end=start + service.duration,
        blocked_start=start,
        blocked_end=start + service.duration,
        reference=new_reference(),
    )


@pytest.fixture
def appointment(booking, patient):
    return visit(booking, patient, bend(2026, 12, 2, 10))


def clinician(name: str, *, write: bool = True, pt: bool = True):
    """A clinical user: a physical therapist by default; `pt=False` makes an assistant (writes
    daily notes that a PT co-signs), `write=False` a reader."""
    permissions = [("booking", "view_patient_record"), ("intake", "view_clinical_record")]
    if write:
        permissions.append(("care", "write_note"))
        if pt:
            permissions.append(("care", "cosign_note"))
    user = group_user(name, permissions)
    user.first_name, user.last_name = name.split(" ", 1) if " " in name else (name, "")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def therapist(site, booking):
    user = clinician("Alex Demo")
    booking["alex"].user = user
    booking["alex"].save()
    return user


@pytest.fixture
def other_therapist(site):
    return clinician("Jordan Sample")


@pytest.fixture
def front_desk(site):
    return group_user("Front desk", [("booking", "view_patient_record")])


@pytest.fixture
def assistant(site):
    return clinician("Pat Assistant", pt=False)
