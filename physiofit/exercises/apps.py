from django.apps import AppConfig


class ExercisesConfig(AppConfig):
    name = "physiofit.exercises"
    label = "exercises"
    verbose_name = "Home exercises"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from physiofit.intake.record_export import RecordSection, register_record_section
        from physiofit.intake.signals import portal_links_released

        from .record import exercise_programs

        portal_links_released.connect(
            _program_emails_release, dispatch_uid="exercises.program_emails_release"
        )
        register_record_section(
            RecordSection("exercise_programs", exercise_programs, "exercises/record_section.html")
        )


def _program_emails_release(sender, patient, **kwargs) -> None:
    from .tasks import program_emails_release

    program_emails_release(patient=patient)
