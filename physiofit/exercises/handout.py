"""The printable handout of a program (WeasyPrint): the clinic's details, the patient's name,
each exercise with its pictures, steps and dosage, and a tick-sheet for every week.

Pictures are read from the site's own storage through a URL scheme of ours; the renderer
fetches nothing else (no network, no file paths from content)."""

import mimetypes
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone
from wagtail.models import Site

from physiofit.core.models import ClinicSettings, clinic_today

from . import selectors

SCHEME = "pf-media:"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StorageFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith(SCHEME):
                raise ValueError("The handout loads only the clinic's own pictures.")
            name = url[len(SCHEME) :]
            with default_storage.open(name, "rb") as file:
                data = file.read()
            mime = mimetypes.guess_type(name)[0] or "image/png"
            return URLFetcherResponse(url, body=data, headers={"Content-Type": mime})

    return StorageFetcher()


@dataclass
class Picture:
    src: str
    caption: str


@dataclass
class TickWeek:
    label: str
    days: list[str]  # "Mon 7" per column; "" for days outside the phase


def pictures(exercise, limit: int = 2) -> list[Picture]:
    result = []
    for item in list(exercise.images.all())[:limit]:
        rendition = item.image.get_rendition("max-500x320")
        result.append(Picture(SCHEME + rendition.file.name, item.caption or exercise.name))
    return result


def tick_weeks(first: date, last: date) -> list[TickWeek]:
    """The phase's weeks, Monday to Sunday, each day labelled with its date inside the phase."""
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        days = []
        for offset in range(7):
            day = monday + timedelta(days=offset)
            days.append(f"{day:%-d}" if first <= day <= last else "")
        weeks.append(TickWeek(f"Week of {monday:%b %-d}", days))
        monday += timedelta(weeks=1)
    return weeks


def context(program, version) -> dict:
    clinic = ClinicSettings.for_site(Site.objects.get(is_default_site=True))
    phases = []
    for phase in version.phases.all():
        rows = [p for p in version.prescriptions.all() if p.phase_id == phase.pk]
        for row in rows:
            row.pictures = pictures(row.exercise)
        phases.append(
            {"phase": phase, "rows": rows, "weeks": tick_weeks(phase.starts_on, phase.ends_on)}
        )
    return {
        "clinic": clinic,
        "patient": program.patient,
        "program": program,
        "version": version,
        "phases": phases,
        "days": DAYS,
        "printed": timezone.localtime(timezone.now(), clinic.zone),
        "today": clinic_today(),
    }


def render_pdf(program, *, version=None) -> bytes:
    from weasyprint import HTML

    version = version or selectors.current_version(program)
    html = render_to_string("exercises/handout.html", context(program, version))
    return HTML(string=html, url_fetcher=_fetcher()).write_pdf()
