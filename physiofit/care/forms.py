from django import forms
from django.forms import formset_factory

from physiofit.core.text import validate_single_line

from . import billing

CPT_CHOICES = [
    ("", "—"),
    ("Timed (per 15 minutes)", [(c, f"{c} {name}") for c, name in billing.TIMED_CODES.items()]),
    ("Untimed (once a visit)", [(c, f"{c} {name}") for c, name in billing.UNTIMED_CODES.items()]),
]


class EpisodeForm(forms.Form):
    title = forms.CharField(
        max_length=120, validators=[validate_single_line], help_text="e.g. Low back pain"
    )
    opened_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="From")


class NoteForm(forms.Form):
    subjective = forms.CharField(required=False, max_length=10000, widget=forms.Textarea)
    objective = forms.CharField(required=False, max_length=10000, widget=forms.Textarea)
    assessment = forms.CharField(required=False, max_length=10000, widget=forms.Textarea)
    plan = forms.CharField(required=False, max_length=10000, widget=forms.Textarea)


class InterventionForm(forms.Form):
    code = forms.ChoiceField(choices=CPT_CHOICES, label="CPT code")
    minutes = forms.IntegerField(min_value=0, max_value=240, required=False)
    detail = forms.CharField(
        max_length=300, required=False, validators=[validate_single_line], label="What was done"
    )

    def has_changed(self) -> bool:
        """A row without a code is empty, whatever else its fields show."""
        return bool(self.is_bound and self.data.get(self.add_prefix("code")))


InterventionFormSet = formset_factory(
    InterventionForm, extra=3, can_delete=True, max_num=12, validate_max=True
)


class SignForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        label="Your password, to sign",
        max_length=200,
    )


class AddendumForm(SignForm):
    text = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))

    field_order = ["text", "password"]
