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


def _text(help_text: str = "") -> forms.CharField:
    return forms.CharField(
        required=False,
        max_length=10000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class NoteForm(forms.Form):
    subjective = _text()
    objective = _text()
    assessment = _text()
    plan = _text()


class InterventionForm(forms.Form):
    code = forms.ChoiceField(choices=CPT_CHOICES, label="CPT code")
    minutes = forms.IntegerField(min_value=0, max_value=240, required=False)
    detail = forms.CharField(
        max_length=300, required=False, validators=[validate_single_line], label="What was done"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The table's column headings are not labels: each control names its column and line.
        line = int(self.prefix.rsplit("-", 1)[-1]) + 1 if self.prefix else 1
        for name, field in self.fields.items():
            if name != "DELETE":
                field.widget.attrs["aria-label"] = f"{self[name].label}, line {line}"

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
