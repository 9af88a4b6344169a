"""Second-factor pages of the admin. Registered through Wagtail's `register_admin_urls`, so
Wagtail's own check (signed in, may reach the admin) runs before each of them."""

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from physiofit.core.models import AuditEvent, audit
from physiofit.core.ratelimit import over_limit

from . import services
from .forms import CodeForm

NEW_CODES_SESSION_KEY = "twofactor_new_codes"
RATE_WINDOW_SECONDS = 15 * 60


def _next_url(request) -> str:
    """Where to go once verified: the page first asked for, if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only: anything else (a bare word, another host) is not followed.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("wagtailadmin_home")


def _with_next(route: str, request) -> str:
    return f"{reverse(route)}?{urlencode({'next': _next_url(request)})}"


def _too_many_attempts(request) -> bool:
    return over_limit(
        request,
        scope=f"twofactor:{request.user.pk}",
        limit=settings.TWO_FACTOR_RATE_LIMIT,
        window_seconds=RATE_WINDOW_SECONDS,
    )


def _record_failure(request, error: services.TwoFactorError, step: str) -> None:
    audit(
        user=request.user,
        action=AuditEvent.Action.SIGN_IN_FAILED,
        obj=request.user,
        summary=f"second factor refused at {step}: {error.code}",
    )


def _qr_svg(device) -> str:
    # Drawn here as inline SVG: the secret never leaves the server for a QR-code service.
    # Light modules are painted white so the code scans in the admin's dark theme too.
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5,
        border=4,
        omitsize=True,  # a viewBox instead of a fixed size: the page sets the size
        dark="#000",
        light="#fff",
        title="QR code for your authenticator app",
        svgclass="twofactor-qr",
    )


def _try_code(request, form, step: str, attempt):
    """Check a posted code with `attempt(code)` under the attempt limit. Returns the attempt's
    result and 200, or None and the status to answer with, the form carrying the reason."""
    if _too_many_attempts(request):
        form.add_error(None, "Too many attempts. Wait 15 minutes, then try again.")
        return None, 429
    if not form.is_valid():
        return None, 400
    try:
        return attempt(form.cleaned_data["code"]), 200
    except services.TwoFactorError as error:
        _record_failure(request, error, step)
        form.add_error(None, str(error))
        return None, 429 if error.code == "throttled" else 400


@require_http_methods(["GET", "POST"])
def enrol(request):
    if services.is_enrolled(request.user):
        return redirect(_with_next("twofactor:verify", request))
    device = services.pending_app_device(request.user)
    form = CodeForm(
        request.POST or None,
        numeric=True,
        help_text="The 6-digit code your app shows for PhysioFit now.",
    )
    status = 200
    if request.method == "POST":
        codes, status = _try_code(
            request,
            form,
            "enrolment",
            lambda code: services.factor_enrol_confirm(user=request.user, code=code),
        )
        if codes is not None:
            request.session.cycle_key()
            otp_login(request, services.app_device(request.user))
            request.session[NEW_CODES_SESSION_KEY] = codes
            return redirect(_with_next("twofactor:new_recovery_codes", request))
    context = {
        "form": form,
        "qr_svg": _qr_svg(device),
        "secret": services.secret_for_display(device),
        "next": _next_url(request),
    }
    return render(request, "core/twofactor/enrol.html", context, status=status)


@require_http_methods(["GET", "POST"])
def verify(request):
    if not services.is_enrolled(request.user):
        return redirect(_with_next("twofactor:enrol", request))
    if request.user.is_verified():
        return HttpResponseRedirect(_next_url(request))
    form = CodeForm(
        request.POST or None,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
    )
    status = 200
    if request.method == "POST":
        verified, status = _try_code(
            request,
            form,
            "sign-in",
            lambda code: services.factor_verify(user=request.user, code=code),
        )
        if verified is not None:
            # A new session key once verified: a key seen before this point is worthless.
            request.session.cycle_key()
            otp_login(request, verified.device)
            audit(
                user=request.user,
                action=AuditEvent.Action.SIGN_IN,
                obj=request.user,
                summary=f"second factor accepted: {verified.method}",
            )
            if verified.method == "recovery code":
                left = len(services.recovery_codes(request.user))
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. "
                    "Make new ones under Account → Recovery codes.",
                )
            return HttpResponseRedirect(_next_url(request))
    context = {"form": form, "next": _next_url(request)}
    return render(request, "core/twofactor/verify.html", context, status=status)


def new_recovery_codes(request):
    """The codes just issued, shown once: they are taken out of the session here."""
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    if not codes:
        return redirect("twofactor:recovery_codes")
    return render(
        request,
        "core/twofactor/new_recovery_codes.html",
        {"codes": codes, "next": _next_url(request)},
    )


@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    if request.method == "POST":
        request.session[NEW_CODES_SESSION_KEY] = services.recovery_codes_regenerate(
            user=request.user
        )
        return redirect("twofactor:new_recovery_codes")
    return render(
        request,
        "core/twofactor/recovery_codes.html",
        {"codes": services.recovery_codes(request.user)},
    )


@require_http_methods(["GET", "POST"])
def reset(request, user_id: int):
    target = get_object_or_404(get_user_model(), pk=user_id)
    if not services.can_reset(request.user, target):
        raise PermissionDenied
    if request.method == "POST":
        services.factors_reset(actor=request.user, target=target)
        messages.success(
            request,
            f"Two-step sign-in reset for {target.get_username()}. "
            "They set up an authenticator app again at their next sign-in.",
        )
        return redirect("wagtailusers_users:index")
    return render(
        request,
        "core/twofactor/reset_confirm.html",
        {"target": target, "enrolled": services.is_enrolled(target)},
    )
