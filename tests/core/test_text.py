"""One-line fields refuse line breaks and invisible control characters, wherever they are typed;
an email that can never be sent fails once instead of being retried."""

from datetime import date
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.forms import modelform_factory

from physiofit.booking.forms import PatientDetailsForm, WaitlistForm
from physiofit.booking.models import Patient
from physiofit.core import delivery
from physiofit.core.text import SINGLE_LINE_MESSAGE, validate_single_line
from physiofit.intake import instruments
from physiofit.intake.forms import QuestionnaireForm
from physiofit.intake.staff import SendMeasureForm
from physiofit.website.forms import ContactForm

INJECTION = "Sam\r\nBcc: x@y"
REFUSED = [
    INJECTION,
    "Sam\nBcc: x@y",
    "Sam\rBcc",
    "Sam\u2028Bcc",  # line separator
    "Sam\u2029Bcc",  # paragraph separator
    "Sam\u0085Bcc",  # next line (C1 control)
    "Sam\tPatient",
    "Sam\x00",
    "\u202eSam",  # right-to-left override: reads backwards on staff screens
    "Sa\u200bm",  # zero-width space
]
ACCEPTED = [
    "Sam",
    "Zoë O'Brien-Smith",
    "José María",
    "李小龍",
    "Dr. Ana (Annie) Ruiz, Jr.",
    "می\u200cخواهم",  # Persian spelling uses the zero-width non-joiner
]


@pytest.mark.parametrize("value", REFUSED)
def test_line_breaks_and_control_characters_are_refused(value):
    with pytest.raises(ValidationError) as refused:
        validate_single_line(value)
    assert refused.value.messages == [SINGLE_LINE_MESSAGE]


@pytest.mark.parametrize("value", ACCEPTED)
def test_names_in_any_script_with_punctuation_are_accepted(value):
    validate_single_line(value)


def patient_data(**changes):
    return {
        "first_name": "Sam",
        "last_name": "Patient",
        "email": "sam@example.com",
        "phone": "541 555 0100",
        "date_of_birth": "1980-05-06",
        **changes,
    }


@pytest.mark.parametrize("field", ["first_name", "last_name", "phone"])
def test_booking_details_refuse_a_second_line(db, field):
    form = PatientDetailsForm(data=patient_data(**{field: INJECTION}))
    assert not form.is_valid()
    assert SINGLE_LINE_MESSAGE in form.errors[field]


def test_the_waitlist_form_refuses_a_second_line(db):
    form = WaitlistForm(data=patient_data(first_name=INJECTION))
    assert not form.is_valid()
    assert SINGLE_LINE_MESSAGE in form.errors["first_name"]


@pytest.mark.parametrize("field", ["name", "phone"])
def test_the_contact_form_refuses_a_second_line(field):
    data = {
        "name": "Sam",
        "email": "sam@example.com",
        "message": "Hello\r\nthere",
        field: INJECTION,
    }
    form = ContactForm(data=data)
    assert not form.is_valid()
    assert SINGLE_LINE_MESSAGE in form.errors[field]
    # The message itself may have as many lines as the visitor likes.
    assert "message" not in form.errors


def test_questionnaire_activities_are_one_line_each():
    form = QuestionnaireForm(
        instruments.get("psfs"),
        data={"activities__1__activity": "Cycling\u2028to work", "activities__1__rating": "5"},
        partial=True,
    )
    assert not form.is_valid()
    assert SINGLE_LINE_MESSAGE in form.errors["activities__1__activity"]


def test_the_staff_occasion_label_is_one_line(db):
    form = SendMeasureForm(data={"instrument": "nprs", "label": "Visit 4\nBcc: x@y"})
    assert not form.is_valid()
    assert SINGLE_LINE_MESSAGE in form.errors["label"]


@pytest.mark.parametrize("field", ["first_name", "last_name", "phone"])
def test_staff_editing_a_patient_cannot_save_a_second_line(db, field):
    # The back office's patient form is a ModelForm over these fields: the model's validators
    # are what it checks.
    form_class = modelform_factory(
        Patient, fields=["first_name", "last_name", "email", "phone", "date_of_birth"]
    )
    form = form_class(data=patient_data(**{field: "Sam\u2028Bcc: x@y"}))
    assert not form.is_valid()
    assert SINGLE_LINE_MESSAGE in form.errors[field]
    patient = Patient(**{**patient_data(), "date_of_birth": date(1980, 5, 6), field: INJECTION})
    with pytest.raises(ValidationError):
        patient.full_clean()


class Row(SimpleNamespace):
    def save(self, update_fields):
        self.saved = list(update_fields)


def test_a_header_that_can_never_be_sent_fails_once_and_is_not_retried(mailoutbox):
    # A row saved before names were checked: its subject carries the line break.
    row = Row(pk=7, email_status="queued", email_attempts=0, email_error="")
    retry = mock.Mock()
    with mock.patch.object(delivery, "default_task_backend", SimpleNamespace(supports_defer=True)):
        result = delivery.deliver(
            row,
            build=lambda: EmailMessage(subject=f"Message from {INJECTION}", to=["c@example.com"]),
            retry=retry,
        )
    assert result == "failed"
    assert (row.email_status, row.email_attempts) == ("failed", 1)
    assert "not retried" in row.email_error
    # The refused text is the patient's own: it is not copied into the error.
    assert "Bcc" not in row.email_error
    retry.using.assert_not_called()
    assert mailoutbox == []
