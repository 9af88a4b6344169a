from datetime import date

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms import formset_factory

from physiofit.core.text import validate_single_line

from . import billing, objective
from .models import DISCHARGE_REASONS, GOAL_MEASURES, Goal

CPT_CHOICES = [
    ("", "—"),
    ("Timed (per 15 minutes)", [(c, f"{c} {name}") for c, name in billing.TIMED_CODES.items()]),
    ("Untimed (once a visit)", [(c, f"{c} {name}") for c, name in billing.UNTIMED_CODES.items()]),
]


class EpisodeTitleForm(forms.Form):
    title = forms.CharField(
        max_length=120, validators=[validate_single_line], help_text="e.g. Low back pain"
    )


class EpisodeForm(EpisodeTitleForm):
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


class DischargeForm(NoteForm):
    discharge_reason = forms.ChoiceField(
        choices=[("", "—"), *DISCHARGE_REASONS], required=False, label="Reason for discharge"
    )


class FindingsForm(forms.Form):
    """The numeric objective findings (objective.FINDINGS), each optional."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in objective.FINDINGS:
            if f.is_choice:
                field = forms.ChoiceField(
                    choices=[("", "—"), *[(c, c) for c in f.choices]], required=False
                )
            else:
                field = forms.IntegerField(
                    min_value=f.low,
                    max_value=f.high,
                    required=False,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "pf-num"}),
                )
            field.label = f.label + (f" ({f.unit})" if f.unit else "")
            field.widget.attrs["aria-label"] = f"{f.group}: {field.label}"
            self.fields[f.key] = field

    def groups(self):
        return [
            (group, [self[f.key] for f in objective.FINDINGS if f.group == group])
            for group in objective.GROUPS
        ]

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class GoalOutcomeForm(forms.Form):
    """How far each of the episode's goals is met, on a progress note or discharge summary."""

    def __init__(self, *args, goals=(), judged=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        for goal in self.goals:
            self.fields[f"goal_{goal.pk}"] = forms.ChoiceField(
                choices=Goal.Outcome.choices,
                required=False,
                label=goal.text,
                initial=(judged or {}).get(goal.pk, ""),
            )

    def outcomes(self) -> dict[int, str]:
        return {g.pk: self.cleaned_data.get(f"goal_{g.pk}", "") for g in self.goals}


# Dates a plan or goal may name: a typo such as year 9999 is refused with a message, not carried
# into arithmetic that cannot hold it.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        label=label,
        validators=[
            MinValueValidator(FIRST_DAY, "Choose a day from the year 2000 on."),
            MaxValueValidator(LAST_DAY, "Choose a day before the year 2100."),
        ],
    )


class PlanForm(forms.Form):
    visits_per_week = forms.IntegerField(min_value=1, max_value=7, label="Visits a week")
    weeks = forms.IntegerField(min_value=1, max_value=52, label="For (weeks)")
    starts_on = _date("Plan starts")
    certified_through = _date("Certified through")
    planned_codes = forms.MultipleChoiceField(
        choices=billing.CODE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Planned interventions (CPT)",
    )
    interventions = forms.CharField(
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Planned interventions, in words",
    )


class GoalForm(forms.Form):
    term = forms.ChoiceField(choices=Goal.Term.choices)
    text = forms.CharField(max_length=300, validators=[validate_single_line], label="Goal")
    measure = forms.ChoiceField(choices=GOAL_MEASURES)
    target = forms.DecimalField(max_digits=5, decimal_places=1, min_value=0, max_value=100)
    due_on = _date("By")


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
        """A row with anything typed in it counts: minutes without a code are an error to
        show on the row, not a line dropped in silence."""
        return self.is_bound and any(
            self.data.get(self.add_prefix(name), "").strip()
            for name in ("code", "minutes", "detail")
        )


InterventionFormSet = formset_factory(
    InterventionForm, extra=3, can_delete=True, max_num=12, validate_max=True
)


class SignForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        label="Password or app code, to sign",
        help_text="The six-digit code of your authenticator app signs at once.",
        max_length=200,
    )


class AddendumForm(SignForm):
    text = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))

    field_order = ["text", "password"]
