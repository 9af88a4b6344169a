"""Emails about programs (assigned, changed, reminders), each with a fresh portal sign-in link
made inside the task, and the reminder sweep. No exercise, condition or pain is named in them."""

from django.utils import timezone
from django_tasks import default_task_backend, task

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
    if until := portal.portal_links_held_until(patient=patient):
        # No sign-in link while the record's new address is unconfirmed (intake.portal).
        if row.kind != ProgramEmail.Kind.REMINDER and default_task_backend.supports_defer:
            send_program_email.using(run_after=until).enqueue(email_id)
        return "held"
    return deliver(
        row,
        build=lambda: portal_email(
            f"exercises/email/{row.kind}", str(SUBJECTS[row.kind]), patient, program=row.program
        ),
        retry=send_program_email,
        fields=StatusFields(sent_at="sent_at"),
    )


@task()
def send_exercise_reminders() -> int:
    """Queue today's due exercise reminders (run every few minutes by the worker's loop or cron)."""
    from .reminders import reminders_due_send

    return reminders_due_send(now=timezone.now())
