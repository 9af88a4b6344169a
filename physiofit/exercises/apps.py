from django.apps import AppConfig


class ExercisesConfig(AppConfig):
    name = "physiofit.exercises"
    label = "exercises"
    verbose_name = "Home exercises"
    default_auto_field = "django.db.models.BigAutoField"
