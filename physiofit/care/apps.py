from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "physiofit.care"
    label = "care"
    verbose_name = "Clinical record"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from physiofit.intake.retention import register_record_remover

        from .services import record_remove

        register_record_remover(record_remove)
