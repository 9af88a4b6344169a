"""Staff forms: assign a program, and the program editor (phases and exercises as formsets)."""

from datetime import timedelta

from django import forms
from django.forms import formset_factory
from django.forms.utils import ErrorDict

from physiofit.core.models import clinic_today
from physiofit.core.text import validate_single_line

from . import dosage
from .models import Exercise, ProgramTemplate, Region

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AssignForm(forms.Form):
    template = forms.ModelChoiceField(
        ProgramTemplate.objects.all(),
        required=False,
        empty_label="From scratch (choose the exercises next)",
        label="Start from",
    )
    starts_on = forms.DateField(widget=DATE, label="First day")
    title = forms.CharField(
        max_length=120,
        required=False,
        validators=[validate_single_line],
        help_text="Shown to the patient. Empty: the template's name.",
    )

    def clean_starts_on(self):
        value = self.cleaned_data["starts_on"]
        today = clinic_today()
        if not today - timedelta(days=30) <= value <= today + timedelta(days=90):
            raise forms.ValidationError(
                "Choose a first day within the last month or the next 3 months."
            )
        return value


def exercise_choices():
    """The library grouped by body region, for a select a therapist scans quickly."""
    groups = {}
    for exercise in Exercise.objects.filter(active=True).order_by("name"):
        groups.setdefault(exercise.get_body_region_display(), []).append(
            (exercise.pk, exercise.name)
        )
    order = [label for _, label in Region.choices]
    return [("", "—")] + [(label, groups[label]) for label in order if label in groups]


class PhaseForm(forms.Form):
    name = forms.CharField(max_length=120, validators=[validate_single_line])
    starts_on = forms.DateField(widget=DATE, label="From")
    ends_on = forms.DateField(widget=DATE, label="To")

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "Ends before it starts.")
        if (
            data.get("starts_on")
            and data.get("ends_on")
            and (data["ends_on"] - data["starts_on"]).days > 366
        ):
            self.add_error("ends_on", "A phase lasts at most a year.")
        return data


class PrescriptionForm(forms.Form):
    exercise = forms.TypedChoiceField(coerce=int, label="Exercise")
    phase = forms.TypedChoiceField(coerce=int, label="Phase")
    sets = forms.IntegerField(min_value=1, max_value=10, required=False)
    reps = forms.IntegerField(min_value=1, max_value=100, required=False)
    hold_seconds = forms.IntegerField(min_value=1, max_value=600, required=False, label="Hold s")
    side = forms.ChoiceField(choices=[("", "—"), *dosage.SIDES], required=False)
    load = forms.CharField(max_length=60, required=False, validators=[validate_single_line])
    rest_seconds = forms.IntegerField(min_value=0, max_value=600, required=False, label="Rest s")
    times_per_day = forms.IntegerField(min_value=1, max_value=5, label="× a day", required=False)
    days_per_week = forms.IntegerField(
        min_value=1, max_value=7, label="Days a week", required=False
    )
    note = forms.CharField(
        max_length=300,
        required=False,
        validators=[validate_single_line],
        label="Note to the patient",
    )

    def __init__(self, *args, exercises=(), phases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exercise"].choices = exercises
        self.fields["phase"].choices = phases

    DOSAGE = (
        "sets",
        "reps",
        "hold_seconds",
        "side",
        "load",
        "rest_seconds",
        "times_per_day",
        "days_per_week",
    )

    def has_changed(self) -> bool:
        """A blank row stays blank until an exercise, a dosage or a note is typed into it: its
        phase menu always shows a value, which alone must not make the row required."""
        if not self.is_bound:
            return False
        typed = ("exercise", "note", *self.DOSAGE)
        return any(str(self.data.get(self.add_prefix(name), "")).strip() for name in typed)

    def dosage(self) -> dict:
        """The dosage typed in; an empty field takes the exercise's default."""
        return {k: v for k in self.DOSAGE if (v := self.cleaned_data.get(k)) not in (None, "")}


class BasePrescriptionFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), **self.form_kwargs}

    def full_clean(self):
        super().full_clean()
        if not self.is_bound:
            return
        # A row ticked "Remove" is not checked: no error may stay marked on it.
        for form in self.forms:
            if hasattr(form, "cleaned_data") and self._should_delete_form(form):
                form._errors = ErrorDict()


PhaseFormSet = formset_factory(PhaseForm, extra=1, can_delete=True, max_num=12, validate_max=True)
PrescriptionFormSet = formset_factory(
    PrescriptionForm,
    formset=BasePrescriptionFormSet,
    extra=3,
    can_delete=True,
    can_order=True,
    max_num=40,
    validate_max=True,
)


class EditMetaForm(forms.Form):
    title = forms.CharField(
        max_length=120,
        required=False,
        validators=[validate_single_line],
        help_text="Shown to the patient.",
    )
    change_note = forms.CharField(
        max_length=200,
        required=False,
        validators=[validate_single_line],
        label="What changed and why",
        help_text="Kept with this version in the program's history.",
    )
    notify = forms.BooleanField(
        required=False,
        initial=True,
        label="Email the patient",
        help_text="Untick to save a correction quietly; the portal shows it either way.",
    )

    def __init__(self, *args, new: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if new:
            del self.fields["change_note"]
        else:
            del self.fields["title"]

    def clean(self):
        data = super().clean()
        data.setdefault("title", "")
        data.setdefault("change_note", "")
        return data
