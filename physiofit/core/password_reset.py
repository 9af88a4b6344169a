"""Wagtail's staff password reset, rate limited per visitor address and per email entered."""

from wagtail.admin.views.account import PasswordResetView as WagtailPasswordResetView

from .ratelimit import over_limit, over_limit_for

# Each request sends an email to whoever owns the address typed in: without a limit the form
# bombs a staff member's inbox, or anyone's, from the clinic's mail server.
ADDRESS_LIMIT = 10
EMAIL_LIMIT = 3
WINDOW_SECONDS = 3600
# The same words whether or not an account has that email: the form must not tell who is staff.
REFUSAL = (
    "Too many password reset requests. Please wait an hour and try again, "
    "or ask an administrator to reset your password."
)


class PasswordResetView(WagtailPasswordResetView):
    def post(self, request, *args, **kwargs):
        # Counted before the form is checked, so malformed requests use up the limit too.
        if over_limit(
            request, scope="password-reset", limit=ADDRESS_LIMIT, window_seconds=WINDOW_SECONDS
        ):
            return self._refuse(self.get_form())
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        if over_limit_for(
            email, scope="password-reset-email", limit=EMAIL_LIMIT, window_seconds=WINDOW_SECONDS
        ):
            return self._refuse(form)
        return super().form_valid(form)

    def _refuse(self, form):
        form.add_error(None, REFUSAL)
        return self.render_to_response(self.get_context_data(form=form), status=429)
