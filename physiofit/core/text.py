"""Validation of free text typed by visitors."""

import re

from django import forms

# A tag opening or closing (<b>, </script>, <!--): "pain < 5" stays allowed.
HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!]")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(value: str, label: str) -> str:
    if HTML_TAG.search(value):
        raise forms.ValidationError(
            f"Please write your {label} as plain text; HTML tags such as <b> are not accepted."
        )
    if CONTROL_CHARS.search(value):
        raise forms.ValidationError(f"Your {label} contains characters we cannot accept.")
    return value.strip()
