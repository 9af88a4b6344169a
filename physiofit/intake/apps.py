from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "physiofit.intake"
    label = "intake"
    verbose_name = "Screening, intake and outcome measures"

    def ready(self) -> None:
        from physiofit.booking.identity import register_patient_resolver
        from physiofit.booking.signals import patient_email_changed, visit_completed

        from .signals import portal_links_released

        visit_completed.connect(_send_visit_measures, dispatch_uid="intake.visit_measures")
        patient_email_changed.connect(
            _portal_email_changed, dispatch_uid="intake.portal_email_changed"
        )
        portal_links_released.connect(
            _questionnaires_release, dispatch_uid="intake.questionnaires_release"
        )
        # The portal session is how booking knows a patient is in care (follow-up visits).
        register_patient_resolver(_portal_patient, sign_in_url_name="intake:portal")


def _send_visit_measures(sender, appointment, **kwargs) -> None:
    from physiofit.core.models import clinic_today

    from .schedules import measures_after_visit

    measures_after_visit(appointment=appointment, today=clinic_today())


def _portal_email_changed(sender, patient, old_email, new_email, user, **kwargs) -> None:
    from .portal import portal_email_changed

    portal_email_changed(patient=patient, old_email=old_email, new_email=new_email, user=user)


def _questionnaires_release(sender, patient, **kwargs) -> None:
    from .tasks import questionnaires_release

    questionnaires_release(patient=patient)


def _portal_patient(request):
    from .views import portal_patient

    return portal_patient(request)
