from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "physiofit.booking"
    label = "booking"
    verbose_name = "Booking"

    def ready(self) -> None:
        from physiofit.core.cache import invalidate_on_change

        from .models import Practitioner, Service

        invalidate_on_change(Service, Practitioner)
