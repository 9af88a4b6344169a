"""Printed clinical notes (WeasyPrint): for the referring physician, an insurer, or the chart.
The clinic's details come from its settings; nothing is fetched from anywhere."""

from django.template.loader import render_to_string
from wagtail.models import Site

from physiofit.core.models import ClinicSettings

from .models import Note


def note_pdf(note: Note) -> bytes:
    from weasyprint import HTML

    clinic = ClinicSettings.for_site(Site.objects.get(is_default_site=True))
    html = render_to_string(
        "care/note_pdf.html",
        {
            "clinic": clinic,
            "note": note,
            "patient": note.episode.patient,
            "interventions": list(note.interventions.all()),
            "addenda": list(note.addenda.all()),
            "diagnoses": list(note.episode.diagnoses.all()),
        },
    )
    return HTML(string=html).write_pdf()
