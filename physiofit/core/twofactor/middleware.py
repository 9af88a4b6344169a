from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django_otp import DEVICE_ID_SESSION_KEY

from physiofit.core import staff_session

from . import services

# Admin routes a signed-in but unverified session may still use: signing out, the
# second-factor pages themselves, and the scripts and icons those pages load.
OPEN_ROUTES = {
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "wagtailadmin_javascript_catalog",
    "wagtailadmin_sprite",
    "twofactor:enrol",
    "twofactor:verify",
}


def is_open(path: str) -> bool:
    try:
        return resolve(path).view_name in OPEN_ROUTES
    except Resolver404:
        return False


def claimed_factor_middleware(get_response):
    """Before django-otp's middleware: note whether the session claims a verified factor.
    django-otp quietly drops a claim whose device is gone, and a reset must end that session
    rather than let it enrol a new factor (see TwoFactorMiddleware)."""

    def middleware(request):
        request.claimed_second_factor = bool(request.session.get(DEVICE_ID_SESSION_KEY))
        return get_response(request)

    return middleware


class TwoFactorMiddleware:
    """Every admin request of a staff session needs a verified second factor. An unverified
    session is sent to enrolment (no authenticator app yet) or to the code page; a script
    asking for data gets a 403 with a sentence instead of a page of HTML."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if (
            staff_session.protects(path)
            and staff_session.is_staff(request.user)
            and not request.user.is_verified()
            and getattr(request, "claimed_second_factor", False)
        ):
            # The factor this session was verified with is gone: an administrator reset it,
            # perhaps after a lost phone. Whoever holds this session must not enrol a phone
            # of their own without the password, so it ends here.
            logout(request)
            return redirect_to_login(
                request.get_full_path(), login_url=reverse("wagtailadmin_login")
            )
        if (
            staff_session.protects(path)
            and staff_session.is_staff(request.user)
            and not request.user.is_verified()
            and not is_open(path)
        ):
            return self._ask_for_second_factor(request)
        return self.get_response(request)

    def _ask_for_second_factor(self, request):
        wants_data = request.headers.get("x-requested-with") == "XMLHttpRequest" or (
            "application/json" in request.headers.get("accept", "")
            and "text/html" not in request.headers.get("accept", "")
        )
        if wants_data:
            return JsonResponse(
                {"error": "Confirm your sign-in with your authenticator app first."},
                status=403,
            )
        step = "verify" if services.is_enrolled(request.user) else "enrol"
        response = redirect_to_login(
            request.get_full_path(), login_url=reverse(f"twofactor:{step}")
        )
        if request.headers.get("HX-Request"):
            # htmx would swap the code page into a fragment of the page: make it navigate.
            response = HttpResponse(status=204, headers={"HX-Redirect": response.url})
        return response
