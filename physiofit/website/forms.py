import re

from django import forms

from physiofit.core.models import phone_validator

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


class ContactForm(forms.Form):
    name = forms.CharField(max_length=100, label="Your name")
    email = forms.EmailField(max_length=254, label="Email")
    phone = forms.CharField(
        max_length=25, required=False, label="Phone (optional)", validators=[phone_validator]
    )
    message = forms.CharField(
        max_length=2000,
        label="Message",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="2,000 characters at most.",
    )
    # Honeypot: hidden from people by CSS and from screen readers; bots fill it in.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    error_messages = {"required": "This field is required."}

    def clean_name(self) -> str:
        return plain_text(self.cleaned_data["name"], "name")

    def clean_message(self) -> str:
        return plain_text(self.cleaned_data["message"], "message")
