from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .models import ContactMessage


class ReceivedOnlyPolicy(ModelPermissionPolicy):
    """Contact messages arrive from the website; staff read and mark them, never write them."""

    def user_has_permission(self, user, action):
        if action in {"add", "copy"}:
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(ContactMessage, ReceivedOnlyPolicy(ContactMessage))


class ContactMessageViewSet(ModelViewSet):
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
