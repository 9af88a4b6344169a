from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "physiofit.core"
    label = "core"
    verbose_name = "Clinic"

    def ready(self) -> None:
        from django_tasks.signals import task_finished

        from . import cache, signals
        from .access_audit import watch_wagtail_refusals
        from .models import ClinicClosure, ClinicSettings, OpeningHours
        from .observability import install_path_withholding, log_task_finished

        cache.connect_invalidation_signals()
        cache.invalidate_on_change(ClinicSettings, OpeningHours, ClinicClosure)
        task_finished.connect(log_task_finished, dispatch_uid="physiofit-task-log")
        install_path_withholding()
        signals.connect()
        watch_wagtail_refusals()
