"""Programs: assign from a template, versions, one active program, logging with the pain check,
reminders sent once, and the record of what was prescribed when."""

from datetime import datetime, time

import pytest
from django.core import mail

from physiofit.core.models import clinic_zone
from physiofit.exercises import reminders, selectors, services
from physiofit.exercises.models import PainFlag, Program, ProgramEmail, SessionLog
from tests.exercises.conftest import days


def assign(patient, template, today):
    return services.program_assign(patient=patient, user=None, starts_on=today, template=template)


def test_a_template_becomes_dated_phases_with_the_exercise_defaults(
    patient, template, today, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        program = assign(patient, template, today)
    version = selectors.current_version(program)
    phases = list(version.phases.all())
    assert [(p.name, p.starts_on, p.ends_on) for p in phases] == [
        ("Mobility", today, today + days(13)),
        ("Deep core", today + days(14), today + days(27)),
    ]
    rows = list(version.prescriptions.all())
    assert [r.exercise.slug for r in rows] == ["cat-camel", "dead-bug", "glute-bridge"]
    assert rows[0].reps == 6  # the template's dosage
    assert rows[1].reps == 10
    assert rows[1].note == "Ribs down"
    assert rows[2].days_per_week == 3
    assert program.title == template.name
    assert mail.outbox[-1].to == ["sam@example.com"]
    assert "/portal/sign-in/" in mail.outbox[-1].body
    assert "Maigne" not in mail.outbox[-1].body  # emails name no condition


def test_a_patient_has_one_active_program(patient, template, today):
    assign(patient, template, today)
    with pytest.raises(services.ProgramError) as error:
        assign(patient, template, today)
    assert error.value.code == "already_active"
    assert Program.objects.count() == 1


def test_a_change_writes_the_next_version_and_keeps_the_first(patient, template, today, library):
    program = assign(patient, template, today)
    phases, items = services.plan_from_template(template, today)
    items[0] = services.PrescriptionData(items[0].exercise, 0, {"reps": 12}, "Slower")
    version = services.program_revise(
        program=program, user=None, phases=phases, prescriptions=items, change_note="More reps"
    )
    assert version.number == 2
    first = program.versions.get(number=1)
    assert first.prescriptions.get(exercise=library["cat"]).reps == 6
    assert version.prescriptions.get(exercise=library["cat"]).reps == 12
    assert ProgramEmail.objects.filter(program=program, kind="changed").count() == 1


def test_saving_without_a_change_writes_nothing(patient, template, today):
    program = assign(patient, template, today)
    phases, items = services.plan_from_template(template, today)
    with pytest.raises(services.ProgramError) as error:
        services.program_revise(program=program, user=None, phases=phases, prescriptions=items)
    assert error.value.code == "no_change"
    assert program.versions.count() == 1


def test_bad_dates_and_dosage_are_refused_whole(patient, template, today, library):
    program = assign(patient, template, today)
    phases = [services.PhaseData("Backwards", today, today - days(1))]
    with pytest.raises(services.ProgramError, match="ends before"):
        services.program_revise(
            program=program,
            user=None,
            phases=phases,
            prescriptions=[services.PrescriptionData(library["cat"], 0)],
        )
    phases = [services.PhaseData("One", today, today + days(6))]
    with pytest.raises(services.ProgramError, match="Cat camel"):
        services.program_revise(
            program=program,
            user=None,
            phases=phases,
            prescriptions=[services.PrescriptionData(library["cat"], 0, {"sets": 99})],
        )
    assert program.versions.count() == 1


def log(program, exercise, day, pain, today, **more):
    prescription = selectors.current_version(program).prescriptions.get(exercise=exercise)
    return services.session_log(
        program=program,
        prescription=prescription,
        performed_on=day,
        today=today,
        pain_during=pain,
        **more,
    )


def test_pain_above_five_flags_the_exercise_once(patient, template, today, library):
    program = assign(patient, template, today)
    _log, flag = log(program, library["cat"], today, 7, today)
    assert flag.reason == "too_much"
    assert flag.exercise == library["cat"]
    # Logged again the next day while flagged (a page left open, a back-dated entry): the
    # exercise is paused, so the log is refused and there is no second open flag.
    with pytest.raises(services.ProgramError, match="paused"):
        log(program, library["cat"], today + days(1), 8, today + days(1))
    assert PainFlag.objects.filter(resolved_at__isnull=True).count() == 1
    assert program.logs.count() == 1


def test_pain_rising_twice_flags_the_exercise(patient, template, today, library):
    program = assign(patient, template, today)
    for n, pain in enumerate((1, 3)):
        assert log(program, library["cat"], today + days(n), pain, today + days(n))[1] is None
    _log, flag = log(
        program, library["cat"], today + days(2), 4, today + days(2), settled_by_morning=True
    )
    assert flag.reason == "rising"


def test_logging_is_refused_for_the_future_and_beyond_the_plan(patient, template, today, library):
    program = assign(patient, template, today)
    with pytest.raises(services.ProgramError, match="not the future"):
        log(program, library["cat"], today + days(1), 1, today)
    log(program, library["cat"], today, 1, today)
    with pytest.raises(services.ProgramError) as error:
        log(program, library["cat"], today, 1, today)
    assert error.value.code == "too_many"
    # The deep-core phase starts in two weeks.
    with pytest.raises(services.ProgramError, match="not part of your program"):
        log(program, library["dead_bug"], today, 1, today)
    assert SessionLog.objects.count() == 1


def test_the_record_shows_what_was_prescribed_on_any_day(patient, template, today, library):
    program = assign(patient, template, today)
    first = program.current
    program.versions.filter(pk=first.pk).update(
        created_at=datetime.combine(today - days(10), time(9), tzinfo=clinic_zone())
    )
    cat = library["cat"]
    cat.revisions.update(
        created_at=datetime.combine(today - days(20), time(9), tzinfo=clinic_zone())
    )
    cat.steps = "New step one.\nNew step two."
    cat.save()
    cat.save_revision()
    phases, items = services.plan_from_template(template, today)
    items[0] = services.PrescriptionData(items[0].exercise, 0, {"reps": 15})
    second = services.program_revise(program=program, user=None, phases=phases, prescriptions=items)
    program.versions.filter(pk=second.pk).update(
        created_at=datetime.combine(today, time(9), tzinfo=clinic_zone())
    )
    then = selectors.version_on(program, today - days(5))
    assert then.number == 1
    assert then.prescriptions.get(exercise=cat).reps == 6
    assert selectors.version_on(program, today).number == 2
    assert selectors.version_on(program, today - days(11)) is None
    old_text = selectors.exercise_as_of(
        cat, datetime.combine(today - days(5), time(9), tzinfo=clinic_zone())
    )
    assert old_text.step_list == ["Breathe out.", "Move slowly.", "Return."]


def test_a_reminder_goes_once_on_a_day_not_yet_logged(
    patient, template, today, library, django_capture_on_commit_callbacks
):
    assign(patient, template, today)
    evening = datetime.combine(today, time(18, 5), tzinfo=clinic_zone())
    afternoon = datetime.combine(today, time(17, 55), tzinfo=clinic_zone())
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.reminders_due_send(now=afternoon) == 0
        assert reminders.reminders_due_send(now=evening) == 1
        assert reminders.reminders_due_send(now=evening) == 0
    assert len(mail.outbox) == 1
    assert "reminder" in mail.outbox[0].subject.lower()


def test_no_reminder_when_logged_switched_off_or_paused(patient, template, today, library):
    program = assign(patient, template, today)
    evening = datetime.combine(today, time(20), tzinfo=clinic_zone())
    log(program, library["cat"], today, 1, today)
    assert reminders.reminders_due_send(now=evening) == 0
    Program.objects.filter(pk=program.pk).update(reminder_hour=None)
    assert reminders.reminders_due_send(now=evening + days(1)) == 0


def test_adherence_spans_the_versions(patient, template, today, library):
    program = assign(patient, template, today)
    program.versions.update(
        created_at=datetime.combine(today - days(3), time(9), tzinfo=clinic_zone())
    )
    Program.objects.filter(pk=program.pk).update(
        created_at=datetime.combine(today - days(3), time(9), tzinfo=clinic_zone())
    )
    # Version 1's phases start today: move them back three days, as if assigned then.
    phases, _items = services.plan_from_template(template, today - days(3))
    first = program.current
    for phase, data in zip(first.phases.all(), phases, strict=True):
        phase.starts_on, phase.ends_on = data.starts_on, data.ends_on
        phase.save()
    for p in first.prescriptions.select_related("phase"):
        p.starts_on, p.ends_on = p.phase.starts_on, p.phase.ends_on
        p.save()
    for n in (3, 2):
        SessionLog.objects.create(
            program=program, exercise=library["cat"], performed_on=today - days(n), pain_during=1
        )
    result = selectors.program_adherence(program, today)
    assert result.overall.expected == 3
    assert result.overall.done == 2
    assert result.overall.percent == 67


def test_program_emails_wait_for_an_approved_address(
    patient, template, today, library, front_desk, therapist, django_capture_on_commit_callbacks
):
    """While an address typed in by the front desk awaits a clinician, the program email stays
    queued and the day's reminder is dropped; approval sends what waited, to the new address."""
    from physiofit.intake import portal

    with django_capture_on_commit_callbacks(execute=True):
        portal.portal_email_changed(
            patient=patient, old_email=patient.email, new_email="new@example.com", user=front_desk
        )
        patient.email = "new@example.com"
        patient.save()
    mail.outbox.clear()
    evening = datetime.combine(today, time(18, 5), tzinfo=clinic_zone())
    with django_capture_on_commit_callbacks(execute=True):
        assign(patient, template, today)
        reminders.reminders_due_send(now=evening)
    assert not mail.outbox
    assert dict(ProgramEmail.objects.values_list("kind", "email_status")) == {
        "assigned": "queued",
        "reminder": "skipped",
    }
    with django_capture_on_commit_callbacks(execute=True):
        portal.portal_email_change_approve(
            patient=patient,
            user=therapist,
            email="new@example.com",
            last_change_id=patient.portal_email_changes.latest("pk").pk,
        )
    [assigned] = mail.outbox
    assert assigned.to == ["new@example.com"]
    assert ProgramEmail.objects.get(kind="assigned").email_status == "sent"


def test_a_discharge_summary_names_the_home_program_to_continue(patient, template, today):
    from physiofit.care.services import home_program_text

    assert home_program_text(patient) == ""  # no program yet
    program = assign(patient, template, today)
    text = home_program_text(patient)
    assert text.startswith(f"Home program to continue: {program.title} (version 1).")
    assert "- " in text
    services.program_end(program=program)
    assert home_program_text(patient) == ""  # an ended program is not to be continued
