"""The patient's exercise pages and the therapist's program pages: who may see what, logging
through the portal, the pain flag shown to both, the handout and the FHIR export."""

import json

import pytest
from django.core import mail

from physiofit.core.models import AuditEvent
from physiofit.exercises import selectors, services
from physiofit.exercises.models import PainFlag, Program, SessionLog
from tests.exercises.conftest import portal_sign_in
from tests.staff import login_staff


@pytest.fixture
def program(patient, template, today):
    program = services.program_assign(
        patient=patient, user=None, starts_on=today, template=template
    )
    return program


def cat_row(program, library):
    return selectors.current_version(program).prescriptions.get(exercise=library["cat"])


def test_the_portal_needs_a_session(client, program):
    assert client.get("/portal/exercises/")["Location"] == "/portal/"
    row = program.current.prescriptions.first()
    assert client.post(f"/portal/exercises/{row.pk}/log/", {}).status_code == 302
    assert SessionLog.objects.count() == 0


def test_todays_exercises_show_steps_dosage_and_the_log_form(client, program, library, today):
    portal_sign_in(client, program.patient)
    page = client.get("/portal/exercises/").content.decode()
    assert "Cat camel" in page
    assert "Move slowly." in page
    assert "2 sets of 6 reps; once a day, every day" in page
    assert "Pain during the exercise" in page
    assert "Deep core" in page  # what's next in the plan
    assert client.get("/portal/").content.decode().count("Today's exercises") == 1


def test_logging_a_session_is_saved_and_said(client, program, library, today):
    portal_sign_in(client, program.patient)
    row = cat_row(program, library)
    prefix = f"p{row.pk}"
    response = client.post(
        f"/portal/exercises/{row.pk}/log/",
        {
            f"{prefix}-performed_on": today.isoformat(),
            f"{prefix}-sets_done": "2",
            f"{prefix}-pain_during": "1",
            f"{prefix}-effort": "4",
        },
    )
    assert response.status_code == 302
    log = SessionLog.objects.get()
    assert (log.pain_during, log.effort, log.sets_done, log.performed_on) == (1, 4, 2, today)
    assert "Saved: Cat camel" in client.get("/portal/exercises/").content.decode()


def test_pain_seven_asks_the_patient_to_stop_and_flags_it(client, program, library, today):
    portal_sign_in(client, program.patient)
    row = cat_row(program, library)
    prefix = f"p{row.pk}"
    client.post(
        f"/portal/exercises/{row.pk}/log/",
        {f"{prefix}-performed_on": today.isoformat(), f"{prefix}-pain_during": "7"},
    )
    page = client.get("/portal/exercises/").content.decode()
    assert "Please stop Cat camel for now" in page
    assert "Paused" in page
    assert PainFlag.objects.get().reason == "too_much"
    # While paused, the exercise cannot be logged again.
    again = client.post(
        f"/portal/exercises/{row.pk}/log/",
        {f"{prefix}-performed_on": today.isoformat(), f"{prefix}-pain_during": "1"},
    )
    assert again.status_code == 409
    assert SessionLog.objects.count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"pain_during": "11"},
        {"pain_during": "-1"},
        {"pain_during": "x"},
        {"pain_during": "1", "performed_on": "2099-01-01"},
        {"pain_during": "1", "sets_done": "999"},
        {"pain_during": "1", "comment": "x" * 501},
    ],
)
def test_bad_logs_get_a_400_and_nothing_is_written(client, program, library, today, fields):
    portal_sign_in(client, program.patient)
    row = cat_row(program, library)
    data = {f"p{row.pk}-{k}": v for k, v in {"performed_on": today.isoformat(), **fields}.items()}
    response = client.post(f"/portal/exercises/{row.pk}/log/", data)
    assert response.status_code == 400
    assert SessionLog.objects.count() == 0


def test_one_patient_cannot_log_into_another_patients_program(
    client, program, other_patient, library, today
):
    portal_sign_in(client, other_patient)
    row = cat_row(program, library)
    response = client.post(
        f"/portal/exercises/{row.pk}/log/",
        {f"p{row.pk}-performed_on": today.isoformat(), f"p{row.pk}-pain_during": "1"},
    )
    assert response.status_code == 404
    assert SessionLog.objects.count() == 0
    assert "Cat camel" not in client.get("/portal/exercises/").content.decode()


def test_the_patient_chooses_or_switches_off_reminders(client, program):
    portal_sign_in(client, program.patient)
    client.post("/portal/exercises/reminders/", {"hour": "7"})
    assert Program.objects.get().reminder_hour == 7
    client.post("/portal/exercises/reminders/", {"hour": "off"})
    assert Program.objects.get().reminder_hour is None
    client.post("/portal/exercises/reminders/", {"hour": "99"})
    assert Program.objects.get().reminder_hour is None


def test_the_handout_is_a_pdf_with_the_clinic_and_the_exercises(client, program):
    from tests.intake.pdftext import pdf_text

    portal_sign_in(client, program.patient)
    response = client.get("/portal/exercises/handout.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Cat camel" in text
    assert "Sam Patient" in text
    assert "Tick each session" in text
    assert AuditEvent.objects.filter(action="export", object_type="exercises.program").exists()


def test_front_desk_cannot_open_programs(client, front_desk, program):
    login_staff(client, front_desk)
    for url in (
        "/admin/exercise-programs/",
        f"/admin/exercise-programs/patient/{program.patient_id}/",
        f"/admin/exercise-programs/{program.pk}/careplan.json",
    ):
        response = client.get(url)
        # Wagtail's admin turns a refusal into a redirect to the dashboard with a message.
        assert response.status_code in (302, 403)
        assert b"Cat camel" not in response.content
    assert AuditEvent.objects.filter(action="denied").exists()


def test_the_therapist_assigns_from_a_template_in_one_step(
    client, therapist, patient, template, today
):
    login_staff(client, therapist)
    page = client.get(f"/admin/exercise-programs/patient/{patient.pk}/")
    assert page.status_code == 200
    assert "Assign a program" in page.content.decode()
    response = client.post(
        f"/admin/exercise-programs/patient/{patient.pk}/",
        {"template": template.pk, "starts_on": today.isoformat(), "title": ""},
    )
    assert response.status_code == 302
    program = Program.objects.get(patient=patient)
    assert program.current.prescriptions.count() == 3
    assert AuditEvent.objects.filter(
        action="create", object_type="exercises.program", patient_id=patient.pk
    ).exists()


def test_assigning_with_a_bad_date_says_why(client, therapist, patient, template):
    login_staff(client, therapist)
    response = client.post(
        f"/admin/exercise-programs/patient/{patient.pk}/",
        {"template": template.pk, "starts_on": "0001-01-01"},
    )
    assert response.status_code == 400
    assert "within the last month" in response.content.decode()
    assert not Program.objects.exists()


def editor_data(program, **changes):
    version = selectors.current_version(program)
    data = {
        "phase-TOTAL_FORMS": "3",
        "phase-INITIAL_FORMS": "2",
        "phase-MIN_NUM_FORMS": "0",
        "phase-MAX_NUM_FORMS": "12",
    }
    for i, phase in enumerate(version.phases.all()):
        data.update(
            {
                f"phase-{i}-name": phase.name,
                f"phase-{i}-starts_on": phase.starts_on.isoformat(),
                f"phase-{i}-ends_on": phase.ends_on.isoformat(),
            }
        )
    rows = list(version.prescriptions.all())
    data.update(
        {
            "rx-TOTAL_FORMS": str(len(rows) + 1),
            "rx-INITIAL_FORMS": str(len(rows)),
            "rx-MIN_NUM_FORMS": "0",
            "rx-MAX_NUM_FORMS": "40",
        }
    )
    phase_index = {ph.pk: i for i, ph in enumerate(version.phases.all())}
    for i, p in enumerate(rows):
        data.update(
            {
                f"rx-{i}-ORDER": str(i + 1),
                f"rx-{i}-exercise": str(p.exercise_id),
                f"rx-{i}-phase": str(phase_index[p.phase_id]),
            }
        )
        for name, value in p.dosage_values().items():
            data[f"rx-{i}-{name}"] = "" if value is None else str(value)
        data[f"rx-{i}-note"] = p.note
    data.update(changes)
    return data


def test_the_editor_writes_a_new_version_and_can_reorder(client, therapist, program, library):
    login_staff(client, therapist)
    assert client.get(f"/admin/exercise-programs/{program.pk}/edit/").status_code == 200
    data = editor_data(program, **{"rx-0-reps": "9", "rx-2-ORDER": "0", "change_note": "More reps"})
    response = client.post(f"/admin/exercise-programs/{program.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    version = selectors.current_version(program)
    assert version.number == 2
    assert version.change_note == "More reps"
    rows = list(version.prescriptions.all())
    assert rows[0].exercise.slug == "glute-bridge"
    assert version.prescriptions.get(exercise=library["cat"]).reps == 9
    assert program.versions.get(number=1).prescriptions.get(exercise=library["cat"]).reps == 6


def test_the_editor_refuses_bad_input_and_keeps_the_version(client, therapist, program):
    login_staff(client, therapist)
    for bad in (
        {"rx-0-sets": "0"},
        {"rx-0-exercise": "999999"},
        {"rx-0-phase": "7"},
        {"phase-0-ends_on": "2000-01-01"},
        {"rx-0-note": "a\r\nBcc: x"},
    ):
        response = client.post(
            f"/admin/exercise-programs/{program.pk}/edit/", editor_data(program, **bad)
        )
        assert response.status_code == 400, bad
    assert program.versions.count() == 1


def test_the_editor_warns_when_a_program_grows_long(client, therapist, program, library, site):
    from physiofit.exercises.models import ExerciseSettings

    settings = ExerciseSettings.for_site(site["site"])
    settings.max_exercises = 1
    settings.save()
    login_staff(client, therapist)
    data = editor_data(
        program, **{"rx-3-exercise": str(library["easy"].pk), "rx-3-phase": "0", "rx-3-ORDER": "4"}
    )
    response = client.post(f"/admin/exercise-programs/{program.pk}/edit/", data, follow=True)
    assert "2 exercises at once: more than the clinic" in response.content.decode()


def test_the_flag_and_adherence_show_on_the_next_appointment(
    client, therapist, booking, program, library, today
):
    from physiofit.booking.models import Appointment, new_reference
    from tests.booking.conftest import bend

    row = cat_row(program, library)
    services.session_log(
        program=program, prescription=row, performed_on=today, today=today, pain_during=7
    )
    start = bend(2026, 12, 9, 10)
    visit = Appointment.objects.create(
        practitioner=booking["alex"],
        service=booking["follow_up"],
        patient=program.patient,
        start=start,
        end=start + booking["follow_up"].duration,
        blocked_start=start,
        blocked_end=start + booking["follow_up"].duration,
        reference=new_reference(),
    )
    login_staff(client, therapist)
    page = client.get(f"/admin/calendar/appointment/{visit.pk}/").content.decode()
    assert "Home exercises" in page
    assert "Pain flag: Cat camel" in page
    assert "pf-adherence" in page


def test_resolving_a_flag_lets_the_patient_log_again(client, therapist, program, library, today):
    row = cat_row(program, library)
    _log, flag = services.session_log(
        program=program, prescription=row, performed_on=today, today=today, pain_during=8
    )
    login_staff(client, therapist)
    client.post(
        f"/admin/exercise-programs/flags/{flag.pk}/resolve/",
        {"resolution": "Called;\r\nfewer reps"},
    )
    flag.refresh_from_db()
    assert flag.resolved_at is not None
    assert flag.resolution == "Called; fewer reps"


def test_history_as_on_a_date_and_bad_dates(client, therapist, program, today):
    login_staff(client, therapist)
    response = client.get(
        f"/admin/exercise-programs/{program.pk}/as-on/?on=not-a-date", follow=True
    )
    assert "Choose a valid date" in response.content.decode()
    for extreme in ("9999-12-31", "0001-01-01"):
        response = client.get(f"/admin/exercise-programs/{program.pk}/as-on/?on={extreme}")
        assert response.status_code == 302
    response = client.get(f"/admin/exercise-programs/{program.pk}/versions/1/")
    assert response.status_code == 200
    assert "Version 1" in response.content.decode()
    assert AuditEvent.objects.filter(action="history", object_type="exercises.program").exists()


def test_the_fhir_export_is_a_valid_careplan_with_exercise_therapy(client, therapist, program):
    from fhir.resources.R4B.bundle import Bundle

    login_staff(client, therapist)
    response = client.get(f"/admin/exercise-programs/{program.pk}/careplan.json")
    assert response["Content-Type"] == "application/fhir+json"
    data = json.loads(response.content)
    Bundle.model_validate(data)
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds == ["Patient", "CarePlan", "ServiceRequest", "ServiceRequest", "ServiceRequest"]
    request = data["entry"][2]["resource"]
    assert request["code"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "229065009",
        "display": "Exercise therapy",
    }
    assert request["basedOn"][0]["reference"] == data["entry"][1]["fullUrl"]
    assert (
        data["entry"][1]["resource"]["activity"][0]["reference"]["reference"]
        == data["entry"][2]["fullUrl"]
    )


def test_program_emails_carry_the_portal_link_and_no_clinical_detail(
    program, django_capture_on_commit_callbacks, library, today
):
    phases, items = services.plan_from_template(program.template, today)
    items[0] = services.PrescriptionData(items[0].exercise, 0, {"reps": 20})
    with django_capture_on_commit_callbacks(execute=True):
        services.program_revise(program=program, user=None, phases=phases, prescriptions=items)
    message = mail.outbox[-1]
    assert message.subject == "Your home exercise program was updated"
    assert "/portal/sign-in/" in message.body
    assert "/portal/" in message.body
    assert "Cat camel" not in message.body


def test_the_blog_shows_exercises_from_the_library(client, library, site):
    from datetime import date

    from tests.factories import make_post, publish

    post = make_post("Exercises post", date(2026, 11, 1))
    post.body = [
        {"type": "exercises", "value": {"heading": "Exercises", "exercises": [library["cat"].pk]}}
    ]
    publish(site["blog"], post)
    library["cat"].purpose = "Edited once in the library."
    library["cat"].save()
    page = client.get(post.url).content.decode()
    assert "Cat camel" in page
    assert "Edited once in the library." in page


def test_the_patients_record_export_holds_the_program_and_the_sessions(
    client, program, library, today
):
    """A copy of the record is all of it: what was prescribed in each version, what the patient
    logged and the pain flags, in the JSON and the PDF alike."""
    from tests.intake.pdftext import pdf_text

    row = cat_row(program, library)
    services.session_log(
        program=program,
        prescription=row,
        performed_on=today,
        today=today,
        pain_during=7,
        sets_done=1,
        effort=6,
        comment="Sharp",
    )
    portal_sign_in(client, program.patient)
    record = json.loads(client.post("/portal/record.json").content)
    [exported] = record["exercise_programs"]
    assert exported["title"] == program.title
    [version] = exported["versions"]
    assert version["phases"][0]["exercises"][0] == {
        "exercise": "Cat camel",
        "dosage": "2 sets of 6 reps; once a day, every day",
        "note": "",
    }
    assert exported["sessions"] == [
        {
            "day": today.isoformat(),
            "exercise": "Cat camel",
            "sets_done": 1,
            "pain_during": 7,
            "effort": 6,
            "settled_by_morning": None,
            "comment": "Sharp",
        }
    ]
    assert exported["pain_flags"][0]["resolved_at"] is None
    text = " ".join(pdf_text(client.post("/portal/record.pdf").content).split())
    assert "Home exercise programs" in text
    assert "Sharp" in text


def test_the_library_listing_finds_exercises_by_words(client, admin_user, library, template):
    """Typing in the library's search box (and pressing Enter) finds the exercise."""
    login_staff(client, admin_user)
    url = "/admin/snippets/exercises/exercise/"
    for path in (f"{url}?q=dead", f"{url}results/?q=dead"):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        assert "Dead bug" in page
        assert "Cat camel" not in page
    page = client.get("/admin/snippets/exercises/programtemplate/?q=maigne").content.decode()
    assert "Maigne" in page


def blank_rows(data, first: int, count: int = 3) -> dict:
    """What a browser posts for the editor's empty rows: the phase menu always has a value."""
    data = dict(data)
    for i in range(first, first + count):
        data.update({f"rx-{i}-phase": "0", f"rx-{i}-ORDER": "", f"rx-{i}-side": ""})
    data["rx-TOTAL_FORMS"] = str(first + count)
    return data


def test_a_change_note_alone_saves_past_the_empty_rows(client, therapist, program):
    login_staff(client, therapist)
    rows = program.current.prescriptions.count()
    data = blank_rows(editor_data(program, change_note="Checked in clinic", notify="on"), rows)
    data["rx-0-reps"] = "7"
    mail.outbox.clear()
    response = client.post(f"/admin/exercise-programs/{program.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert selectors.current_version(program).number == 2
    # "Email the patient" was ticked: the email is queued.
    assert program.emails.filter(kind="changed").count() == 1


def test_a_quiet_correction_sends_no_email(client, therapist, program):
    login_staff(client, therapist)
    mail.outbox.clear()
    data = editor_data(program, **{"rx-0-reps": "7", "change_note": "Typo"})  # notify unticked
    response = client.post(f"/admin/exercise-programs/{program.pk}/edit/", data, follow=True)
    assert "No email was sent" in response.content.decode()
    assert not program.emails.filter(kind="changed").exists()


def test_errors_sit_on_the_row_at_fault_and_never_on_a_removed_row(client, therapist, program):
    login_staff(client, therapist)
    rows = program.current.prescriptions.count()
    data = blank_rows(editor_data(program), rows)
    # A removed row with nonsense in it, and a kept row in a phase that is being removed.
    data.update({f"rx-{rows}-exercise": "", f"rx-{rows}-reps": "999", f"rx-{rows}-DELETE": "on"})
    data.update({"phase-1-DELETE": "on"})
    response = client.post(f"/admin/exercise-programs/{program.pk}/edit/", data)
    assert response.status_code == 400
    rows_html = response.content.decode().split("<h2>Exercises</h2>", 1)[1]
    in_phase_2 = program.current.prescriptions.filter(phase__position=1).count()
    assert in_phase_2 >= 1
    assert rows_html.count("This phase is removed or empty: choose another.") == in_phase_2
    assert "less than or equal to 100" not in rows_html
    assert program.versions.count() == 1


def test_a_title_typed_before_building_from_scratch_reaches_the_editor(client, therapist, patient):
    login_staff(client, therapist)
    today = clinic_today_iso()
    response = client.post(
        f"/admin/exercise-programs/patient/{patient.pk}/",
        {"template": "", "starts_on": today, "title": "Knee, home"},
    )
    assert response.status_code == 302
    assert "Knee" not in response["Location"]  # kept in the session, not the URL
    editor = client.get(response["Location"]).content.decode()
    assert 'value="Knee, home"' in editor


def test_ending_a_program_asks_first(client, therapist, program):
    login_staff(client, therapist)
    url = f"/admin/exercise-programs/{program.pk}/end/"
    page = client.get(url).content.decode()
    assert "cannot be started again" in page
    assert Program.objects.get().status == "active"
    client.post(url)
    assert Program.objects.get().status == "ended"
    again = client.post(url, follow=True).content.decode()
    assert "had already ended" in again
    assert AuditEvent.objects.filter(summary="program ended").count() == 1


def clinic_today_iso() -> str:
    from physiofit.core.models import clinic_today

    return clinic_today().isoformat()


def test_pain_flags_reach_the_therapists_dashboard(client, therapist, program, library, today):
    login_staff(client, therapist)
    assert "pain flag" not in client.get("/admin/").content.decode()
    row = cat_row(program, library)
    services.session_log(
        program=program, prescription=row, performed_on=today, today=today, pain_during=7
    )
    dashboard = client.get("/admin/").content.decode()
    assert "Home exercises: 1 pain flag" in dashboard
    assert f"{program.patient.reference}</a>: Cat camel" in dashboard
