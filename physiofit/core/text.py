"""Validation of free text typed by visitors and staff."""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError

# A tag opening or closing (<b>, </script>, <!--): "pain < 5" stays allowed.
HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!]")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SINGLE_LINE_MESSAGE = "Use letters, numbers and punctuation only — no line breaks."
# Control (Cc: CR, LF, tab, NUL…) and format (Cf: bidi overrides, zero-width characters)
# characters, and the Unicode line and paragraph separators. A name or phone number goes into
# email headers (Django refuses a line break there, so the email could never be sent) and onto
# staff screens, where a bidi override can make it read as something else.
_NOT_ON_ONE_LINE = {"Cc", "Cf", "Zl", "Zp"}
# Except the zero-width joiner and non-joiner: Persian and Indic names are spelled with them.
_JOINERS = {"\u200c", "\u200d"}


def validate_single_line(value: str) -> None:
    """Refuse a value with a line break or another invisible control character."""
    if any(
        unicodedata.category(char) in _NOT_ON_ONE_LINE and char not in _JOINERS for char in value
    ):
        raise ValidationError(SINGLE_LINE_MESSAGE, code="single_line")


def plain_text(value: str, label: str) -> str:
    if HTML_TAG.search(value):
        raise forms.ValidationError(
            f"Please write your {label} as plain text; HTML tags such as <b> are not accepted."
        )
    if CONTROL_CHARS.search(value):
        raise forms.ValidationError(f"Your {label} contains characters we cannot accept.")
    return value.strip()
