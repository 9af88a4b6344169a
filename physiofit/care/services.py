"""Writes to the clinical record: episodes, diagnoses, notes, signatures and addenda.

Views audit what they call; these functions keep the rules: a signed note never changes, only
its author edits or signs a draft, a signature needs the signer's password, and the units on a
note always follow its minutes by the clinic's billing rule."""

import re
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.models import Site

from physiofit.booking.models import Appointment, Patient
from physiofit.core.models import clinic_zone
from physiofit.intake import selectors as intake_selectors
from physiofit.intake.record_export import score_summary

from . import billing
from .models import Addendum, CareSettings, Diagnosis, Episode, Intervention, Note

ERRORS = {
    "unknown_code": "{code} is not an ICD-10-CM code. Search by code or by words.",
    "not_billable": (
        "{code} is a category, not a billable code: choose one of the codes under it."
    ),
    "duplicate_code": "{code} is already on this episode.",
    "episode_closed": "This episode of care is closed: open a new one for new care.",
    "no_episode": (
        "{name} has no open episode of care. Open one (with the initial evaluation) first."
    ),
    "signed": "This note is signed: add an addendum instead.",
    "not_author": "Only the note's author can change or sign it.",
    "bad_password": "That password is not right. The note was not signed.",
    "empty": "Write the assessment before signing: a signed note must say what was found.",
    "unknown_cpt": "{code} is not a CPT code this clinic bills. Choose one from the list.",
    "cpt_twice": "{code} is listed twice: put its minutes on one line.",
    "minutes": "{code}: minutes must be between 1 and 240 for a timed code.",
    "addendum_empty": "Write the addendum's text.",
    "unsigned_addendum": "A draft can still be edited: addenda are for signed notes.",
}


class CareError(Exception):
    """A rule of the record was broken: `code` names it, `message` is for the clinician."""

    def __init__(self, error: str, /, **params):
        self.code = error
        self.message = ERRORS[error].format(**params)
        super().__init__(self.message)


def care_settings() -> CareSettings:
    return CareSettings.for_site(Site.objects.get(is_default_site=True))


# --- ICD-10-CM ------------------------------------------------------------------------------


def _icd():
    """The ICD-10-CM code set, loaded on first use: simple-icd-10-cm parses its whole XML on
    import (about 2 s and 190 MB), which no process should pay before a code is looked up."""
    import simple_icd_10_cm

    return simple_icd_10_cm


CODE_LIKE = re.compile(r"^[A-Za-z]\d[0-9A-Za-z]?\.?[0-9A-Za-z]{0,4}$")


def icd_describe(code: str) -> tuple[str, str]:
    """(code with its dot, description) for a billable ICD-10-CM code, or CareError."""
    icd = _icd()
    raw = code.strip().upper()
    if not icd.is_valid_item(raw):
        raise CareError("unknown_code", code=raw[:12] or "That")
    if not icd.is_leaf(raw):
        raise CareError("not_billable", code=icd.add_dot(raw))
    return icd.add_dot(raw), icd.get_description(raw)


def icd_search(query: str, *, limit: int = 25) -> list[tuple[str, str]]:
    """Billable codes whose code starts with `query` or whose description holds every word
    of it; most specific match first. The code set ships with simple-icd-10-cm."""
    query = " ".join(query.split())[:80]
    if len(query) < 2:
        return []
    icd = _icd()
    found: list[tuple[str, str]] = []
    if CODE_LIKE.match(query):
        prefix = query.upper().replace(".", "")
        found = [
            (icd.add_dot(c), icd.get_description(c)) for c in _leaf_codes() if c.startswith(prefix)
        ]
    if not found:
        words = query.lower().split()
        found = [
            (icd.add_dot(c), description)
            for c, description in _leaf_descriptions()
            if all(w in description.lower() for w in words)
        ]
    return found[:limit]


_LEAVES: list[str] = []
_DESCRIPTIONS: list[tuple[str, str]] = []


def _leaf_codes() -> list[str]:
    if not _LEAVES:
        icd = _icd()
        _LEAVES.extend(c for c in icd.get_all_codes(False) if icd.is_leaf(c))
    return _LEAVES


def _leaf_descriptions() -> list[tuple[str, str]]:
    if not _DESCRIPTIONS:
        icd = _icd()
        _DESCRIPTIONS.extend((c, icd.get_description(c)) for c in _leaf_codes())
    return _DESCRIPTIONS


# --- Episodes and diagnoses -----------------------------------------------------------------


def episode_open(*, patient: Patient, user, title: str, opened_on: date) -> Episode:
    return Episode.objects.create(
        patient=patient, title=title.strip()[:120], opened_on=opened_on, created_by=user
    )


def open_episode(patient: Patient) -> Episode | None:
    return patient.episodes.filter(status=Episode.Status.OPEN).order_by("-opened_on").first()


def diagnosis_add(*, episode: Episode, code: str) -> Diagnosis:
    if episode.status != Episode.Status.OPEN:
        raise CareError("episode_closed")
    dotted, description = icd_describe(code)
    try:
        with transaction.atomic():
            return Diagnosis.objects.create(
                episode=episode,
                code=dotted,
                description=description[:300],
                position=episode.diagnoses.count(),
            )
    except IntegrityError as error:
        raise CareError("duplicate_code", code=dotted) from error


def diagnosis_remove(*, episode: Episode, diagnosis_id: int) -> Diagnosis | None:
    if episode.status != Episode.Status.OPEN:
        raise CareError("episode_closed")
    diagnosis = episode.diagnoses.filter(pk=diagnosis_id).first()
    if diagnosis is not None:
        diagnosis.delete()
    return diagnosis


# --- Notes ----------------------------------------------------------------------------------


def note_start(*, appointment: Appointment, user, kind: str = Note.Kind.DAILY) -> Note:
    """The note for this visit, started in one click: an existing one of the kind is returned
    as it is; a new one carries the last note's objective findings forward for editing."""
    existing = Note.objects.filter(appointment=appointment, kind=kind).first()
    if existing is not None:
        return existing
    episode = open_episode(appointment.patient)
    if episode is None:
        raise CareError("no_episode", name=appointment.patient.first_name)
    last = episode.notes.exclude(objective="").order_by("-visit_on", "-pk").first()
    try:
        with transaction.atomic():
            return Note.objects.create(
                episode=episode,
                appointment=appointment,
                kind=kind,
                visit_on=appointment.start.astimezone(clinic_zone()).date(),
                author=user,
                objective=last.objective if last else "",
            )
    except IntegrityError:  # a second click raced the first: the first one's note
        return Note.objects.get(appointment=appointment, kind=kind)


OBJECTIVE_TEMPLATE = """Observation:
Range of motion (degrees): flexion __, extension __, side bend L __ R __, rotation L __ R __
Strength (0-5): hip flexion L __ R __, hip abduction L __ R __, knee extension L __ R __
Straight-leg raise: L __° R __° (positive / negative)
Neuro screen: sensation __, reflexes __, myotomes __
Palpation:
Special tests:"""


def _intake_summary(appointment: Appointment) -> str:
    """What the patient already told us, in the words of the subjective section: the pre-visit
    questionnaire's answers and scores, and the screening result with any review."""
    clinical = intake_selectors.appointment_clinical(appointment=appointment)
    lines = []
    intake = clinical["intake"]
    if intake is not None and intake.status == "submitted":
        day = intake.submitted_at.astimezone(clinic_zone())
        lines.append(f"From the pre-visit questionnaire ({day:%b %-d}):")
        lines += [
            f"- {question} {answer}" if question.endswith("?") else f"- {question}: {answer}"
            for question, answer in clinical["intake_rows"]
        ]
        if summary := score_summary("intake", intake.score):
            lines.append(f"Scores: {summary}.")
    elif intake is not None:
        lines.append("The pre-visit questionnaire was not submitted.")
    screening = clinical["screening"]
    if screening is not None:
        reasons = "; ".join(screening.reasons) or "no flags"
        lines.append(f"Red-flag screening: {screening.get_tier_display()} ({reasons}).")
        if screening.review == "reviewed" and screening.reviewed_at:
            by = screening.reviewed_by.get_full_name() if screening.reviewed_by else "a clinician"
            reviewed = screening.reviewed_at.astimezone(clinic_zone())
            lines.append(f"Reviewed by {by} on {reviewed:%b %-d}.")
        elif screening.review == "pending":
            lines.append("Clinician review of the screening is still pending.")
    return "\n".join(lines)


def evaluation_start(*, appointment: Appointment, user) -> Note:
    """The initial evaluation for this visit, started in one click: an episode is opened when the
    patient has none, and the subjective section is filled from what the patient told us."""
    existing = Note.objects.filter(appointment=appointment, kind=Note.Kind.EVALUATION).first()
    if existing is not None:
        return existing
    day = appointment.start.astimezone(clinic_zone()).date()
    with transaction.atomic():
        episode = open_episode(appointment.patient) or episode_open(
            patient=appointment.patient,
            user=user,
            title=f"Care from {day:%b %-d, %Y}",
            opened_on=day,
        )
        try:
            with transaction.atomic():
                return Note.objects.create(
                    episode=episode,
                    appointment=appointment,
                    kind=Note.Kind.EVALUATION,
                    visit_on=day,
                    author=user,
                    subjective=_intake_summary(appointment),
                    objective=OBJECTIVE_TEMPLATE,
                )
        except IntegrityError:
            return Note.objects.get(appointment=appointment, kind=Note.Kind.EVALUATION)


@dataclass(frozen=True)
class InterventionData:
    code: str
    minutes: int
    detail: str = ""


def visit_units_for(rows: list[InterventionData], rule: str) -> dict[str, int]:
    """Units per code for these interventions by `rule`; CareError for a code the clinic does
    not bill, a code listed twice, or timed minutes out of range."""
    codes = [r.code for r in rows]
    for code in codes:
        if code not in billing.TIMED_CODES and code not in billing.UNTIMED_CODES:
            raise CareError("unknown_cpt", code=code)
        if codes.count(code) > 1:
            raise CareError("cpt_twice", code=code)
    timed = {r.code: r.minutes for r in rows if r.code in billing.TIMED_CODES}
    for code, minutes in timed.items():
        if not 1 <= minutes <= 240:
            raise CareError("minutes", code=code)
    untimed = [r.code for r in rows if r.code in billing.UNTIMED_CODES]
    return billing.visit_units(timed, untimed, rule=rule)


def note_save(
    *, note: Note, user, fields: dict[str, str], interventions: list[InterventionData]
) -> Note:
    """Save a draft's SOAP text and its interventions (replacing them), units worked out."""
    units = visit_units_for(interventions, care_settings().billing_rule)
    with transaction.atomic():
        note = Note.objects.select_for_update().get(pk=note.pk)
        if note.is_signed:
            raise CareError("signed")
        if note.author_id != user.pk:
            raise CareError("not_author")
        for name in ("subjective", "objective", "assessment", "plan"):
            setattr(note, name, fields.get(name, "").strip())
        note.save()
        note.interventions.all().delete()
        Intervention.objects.bulk_create(
            Intervention(
                note=note,
                code=row.code,
                minutes=row.minutes if row.code in billing.TIMED_CODES else 0,
                units=units[row.code],
                detail=row.detail.strip()[:300],
                position=i,
            )
            for i, row in enumerate(interventions)
        )
    return note


def signer_name(user) -> str:
    """How a signature reads: the name, then the credentials of the user's practitioner."""
    name = user.get_full_name() or user.get_username()
    practitioner = getattr(user, "practitioner", None)
    if practitioner is not None and practitioner.credentials:
        return f"{name}, {practitioner.credentials}"
    return name


def note_sign(*, note: Note, user, password: str) -> Note:
    """Sign a draft with the author's password: locked from then on, the units recomputed by
    the clinic's rule and kept with the rule's name."""
    if not user.check_password(password):
        raise CareError("bad_password")
    rule = care_settings().billing_rule
    with transaction.atomic():
        note = Note.objects.select_for_update().get(pk=note.pk)
        if note.is_signed:
            raise CareError("signed")
        if note.author_id != user.pk:
            raise CareError("not_author")
        if not note.assessment.strip():
            raise CareError("empty")
        rows = list(note.interventions.all())
        units = visit_units_for([InterventionData(r.code, r.minutes) for r in rows], rule)
        for row in rows:
            row.units = units[row.code]
            row.save(update_fields=["units"], signing=True)
        note.signed_at = timezone.now()
        note.signed_by = user
        note.signer_name = signer_name(user)[:200]
        note.billing_rule = rule
        note.save(signing=True)
    return note


def addendum_add(*, note: Note, user, text: str, password: str) -> Addendum:
    if not user.check_password(password):
        raise CareError("bad_password")
    if not note.is_signed:
        raise CareError("unsigned_addendum")
    text = text.strip()
    if not text:
        raise CareError("addendum_empty")
    return Addendum.objects.create(
        note=note,
        text=text[:5000],
        author=user,
        signer_name=signer_name(user)[:200],
        signed_at=timezone.now(),
    )


def record_remove(patient: Patient) -> dict[str, int]:
    """The clinical notes' part of removing a whole record (retention purge, erasure on request,
    both in intake.retention), children first: notes and episodes protect their patient."""
    notes = Note.objects.filter(episode__patient=patient)
    counts = {"clinical notes": n} if (n := notes.count()) else {}
    Addendum.objects.filter(note__in=notes).delete()
    Intervention.objects.filter(note__in=notes).delete()
    notes.delete()
    Diagnosis.objects.filter(episode__patient=patient).delete()
    Episode.objects.filter(patient=patient).delete()
    return counts
