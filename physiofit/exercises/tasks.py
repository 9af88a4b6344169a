"""Emails about programs (assigned, changed, reminders), each with a fresh portal sign-in link
made inside the task, and the reminder sweep. No exercise, condition or pain is named in them."""

from django.utils import timezone
from django_tasks import task

from physiofit.core.delivery import StatusFields, deliver
from physiofit.intake import portal
from physiofit.intake.tasks import portal_email

from .models import ProgramEmail

SUBJECTS = {
    ProgramEmail.Kind.ASSIGNED: "Your home exercise program",
    ProgramEmail.Kind.CHANGED: "Your home exercise program was updated",
    ProgramEmail.Kind.REMINDER: "A reminder for today's exercises",
}


@task()
def send_program_email(email_id: int) -> str:
    """Send one program email; failures are recorded and retried with back-off."""
    row = ProgramEmail.objects.select_related("program__patient").get(pk=email_id)
    patient = row.program.patient
    if portal.portal_links_held(patient=patient):
        # No sign-in link while the record's new address awaits a clinician's approval
        # (intake.portal): the email stays queued and approval sends it, unless it is a
        # reminder for a day that will have passed.
        if row.kind == ProgramEmail.Kind.REMINDER:
            ProgramEmail.objects.filter(pk=row.pk).update(
                email_status="skipped", email_error="held: email address awaiting approval"
            )
        return "held"
    return deliver(
        row,
        build=lambda: portal_email(
            f"exercises/email/{row.kind}", str(SUBJECTS[row.kind]), patient, program=row.program
        ),
        retry=send_program_email,
        fields=StatusFields(sent_at="sent_at"),
    )


def program_emails_release(*, patient) -> int:
    """Queue the program emails held while the patient's new address awaited approval."""
    held = list(
        ProgramEmail.objects.filter(program__patient=patient, email_status="queued")
        .exclude(kind=ProgramEmail.Kind.REMINDER)
        .values_list("pk", flat=True)
    )
    for email_id in held:
        send_program_email.enqueue(email_id)
    return len(held)


@task()
def send_exercise_reminders() -> int:
    """Queue today's due exercise reminders (run every few minutes by the worker's loop or cron)."""
    from .reminders import reminders_due_send

    return reminders_due_send(now=timezone.now())
