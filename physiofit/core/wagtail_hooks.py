from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.widgets.button import Button
from wagtail.permissions import register_permission_policy

from .audit_admin import AuditEventViewSet
from .audited_views import protected_dependants, refusal_message
from .models import AuditEvent
from .permissions import DeniedActionsPolicy
from .twofactor import services as twofactor
from .twofactor import urls as twofactor_urls

# The audit log is append-only for everyone, superusers included: no admin path adds, edits,
# copies or deletes a row (the model and its queryset refuse too).
register_permission_policy(
    AuditEvent, DeniedActionsPolicy(AuditEvent, denied={"add", "change", "delete", "copy"})
)


@hooks.register("register_admin_viewset")
def register_audit_log():
    return AuditEventViewSet("audit_log")


@hooks.register("before_delete_snippet")
def refuse_protected_snippet_delete(request, instances):
    """A snippet (practitioner, service) that appointments point to is not deleted: Wagtail's
    delete and bulk delete would otherwise end in a ProtectedError, a 500."""
    refusals = [
        refusal_message(instance, dependants)
        for instance in instances
        if (dependants := protected_dependants([instance]))
    ]
    if not refusals:
        return None
    for message in refusals:
        messages.error(request, message)
    viewset = instances[0].snippet_viewset
    return redirect(
        get_valid_next_url_from_request(request) or reverse(viewset.get_url_name("list"))
    )


@hooks.register("register_admin_urls")
def register_twofactor_urls():
    return [path("two-factor/", include(twofactor_urls, namespace="twofactor"))]


@hooks.register("register_account_menu_item")
def recovery_codes_menu_item(request):
    return {
        "url": reverse("twofactor:recovery_codes"),
        "label": "Recovery codes",
        "help_text": "See your unused recovery codes for two-step sign-in, or make new ones.",
    }


@hooks.register("register_user_listing_buttons")
def reset_second_factor_button(user, request_user):
    if not twofactor.can_reset(request_user, user):
        return []
    return [
        Button(
            "Reset two-step sign-in",
            url=reverse("twofactor:reset", args=[user.pk]),
            icon_name="key",
            priority=50,
        )
    ]


@hooks.register("insert_global_admin_css")
def admin_css():
    """Our fixes to the admin's look (contrast), from a static file: no inline styles."""
    return format_html('<link rel="stylesheet" href="{}">', static("css/admin.css"))
