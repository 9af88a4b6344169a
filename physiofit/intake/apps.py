from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "physiofit.intake"
    label = "intake"
    verbose_name = "Screening, intake and outcome measures"
