"""Printed clinical documents (WeasyPrint): a note, a whole episode of care, and a visit's
superbill. For the referring physician, an insurer, the patient, or the chart. The clinic's
details come from its settings; nothing is fetched from anywhere."""

from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from wagtail.models import Site

from physiofit.core.models import ClinicSettings

from . import billing, objective, services
from .models import Episode, Fee, Note


def _clinic() -> ClinicSettings:
    return ClinicSettings.for_site(Site.objects.get(is_default_site=True))


def _pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, {"clinic": _clinic(), **context})
    return HTML(string=html).write_pdf()


def _with_findings(note: Note) -> Note:
    note.finding_rows = objective.rows(note.findings)
    return note


def note_pdf(note: Note) -> bytes:
    return _pdf(
        "care/note_pdf.html",
        {
            "note": _with_findings(note),
            "patient": note.episode.patient,
            "diagnoses": list(note.episode.diagnoses.all()),
        },
    )


def episode_pdf(episode: Episode) -> bytes:
    """The whole episode: diagnoses, plan of care, goals, outcome measures, then every signed
    note in visit order with its addenda. Drafts are not part of the record: only counted."""
    notes = list(
        episode.notes.select_related("appointment__service", "appointment__practitioner")
        .prefetch_related("interventions", "addenda")
        .order_by("visit_on", "pk")
    )
    signed = [_with_findings(n) for n in notes if n.is_signed]
    outcomes = services.episode_outcomes(episode)
    latest = {row["code"]: row["last"].value for row in outcomes}
    return _pdf(
        "care/episode_pdf.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "diagnoses": list(episode.diagnoses.all()),
            "plan": getattr(episode, "plan", None),
            "goals": [
                (g, latest.get(g.measure), services.goal_reached(g, latest.get(g.measure)))
                for g in episode.goals.all()
            ],
            "outcomes": outcomes,
            "notes": signed,
            "drafts": len(notes) - len(signed),
        },
    )


# CPT modifier for services furnished in whole or in part by a physical therapist assistant.
ASSISTANT_MODIFIER = "CQ"


@dataclass(frozen=True)
class BillLine:
    code: str
    description: str
    units: int
    fee: Decimal | None
    modifier: str = ""

    @property
    def amount(self) -> Decimal | None:
        return None if self.fee is None else self.fee * self.units


def superbill_lines(note: Note) -> list[BillLine]:
    """The visit's billed services (units above 0) with the fee schedule's price per unit;
    a code without a fee in the schedule has none (shown as such, not as $0). An assistant's
    timed services carry the CQ modifier."""
    fees = dict(Fee.objects.values_list("code", "amount"))
    modifier = ASSISTANT_MODIFIER if note.needs_cosign else ""
    return [
        BillLine(
            i.code,
            billing.ALL_CODES.get(i.code, ""),
            i.units,
            fees.get(i.code),
            modifier if i.code in billing.TIMED_CODES else "",
        )
        for i in note.interventions.all()
        if i.units
    ]


def superbill_pdf(note: Note) -> bytes:
    lines = superbill_lines(note)
    # The rendering provider is the PT who answers for the note: its signer, or for an
    # assistant's note the supervising PT who co-signed it; the visit's practitioner otherwise.
    signer = note.cosigned_by if note.needs_cosign else note.signed_by
    practitioner = getattr(signer, "practitioner", None) or (
        note.appointment.practitioner if note.appointment else None
    )
    priced = [line.amount for line in lines if line.amount is not None]
    return _pdf(
        "care/superbill_pdf.html",
        {
            "note": note,
            "patient": note.episode.patient,
            "practitioner": practitioner,
            "settings": services.care_settings(),
            "diagnoses": list(note.episode.diagnoses.all()),
            "lines": lines,
            "total": sum(priced, Decimal(0)),
            "unpriced": len(priced) < len(lines),
        },
    )
