from django import forms

from physiofit.core.models import phone_validator
from physiofit.core.text import plain_text, validate_single_line


class ContactForm(forms.Form):
    # One line: the name goes into the subject of the email to the clinic.
    name = forms.CharField(max_length=100, label="Your name", validators=[validate_single_line])
    email = forms.EmailField(max_length=254, label="Email")
    phone = forms.CharField(
        max_length=25,
        required=False,
        label="Phone (optional)",
        validators=[validate_single_line, phone_validator],
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
