from datetime import date

from django import forms

from physiofit.core import sms
from physiofit.core.models import clinic_today, phone_validator
from physiofit.core.text import plain_text, validate_single_line

from .services import PatientDetails
from .texts import TextConsentError


class PatientDetailsForm(forms.Form):
    first_name = forms.CharField(
        max_length=80, label="First name", validators=[validate_single_line]
    )
    last_name = forms.CharField(max_length=80, label="Last name", validators=[validate_single_line])
    email = forms.EmailField(max_length=254, label="Email")
    phone = forms.CharField(
        max_length=25,
        label="Phone",
        validators=[validate_single_line, phone_validator],
        help_text="So we can reach you if something changes.",
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    # A date picker, so no typed format to explain; its value is always YYYY-MM-DD.
    date_of_birth = forms.DateField(
        label="Date of birth", widget=forms.DateInput(attrs={"type": "date"})
    )
    # Consent to texts is asked, never assumed: unticked unless the patient ticks it.
    sms_reminders = forms.BooleanField(
        required=False,
        initial=False,
        label="Text me reminders at this number",
        help_text=(
            "Only the day and time of each visit, no health details. Reply STOP to stop. "
            "Message and data rates may apply."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not sms.enabled():  # the clinic sends no texts: nothing to agree to
            self.fields.pop("sms_reminders", None)

    def clean(self):
        data = super().clean()
        phone = data.get("phone")
        # Checked only when texts are wanted: any phone the clinic can call is fine otherwise.
        if data.get("sms_reminders") and phone and sms.to_e164(phone) is None:
            self.add_error("phone", TextConsentError.messages["not_textable"])
        return data

    def clean_first_name(self) -> str:
        return plain_text(self.cleaned_data["first_name"], "first name")

    def clean_last_name(self) -> str:
        return plain_text(self.cleaned_data["last_name"], "last name")

    def clean_date_of_birth(self) -> date:
        value = self.cleaned_data["date_of_birth"]
        if value >= clinic_today():
            raise forms.ValidationError("Your date of birth must be in the past.")
        if value.year < 1900:
            raise forms.ValidationError("Please check the year of your date of birth.")
        return value

    def details(self) -> PatientDetails:
        data = self.cleaned_data
        return PatientDetails(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
            date_of_birth=data["date_of_birth"],
            sms_reminders=bool(data.get("sms_reminders")),
        )


# What a browser may fill in for a patient typing their own details (never on staff's forms,
# where it would offer the staff member's own name and address).
AUTOCOMPLETE = {
    "first_name": "given-name",
    "last_name": "family-name",
    "email": "email",
    "phone": "tel",
    "date_of_birth": "bday",
}


def _own_details(form: forms.Form) -> None:
    for name, hint in AUTOCOMPLETE.items():
        if name in form.fields:
            form.fields[name].widget.attrs["autocomplete"] = hint


class VisitReasonForm(forms.Form):
    """The optional few words a patient adds for their therapist when booking online."""

    reason_for_visit = forms.CharField(
        required=False,
        max_length=300,
        label="Reason for visit (optional)",
        help_text="A few words for your therapist. You can say more at your visit.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_reason_for_visit(self) -> str:
        value = " ".join(self.cleaned_data["reason_for_visit"].split())
        return plain_text(value, "reason for visit") if value else ""


class BookingDetailsForm(VisitReasonForm, PatientDetailsForm):
    """The online booking's details step: the patient's own details and the reason for visit."""

    field_order = [*PatientDetailsForm.base_fields, "reason_for_visit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _own_details(self)


class WaitlistForm(PatientDetailsForm):
    # Waitlist offers go by email; text consent is asked when a visit is booked.
    sms_reminders = None
    first_day = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label="Until", widget=forms.DateInput(attrs={"type": "date"}))
    mornings = forms.BooleanField(required=False, initial=True, label="Mornings (before 12:00)")
    afternoons = forms.BooleanField(required=False, initial=True, label="Afternoons (12:00–17:00)")
    evenings = forms.BooleanField(required=False, initial=True, label="Evenings (after 17:00)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _own_details(self)

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last:
            if first < clinic_today():
                self.add_error("first_day", "Please choose today or a later day.")
            if last < first:
                self.add_error("last_day", "The last day cannot be before the first.")
            elif (last - first).days > 90:
                self.add_error("last_day", "Please choose a range of 90 days or less.")
        if not any(data.get(k) for k in ("mornings", "afternoons", "evenings")):
            raise forms.ValidationError("Please choose at least one time of day.")
        return data
