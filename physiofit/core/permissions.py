from wagtail.admin.menu import MenuItem
from wagtail.permission_policies import ModelPermissionPolicy


class DeniedActionsPolicy(ModelPermissionPolicy):
    """Model permissions, except for actions nobody may take on these rows (for example, adding
    contact messages by hand, or changing the append-only audit log)."""

    def __init__(self, model, *, denied: set[str], **kwargs):
        super().__init__(model, **kwargs)
        self.denied = denied

    def user_has_permission(self, user, action):
        if action in self.denied:
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class PermissionMenuItem(MenuItem):
    """An admin menu item shown only to users holding `permission` (the view checks it too)."""

    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)
