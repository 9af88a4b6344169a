from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "physiofit.intake"
    label = "intake"
    verbose_name = "Screening, intake and outcome measures"

    def ready(self) -> None:
        from physiofit.booking.signals import visit_completed

        visit_completed.connect(_send_visit_measures, dispatch_uid="intake.visit_measures")


def _send_visit_measures(sender, appointment, **kwargs) -> None:
    from physiofit.core.models import clinic_today

    from .schedules import measures_after_visit

    measures_after_visit(appointment=appointment, today=clinic_today())
