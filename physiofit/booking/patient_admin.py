"""Patients in the admin: every look and change audited, an email change announced to the
apps that reach patients by email, and no delete of a record the clinic must keep."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.forms import modelform_factory
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import TitleColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from physiofit.core import sms
from physiofit.core.audited_views import (
    AuditedCreateView,
    AuditedDeleteView,
    AuditedEditView,
    AuditedInspectView,
    AuditedViewSetMixin,
)

from . import selectors, texts
from .models import Patient, SmsConsent
from .signals import patient_email_changed


class PatientInspectView(AuditedInspectView):
    """The patient's chart: details, visits past and upcoming, emails sent, and what the apps
    above booking add for those allowed to see it (screening and measures, the clinical record,
    the exercise program) through the `patient_chart_sections` hook."""

    template_name = "booking/staff/patient_chart.html"
    page_title = "Chart"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        patient, user = self.object, self.request.user
        context["visits"] = selectors.patient_visits(patient)
        context["zone"] = selectors.booking_context().zone
        if user.has_perm("booking.view_notification"):
            context["emails"] = selectors.patient_emails(patient)
        context["sections"] = [
            html
            for fn in hooks.get_hooks("patient_chart_sections")
            if (html := fn(self.request, patient))
        ]
        return context

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.request.user.has_perm("intake.view_clinical_record"):
            buttons.append(
                HeaderButton(
                    "Outcome measures",
                    url=reverse("intake_staff:outcomes", args=[self.object.pk]),
                    icon_name="view",
                )
            )
            # The whole record, for a patient's request for a copy (audited EXPORT).
            for label, name in (("Export PDF", "pdf"), ("Export JSON", "json")):
                buttons.append(
                    HeaderButton(
                        label,
                        url=reverse(f"intake_staff:{name}", args=[self.object.pk]),
                        icon_name="download",
                    )
                )
        # Apps above booking add theirs (the exercise program, ...).
        for fn in hooks.get_hooks("patient_record_buttons"):
            buttons.extend(fn(self.request, self.object))
        if self.request.user.has_perms(["booking.view_patient_record", "booking.delete_patient"]):
            # Erasure goes through the retention check, never through the plain delete view.
            buttons.append(
                HeaderButton(
                    "Erase on request",
                    url=reverse("intake_staff:erase", args=[self.object.pk]),
                    icon_name="bin",
                )
            )
        return buttons


class PatientForm(WagtailAdminModelForm):
    """The patient's details, and their consent to text reminders as one box staff tick when
    the patient agrees (on the phone, at the desk) and untick when they no longer do."""

    sms_reminders = forms.BooleanField(
        required=False,
        label="Text reminders",
        help_text=(
            "Tick only if the patient agreed to reminders by text at the phone above. "
            "Unticking withdraws it. A patient who replied STOP must also text START to the "
            "clinic's number before texts reach them again."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not sms.enabled():
            self.fields.pop("sms_reminders")
        else:
            self.initial["sms_reminders"] = self.instance.sms_reminders

    def clean(self):
        data = super().clean()
        if data.get("sms_reminders") and data.get("phone") and not sms.to_e164(data["phone"]):
            self.add_error("phone", texts.TextConsentError.messages["not_textable"])
        return data


class _SmsConsentFromForm:
    """After the details are saved, in their transaction: the box's consent, recorded and
    audited as given or withdrawn by this staff member (for the phone now on the record)."""

    def save_instance(self):
        with transaction.atomic():
            instance = super().save_instance()
            if "sms_reminders" in self.form.cleaned_data:
                _record_sms_consent(
                    instance, self.form.cleaned_data["sms_reminders"], self.request.user
                )
        return instance


def _record_sms_consent(patient: Patient, wanted: bool, user) -> None:
    if not wanted:
        if patient.sms_consent == SmsConsent.GIVEN:
            texts.patient_sms_consent_withdraw(patient=patient, user=user)
        return
    if patient.sms_reminders and patient.sms_number == sms.to_e164(patient.phone):
        return  # nothing new: agreed before, to this number
    texts.patient_sms_consent_give(
        patient=patient, phone=patient.phone, how=texts.SmsConsentHow.STAFF, user=user
    )


class PatientCreateView(_SmsConsentFromForm, AuditedCreateView):
    pass


class PatientEditView(_SmsConsentFromForm, AuditedEditView):
    def after_change(self, instance, changes):
        for name, old, new in changes:
            if name == "email":
                # Inside the save's transaction: a receiver that fails undoes the change.
                patient_email_changed.send(
                    sender=Patient,
                    patient=instance,
                    old_email=old,
                    new_email=new,
                    user=self.request.user,
                )


class PatientDeleteView(AuditedDeleteView):
    """A patient record is never removed by the plain delete when an app above booking offers
    a checked way (intake's "Erase on request", which keeps records within the retention
    period): the delete view sends staff there instead of cascading into questionnaires."""

    refusal_reason = "patient records are kept for the retention period"

    def refusal(self):
        for fn in hooks.get_hooks("patient_erase_url"):
            if url := fn(self.request, self.object):
                messages.info(
                    self.request,
                    "Patient records are removed through Erase on request, which checks the "
                    "retention period first.",
                )
                return redirect(url)
        return super().refusal()


class PatientViewSet(AuditedViewSetMixin, ModelViewSet):
    model = Patient
    icon = "user"
    menu_label = "Patients"
    menu_order = 205
    add_to_admin_menu = True
    inspect_view_enabled = True
    # The name opens the patient's chart; details are edited from there.
    list_display = [
        TitleColumn(
            "last_name",
            label="Last name",
            get_url=lambda patient: reverse("patients:inspect", args=[patient.pk]),
        ),
        "first_name",
        "reference",
        "date_of_birth",
    ]
    search_fields = ["last_name", "first_name", "email", "phone", "reference"]
    inspect_view_fields = [
        "first_name",
        "last_name",
        "date_of_birth",
        "phone",
        "email",
        "reference",
        "possible_duplicate_of",
        "sms_consent",
        "sms_number",
        "sms_consent_how",
        "sms_consent_at",
    ]
    form_fields = ["first_name", "last_name", "email", "phone", "date_of_birth"]

    inspect_view_class = PatientInspectView
    add_view_class = PatientCreateView
    edit_view_class = PatientEditView
    delete_view_class = PatientDeleteView

    def get_form_class(self, for_update=False):
        return modelform_factory(
            self.model,
            form=PatientForm,
            formfield_callback=self.formfield_for_dbfield,
            fields=self.form_fields,
        )
