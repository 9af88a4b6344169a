from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "physiofit.core"
    label = "core"
    verbose_name = "Clinic"

    def ready(self) -> None:
        from . import cache
        from .models import ClinicSettings, OpeningHours

        cache.connect_invalidation_signals()
        cache.invalidate_on_change(ClinicSettings, OpeningHours)
