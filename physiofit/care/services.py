"""Writes to the clinical record: episodes, diagnoses, notes, signatures and addenda.

Views audit what they call; these functions keep the rules: a signed note never changes, only
its author edits or signs a draft, a signature needs the signer's password, and the units on a
note always follow its minutes by the clinic's billing rule."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from wagtail import hooks
from wagtail.models import Site

from physiofit.booking import services as booking_services
from physiofit.booking.models import Appointment, Patient
from physiofit.core.models import clinic_zone
from physiofit.core.twofactor import services as twofactor
from physiofit.intake import scoring
from physiofit.intake import selectors as intake_selectors
from physiofit.intake.record_export import score_summary

from . import billing, objective
from .models import (
    MEASURE_RANGES,
    Addendum,
    CareSettings,
    Diagnosis,
    Episode,
    Goal,
    GoalAssessment,
    Intervention,
    Note,
    PlanOfCare,
)

# Notes only a physical therapist writes (Medicare: an assistant may not evaluate, re-assess
# or discharge); `care.cosign_note` marks a PT.
SUPERVISOR_KINDS = {Note.Kind.EVALUATION, Note.Kind.PROGRESS, Note.Kind.DISCHARGE}
# Notes that re-assess the goals: they belong to an open episode.
REASSESSING = {Note.Kind.PROGRESS, Note.Kind.DISCHARGE}
COSIGN = "care.cosign_note"
# A progress report is due at least every 10 treatment visits (Medicare Benefit Policy Manual,
# chapter 15, section 220.3): the visit of the last report counts as the first.
PROGRESS_EVERY = 10
CERTIFICATION_DAYS = 90

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
    "bad_password": "That password or app code is not right: nothing was signed.",
    "empty": "Write the assessment before signing: a signed note must say what was found.",
    "unknown_cpt": "{code} is not a CPT code this clinic bills. Choose one from the list.",
    "cpt_twice": "{code} is listed twice: put its minutes on one line.",
    "minutes": "{code}: minutes must be between 1 and 240 for a timed code.",
    "addendum_empty": "Write the addendum's text.",
    "unsigned_addendum": "A draft can still be edited: addenda are for signed notes.",
    "cert_order": "The certification period must end on or after the plan's first day.",
    "cert_too_long": "A certification period is at most 90 days: end it by {last:%b %-d, %Y}.",
    "plan_before_episode": "The plan cannot start before the episode ({first:%b %-d, %Y}).",
    "goal_range": "A {measure} target is from {low} to {high}.",
    "goal_past": "A goal's date must be after the episode began ({first:%b %-d, %Y}).",
    "supervisor_only": (
        "Evaluations, progress notes and discharge summaries are written by a physical "
        "therapist; an assistant writes daily notes."
    ),
    "no_cosign_needed": "This note does not need a co-signature.",
    "not_signed_yet": "The author must sign the note before it is co-signed.",
    "cosign_own": "A supervising therapist other than the author co-signs.",
    "already_cosigned": "This note is already co-signed.",
    "discharge_reason": "Choose the reason for discharge before signing.",
    "goal_assessed": (
        "This goal was assessed in a signed note, so it stays on the record. Mark it met or not "
        "met in the next progress note instead."
    ),
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


def episode_rename(*, episode: Episode, title: str) -> Episode:
    if not episode.is_open:
        raise CareError("episode_closed")
    episode.title = title.strip()[:120]
    episode.save(update_fields=["title"])
    return episode


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
    if kind in SUPERVISOR_KINDS and not user.has_perm(COSIGN):
        raise CareError("supervisor_only")
    episode = open_episode(appointment.patient)
    if episode is None:
        raise CareError("no_episode", name=appointment.patient.first_name)
    last = (
        episode.notes.filter(Q(signed_at__isnull=False) | Q(author=user))
        .exclude(objective="", findings={})
        .only("episode_id", "objective", "findings")
        .order_by("-visit_on", "-pk")
        .first()
    )
    prefill = {}
    if kind in (Note.Kind.PROGRESS, Note.Kind.DISCHARGE):
        prefill = {"assessment": outcomes_text(episode)}
    if kind == Note.Kind.DISCHARGE:
        prefill["plan"] = home_program_text(episode.patient)
    try:
        with transaction.atomic():
            return Note.objects.create(
                episode=episode,
                appointment=appointment,
                kind=kind,
                visit_on=appointment.start.astimezone(clinic_zone()).date(),
                author=user,
                objective=last.objective if last else "",
                findings=last.findings if last else {},
                **prefill,
            )
    except IntegrityError:  # a second click raced the first: the first one's note
        return Note.objects.get(appointment=appointment, kind=kind)


# The free-text part of the objective; the numbers (range of motion, strength, straight-leg
# raise, neuro screen) are fields of their own (objective.FINDINGS).
OBJECTIVE_TEMPLATE = """Observation:
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
    if not user.has_perm(COSIGN):
        raise CareError("supervisor_only")
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
    *,
    note: Note,
    user,
    fields: dict[str, str],
    interventions: list[InterventionData],
    findings: dict | None = None,
    goal_outcomes: dict[int, str] | None = None,
) -> Note:
    """Save a draft's SOAP text, numeric findings and interventions (replacing them), units
    worked out; on a progress note or discharge summary, also how far each goal was met."""
    units = visit_units_for(interventions, care_settings().billing_rule)
    cleaned_findings = objective.clean(findings or {})
    with transaction.atomic():
        note = Note.objects.select_for_update().get(pk=note.pk)
        if note.is_signed:
            raise CareError("signed")
        if note.author_id != user.pk:
            raise CareError("not_author")
        if note.kind in REASSESSING and not note.episode.is_open:
            raise CareError("episode_closed")
        for name in ("subjective", "objective", "assessment", "plan"):
            setattr(note, name, fields.get(name, "").strip())
        note.findings = cleaned_findings
        if note.kind == Note.Kind.DISCHARGE:
            note.discharge_reason = fields.get("discharge_reason", "")
        note.save()
        if note.kind in REASSESSING and goal_outcomes is not None:
            # The note's own judgement of each goal: the goals themselves change only when
            # the note is signed (a draft is not part of the record).
            note.goal_assessments.all().delete()
            GoalAssessment.objects.bulk_create(
                GoalAssessment(note=note, goal=goal, outcome=outcome, goal_text=goal.text)
                for goal in note.episode.goals.filter(pk__in=goal_outcomes)
                if (outcome := goal_outcomes[goal.pk])
            )
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


def signer_verified(user, secret: str) -> bool:
    """The signer proves again who they are: with the six-digit code of their authenticator
    app (a second factor, checked in a millisecond, used once), or with their password (a
    deliberately slow hash: about a quarter of a second)."""
    code = twofactor.normalise(secret)
    if len(code) == 6 and code.isdigit() and twofactor.app_device(user) is not None:
        try:
            twofactor.factor_verify(user=user, code=code)
        except twofactor.TwoFactorError:
            pass  # a wrong or spent code, or a six-digit password: try it as one
        else:
            return True
    return user.check_password(secret)


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
    if not signer_verified(user, password):
        raise CareError("bad_password")
    rule = care_settings().billing_rule
    with transaction.atomic():
        note = Note.objects.select_for_update().get(pk=note.pk)
        if note.is_signed:
            raise CareError("signed")
        if note.author_id != user.pk:
            raise CareError("not_author")
        if note.kind in SUPERVISOR_KINDS and not user.has_perm(COSIGN):
            raise CareError("supervisor_only")
        if not note.assessment.strip():
            raise CareError("empty")
        episode = Episode.objects.select_for_update().get(pk=note.episode_id)
        if note.kind in REASSESSING and not episode.is_open:
            raise CareError("episode_closed")
        if note.kind == Note.Kind.DISCHARGE and not note.discharge_reason:
            raise CareError("discharge_reason")
        rows = list(note.interventions.all())
        units = visit_units_for([InterventionData(r.code, r.minutes) for r in rows], rule)
        for row in rows:
            row.units = units[row.code]
            row.save(update_fields=["units"], signing=True)
        note.signed_at = timezone.now()
        note.signed_by = user
        note.signer_name = signer_name(user)[:200]
        note.billing_rule = rule
        note.needs_cosign = not user.has_perm(COSIGN)
        note.save(signing=True)
        for assessment in note.goal_assessments.select_related("goal"):
            goal = assessment.goal
            goal.outcome, goal.assessed_on = assessment.outcome, note.visit_on
            goal.save(update_fields=["outcome", "assessed_on"])
        visit = note.appointment
        if (
            visit is not None
            and visit.status == Appointment.Status.BOOKED
            and visit.start <= timezone.now()
        ):
            # A visit documented and signed took place: the calendar need not be told twice.
            booking_services.appointment_set_status(
                appointment=visit, status=Appointment.Status.COMPLETED
            )
        if note.kind == Note.Kind.DISCHARGE:
            # The signed discharge summary closes the episode of care.
            episode.status = Episode.Status.CLOSED
            episode.closed_on = note.visit_on
            episode.discharge_reason = note.discharge_reason
            episode.save(update_fields=["status", "closed_on", "discharge_reason"])
    return note


def note_cosign(*, note: Note, user, password: str) -> Note:
    """A supervising PT's co-signature on an assistant's signed note: then it is complete."""
    if not signer_verified(user, password):
        raise CareError("bad_password")
    if not user.has_perm(COSIGN):
        raise CareError("supervisor_only")
    with transaction.atomic():
        note = Note.objects.select_for_update().get(pk=note.pk)
        if not note.is_signed:
            raise CareError("not_signed_yet")
        if not note.needs_cosign:
            raise CareError("no_cosign_needed")
        if note.cosigned_at is not None:
            raise CareError("already_cosigned")
        if note.author_id == user.pk:
            raise CareError("cosign_own")
        note.cosigned_at = timezone.now()
        note.cosigned_by = user
        note.cosigner_name = signer_name(user)[:200]
        note.save(signing=True)
    return note


# --- Plan of care and goals -----------------------------------------------------------------


@dataclass(frozen=True)
class PlanData:
    visits_per_week: int
    weeks: int
    starts_on: date
    certified_through: date
    planned_codes: list[str]
    interventions: str = ""


def plan_save(*, episode: Episode, user, data: PlanData) -> PlanOfCare:
    """Write or rewrite the episode's plan of care (the views audit the change)."""
    if not episode.is_open:
        raise CareError("episode_closed")
    if data.starts_on < episode.opened_on:
        raise CareError("plan_before_episode", first=episode.opened_on)
    if data.certified_through < data.starts_on:
        raise CareError("cert_order")
    last = data.starts_on + timedelta(days=CERTIFICATION_DAYS - 1)
    if data.certified_through > last:
        raise CareError("cert_too_long", last=last)
    for code in data.planned_codes:
        if code not in billing.ALL_CODES:
            raise CareError("unknown_cpt", code=code[:8])
    plan, _ = PlanOfCare.objects.update_or_create(
        episode=episode,
        defaults={
            "visits_per_week": data.visits_per_week,
            "weeks": data.weeks,
            "starts_on": data.starts_on,
            "certified_through": data.certified_through,
            "planned_codes": sorted(set(data.planned_codes)),
            "interventions": data.interventions.strip()[:3000],
            "updated_by": user,
        },
    )
    return plan


def plan_visits_left(episode: Episode) -> int | None:
    """The plan's visits not yet kept or booked (from its first day on): what the front desk
    still has to book. None without a plan."""
    plan = getattr(episode, "plan", None)
    if plan is None:
        return None
    counted = Appointment.objects.filter(
        patient_id=episode.patient_id,
        status__in=[Appointment.Status.BOOKED, Appointment.Status.COMPLETED],
        start__gte=datetime.combine(plan.starts_on, time.min, tzinfo=clinic_zone()),
    ).count()
    return max(plan.planned_visits - counted, 0)


def goal_add(*, episode: Episode, term: str, text: str, measure: str, target, due_on: date) -> Goal:
    if not episode.is_open:
        raise CareError("episode_closed")
    low, high = MEASURE_RANGES[measure]
    if not low <= target <= high:
        raise CareError("goal_range", measure=measure.upper(), low=low, high=high)
    if due_on <= episode.opened_on:
        raise CareError("goal_past", first=episode.opened_on)
    return Goal.objects.create(
        episode=episode,
        term=term,
        text=text.strip()[:300],
        measure=measure,
        target=target,
        due_on=due_on,
        position=episode.goals.filter(term=term).count(),
    )


def goal_remove(*, episode: Episode, goal_id: int) -> Goal | None:
    if not episode.is_open:
        raise CareError("episode_closed")
    goal = episode.goals.filter(pk=goal_id).first()
    if goal is None:
        return None
    if goal.assessments.filter(note__signed_at__isnull=False).exists():
        raise CareError("goal_assessed")
    with transaction.atomic():
        goal.assessments.all().delete()  # drafts' judgements of it go with it
        goal.delete()
    return goal


# --- Progress, outcomes, discharge ----------------------------------------------------------


def last_report_day(episode: Episode) -> date | None:
    """The visit day of the episode's latest signed evaluation or progress note (a draft is not
    a report yet: the flag stays until it is signed)."""
    return (
        episode.notes.filter(
            kind__in=[Note.Kind.EVALUATION, Note.Kind.PROGRESS], signed_at__isnull=False
        )
        .order_by("-visit_on")
        .values_list("visit_on", flat=True)
        .first()
    )


def visits_since_report(episode: Episode, *, until: Appointment | None = None) -> list:
    """The patient's kept or booked visits from the last report's visit on (it counts as the
    first), up to `until` when given: the 10th needs a progress note."""
    since = last_report_day(episode)
    if since is None:
        return []
    zone = clinic_zone()
    visits = Appointment.objects.filter(
        patient_id=episode.patient_id,
        status__in=[Appointment.Status.BOOKED, Appointment.Status.COMPLETED],
        start__gte=datetime.combine(since, time.min, tzinfo=zone),
    ).order_by("start")
    if until is not None:
        visits = visits.filter(start__lte=until.start)
    return list(visits.only("pk", "start"))


def progress_due(episode: Episode) -> dict | None:
    """Where the episode stands against the 10-visit rule: the visit count since the last
    report and the first visit at which a progress note is due (None when it has no report)."""
    visits = visits_since_report(episode)
    if not visits:
        return None
    due_visit = visits[PROGRESS_EVERY - 1] if len(visits) >= PROGRESS_EVERY else None
    today = datetime.now(clinic_zone()).date()
    done = sum(1 for v in visits if v.start.astimezone(clinic_zone()).date() <= today)
    return {
        "count": done,
        "every": PROGRESS_EVERY,
        "left": max(PROGRESS_EVERY - done, 0),
        "due_visit": due_visit,
        "overdue": done >= PROGRESS_EVERY,
    }


def progress_due_ids(appointment_ids: list[int]) -> set[int]:
    """Of these visits, the ones at which a progress note is due: the 10th (or later) since
    the patient's last evaluation or progress note in an open episode."""
    patients = set(
        Appointment.objects.filter(pk__in=appointment_ids).values_list("patient_id", flat=True)
    )
    due: set[int] = set()
    for episode in Episode.objects.filter(patient_id__in=patients, status=Episode.Status.OPEN):
        visits = visits_since_report(episode)
        due |= {v.pk for v in visits[PROGRESS_EVERY - 1 :]}
    return due & set(appointment_ids)


# Measures answered this long before the evaluation (the intake, a week ahead) are its baseline.
BASELINE_DAYS = 30


def episode_window(episode: Episode) -> tuple[datetime, datetime | None]:
    """The span whose measures belong to the episode: from BASELINE_DAYS before it opened (but
    after any earlier episode closed) to the day it closed, or open-ended."""
    zone = clinic_zone()
    first = episode.opened_on - timedelta(days=BASELINE_DAYS)
    earlier = (
        Episode.objects.filter(patient_id=episode.patient_id, closed_on__lte=episode.opened_on)
        .exclude(pk=episode.pk)
        .order_by("-closed_on")
        .values_list("closed_on", flat=True)
        .first()
    )
    if earlier is not None:
        first = max(first, earlier + timedelta(days=1))
    since = datetime.combine(first, time.min, tzinfo=zone)
    until = (
        datetime.combine(episode.closed_on, time.max, tzinfo=zone) if episode.closed_on else None
    )
    return since, until


def episode_outcomes(episode: Episode) -> list[dict]:
    """Each measure answered during the episode (its baseline included): first and last score,
    the change, whether it reaches the minimal clinically important difference."""
    since, until = episode_window(episode)
    rows = []
    for series in intake_selectors.outcome_series(patient=episode.patient):
        points = [p for p in series.points if p.at >= since and (until is None or p.at <= until)]
        if not points:
            continue
        first, last = points[0], points[-1]
        change = None
        if len(points) > 1 and series.mcid is not None:
            change = scoring.change(series.instrument.code, first.value, last.value)
        rows.append(
            {
                "code": series.instrument.code,
                "name": series.instrument.name,
                "first": first,
                "last": last,
                "count": len(points),
                "change": change,
                "mcid": series.mcid,
            }
        )
    return rows


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def outcomes_text(episode: Episode) -> str:
    """The measures' change and the goals, as a starting point for a progress note's or
    discharge summary's assessment."""
    lines = []
    for row in episode_outcomes(episode):
        first, last, change = row["first"], row["last"], row["change"]
        if row["count"] == 1:
            lines.append(f"{row['name']}: {_number(first.value)} (one score so far).")
            continue
        line = f"{row['name']}: {_number(first.value)} → {_number(last.value)}"
        if change is not None:
            reached = "reaches" if change.meets_mcid else "does not reach"
            line += (
                f" ({'+' if change.delta >= 0 else ''}{_number(change.delta)}; {reached} the MCID)"
            )
        lines.append(line)
    latest = {row["code"]: row["last"].value for row in episode_outcomes(episode)} if lines else {}
    for goal in episode.goals.all():
        now = latest.get(goal.measure)
        status = "no score yet" if now is None else f"now {_number(now)}"
        lines.append(
            f"Goal ({goal.get_term_display().lower()}): {goal.text}: "
            f"{goal.measure.upper()} {_number(float(goal.target))} by "
            f"{goal.due_on:%b %-d}; {status}."
        )
    return "\n".join(lines)


def home_program_text(patient) -> str:
    """The home program to continue after discharge, in words, from the app that keeps programs
    (exercises, beside this one: it answers through the `care_home_program` hook)."""
    return "\n".join(text for fn in hooks.get_hooks("care_home_program") if (text := fn(patient)))


def goal_reached(goal: Goal, latest: float | None) -> bool | None:
    """Whether the latest score reaches the goal's target (None without a score)."""
    if latest is None:
        return None
    return (latest - float(goal.target)) * scoring.DIRECTION[goal.measure] >= -scoring.EPSILON


def addendum_add(*, note: Note, user, text: str, password: str) -> Addendum:
    if not signer_verified(user, password):
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
    Goal.objects.filter(episode__patient=patient).delete()
    PlanOfCare.objects.filter(episode__patient=patient).delete()
    Diagnosis.objects.filter(episode__patient=patient).delete()
    Episode.objects.filter(patient=patient).delete()
    return counts
