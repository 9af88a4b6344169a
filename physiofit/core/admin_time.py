"""The admin shows clinic time unless a staff member chose a zone of their own.

Wagtail renders each admin view in the signed-in user's chosen zone, falling back to
settings.TIME_ZONE, which is UTC here (storage and logs stay UTC). A front desk in Bend reading
"5:30 PM" for a 9:30 AM visit would be misled, so the fallback becomes the zone that is current
for the request: the clinic's (ClinicTimeZoneMiddleware sets it). Wagtail only asks a user's
profile, so every staff member gets one (empty: no choice made) when they sign in."""

from django.utils import timezone


def _chosen_or_current(profile) -> str:
    return profile.current_time_zone or timezone.get_current_timezone_name()


def ensure_profile(sender, request, user, **kwargs) -> None:
    from wagtail.users.models import UserProfile

    UserProfile.get_for_user(user)


def install() -> None:
    from django.contrib.auth.signals import user_logged_in
    from wagtail.users.models import UserProfile

    UserProfile.get_current_time_zone = _chosen_or_current
    user_logged_in.connect(ensure_profile, dispatch_uid="physiofit-admin-profile")
