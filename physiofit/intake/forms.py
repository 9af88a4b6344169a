"""Django forms built from instrument data, and the red-flag screening form."""

from datetime import date

from django import forms

from physiofit.core.models import clinic_today
from physiofit.core.text import validate_single_line

from . import triage
from .instruments import Instrument, Item

YES_NO = [("yes", "Yes"), ("no", "No")]
AGREE = [("agree", "Agree"), ("disagree", "Disagree")]


class ScreeningForm(forms.Form):
    """One required yes/no question per red flag, in the order of the data file."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in triage.red_flags().questions:
            self.fields[question.key] = forms.ChoiceField(
                label=question.text,
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={"required": "Please answer yes or no."},
            )

    def answers(self) -> dict[str, bool]:
        return {key: value == "yes" for key, value in self.cleaned_data.items()}


def _rating_choices(item: Item, blank: str) -> list:
    anchors = item.anchors or {}
    choices = [("", blank)] if blank else []
    for value in range(item.min, item.max + 1):
        anchor = anchors.get(str(value))
        choices.append((value, f"{value} – {anchor}" if anchor and blank else str(value)))
    return choices


class QuestionnaireForm(forms.Form):
    """The items of one instrument as form fields. `partial=True` (saving a draft) makes
    every item optional; submitting asks for every item that is not marked optional."""

    def __init__(self, instrument: Instrument, *args, answers=None, partial=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.partial = partial
        answers = answers or {}
        for item in instrument.items:
            required = not (partial or item.optional)
            if item.kind == "activities":
                rows = answers.get(item.key) or []
                for n in range(1, item.rows + 1):
                    row = rows[n - 1] if n <= len(rows) else {}
                    self.fields[f"{item.key}__{n}__activity"] = forms.CharField(
                        label=f"Activity {n}",
                        max_length=120,
                        validators=[validate_single_line],
                        required=False,
                        initial=row.get("activity", ""),
                    )
                    self.fields[f"{item.key}__{n}__rating"] = forms.TypedChoiceField(
                        label=f"Rating for activity {n}",
                        choices=_rating_choices(item, "Rate it"),
                        coerce=int,
                        empty_value=None,
                        required=False,
                        initial=row.get("rating"),
                    )
                continue
            self.fields[item.key] = self._field(item, required, answers.get(item.key))

    def _field(self, item: Item, required: bool, initial):
        common = {"label": item.text, "required": required, "help_text": item.help}
        if item.kind == "scale":
            return forms.TypedChoiceField(
                choices=_rating_choices(item, ""),
                coerce=int,
                empty_value=None,
                widget=forms.RadioSelect,
                initial=initial,
                **common,
            )
        if item.kind == "choice":
            by_text = {str(option.value): option.value for option in item.options}
            return forms.TypedChoiceField(
                choices=[(str(o.value), o.label) for o in item.options],
                coerce=by_text.__getitem__,
                empty_value=None,
                widget=forms.RadioSelect,
                initial=None if initial is None else str(initial),
                **common,
            )
        if item.kind == "agree":
            return forms.TypedChoiceField(
                choices=AGREE,
                coerce=lambda value: value == "agree",
                empty_value=None,
                widget=forms.RadioSelect,
                initial=None if initial is None else ("agree" if initial else "disagree"),
                **common,
            )
        if item.kind == "tick":
            return forms.BooleanField(**{**common, "required": False}, initial=bool(initial))
        if item.kind == "multi":
            return forms.MultipleChoiceField(
                choices=[(o.value, o.label) for o in item.options],
                widget=forms.CheckboxSelectMultiple,
                initial=initial or [],
                **common,
            )
        if item.kind == "date":
            return forms.DateField(
                widget=forms.DateInput(attrs={"type": "date"}),
                initial=initial,
                **common,
            )
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 3}),
            max_length=item.max_length,
            initial=initial or "",
            **common,
        )

    def clean(self):
        data = super().clean()
        for item in self.instrument.items:
            if item.kind == "date" and isinstance(data.get(item.key), date):
                value = data[item.key]
                if value > clinic_today():
                    self.add_error(item.key, "Please give a date that is not in the future.")
                elif value.year < 1900:
                    self.add_error(item.key, "Please check the year.")
            if item.kind == "activities":
                self._clean_activities(item, data)
        return data

    def _clean_activities(self, item: Item, data) -> None:
        complete = 0
        for n in range(1, item.rows + 1):
            name_key, rating_key = f"{item.key}__{n}__activity", f"{item.key}__{n}__rating"
            name, rating = (data.get(name_key) or "").strip(), data.get(rating_key)
            if name and rating is None and not self.partial:
                self.add_error(rating_key, f"Please rate activity {n} from 0 to 10.")
            elif rating is not None and not name:
                self.add_error(name_key, f"Please name activity {n}, or clear its rating.")
            elif name and rating is not None:
                complete += 1
        if not self.partial and complete < item.min_rows:
            self.add_error(
                f"{item.key}__1__activity", "Please name at least one activity and rate it."
            )

    def answers(self) -> dict:
        """The valid answers as JSON values; on a draft, items with errors are left out."""
        data = getattr(self, "cleaned_data", {})
        found = {}
        for item in self.instrument.items:
            if item.kind == "activities":
                rows = []
                for n in range(1, item.rows + 1):
                    name = (data.get(f"{item.key}__{n}__activity") or "").strip()
                    rating = data.get(f"{item.key}__{n}__rating")
                    if name or rating is not None:
                        rows.append({"activity": name, "rating": rating})
                if rows and not any(
                    f"{item.key}__{n}__{part}" in self.errors
                    for n in range(1, item.rows + 1)
                    for part in ("activity", "rating")
                ):
                    found[item.key] = rows
                continue
            if item.key not in data or item.key in self.errors:
                continue
            value = data[item.key]
            if value is None or value == "":
                continue
            found[item.key] = value.isoformat() if isinstance(value, date) else value
        return found

    def blocks(self) -> list[dict]:
        """What the template draws: one fieldset per item, with a heading where a section
        starts."""
        drawn = []
        for item in self.instrument.items:
            if item.kind == "activities":
                rows = [
                    (self[f"{item.key}__{n}__activity"], self[f"{item.key}__{n}__rating"])
                    for n in range(1, item.rows + 1)
                ]
                drawn.append({"item": item, "rows": rows})
            else:
                drawn.append({"item": item, "field": self[item.key]})
        return drawn
