from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "physiofit.care"
    label = "care"
    verbose_name = "Clinical record"
    default_auto_field = "django.db.models.BigAutoField"
