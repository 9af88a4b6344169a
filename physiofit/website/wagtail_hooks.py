from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from physiofit.core.audited_views import AuditedViewSetMixin
from physiofit.core.permissions import DeniedActionsPolicy

from .models import ContactMessage

# Contact messages arrive from the website; staff read and mark them, never write them.
register_permission_policy(
    ContactMessage, DeniedActionsPolicy(ContactMessage, denied={"add", "copy"})
)


class ContactMessageViewSet(AuditedViewSetMixin, ModelViewSet):
    """Messages are personal data (and people write symptoms in them despite the form's
    warning): every list, search, read, change and delete is audited like a patient record."""

    model = ContactMessage
    icon = "mail"
    menu_label = "Contact messages"
    menu_order = 300
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["name", "email", "created_at", "email_status", "handled"]
    list_filter = ["handled", "email_status"]
    search_fields = ["name", "email", "message"]
    form_fields = ["handled"]
    inspect_view_fields = [
        "name",
        "email",
        "phone",
        "message",
        "created_at",
        "recipient",
        "email_status",
        "email_attempts",
        "email_error",
        "handled",
    ]


@hooks.register("register_admin_viewset")
def register_contact_messages():
    return ContactMessageViewSet("contact_messages")
