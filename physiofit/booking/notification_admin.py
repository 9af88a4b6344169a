"""The "Booking messages" admin (emails and texts), with clinical rows kept from staff who may not see clinical data.

A "clinician review needed" email exists only because a patient's screening raised a red flag:
the row itself (its kind, its recipient, when it went out) is clinical information. Front-desk
staff, who may see bookings but not the clinical record, neither list nor open such rows.
"""

from django.db.models import QuerySet
from django.http import Http404
from wagtail.admin.viewsets.model import ModelViewSet

from physiofit.core.audited_views import (
    AuditedDeleteView,
    AuditedEditView,
    AuditedHistoryView,
    AuditedIndexView,
    AuditedInspectView,
    AuditedUsageView,
    AuditedViewSetMixin,
)

from .models import Notification

# Named, not imported: booking sits below intake, which defines this permission.
CLINICAL_PERMISSION = "intake.view_clinical_record"
CLINICAL_KINDS = (Notification.Kind.STAFF_REVIEW,)


def notifications_visible_to(user, notifications: QuerySet) -> QuerySet:
    """`notifications` less the clinical ones, unless `user` may see the clinical record."""
    if user.has_perm(CLINICAL_PERMISSION):
        return notifications
    return notifications.exclude(kind__in=CLINICAL_KINDS)


class _ClinicalRowsHidden:
    """A clinical row is "not found" for a user without the permission: a 403 would confirm
    that the row exists."""

    def get_object(self, *args, **kwargs):
        notification = super().get_object(*args, **kwargs)
        if notification.kind in CLINICAL_KINDS and not self.request.user.has_perm(
            CLINICAL_PERMISSION
        ):
            raise Http404
        return notification


class NotificationIndexView(AuditedIndexView):
    def get_base_queryset(self):
        return notifications_visible_to(self.request.user, super().get_base_queryset())


class NotificationInspectView(_ClinicalRowsHidden, AuditedInspectView):
    pass


class NotificationEditView(_ClinicalRowsHidden, AuditedEditView):
    pass


class NotificationDeleteView(_ClinicalRowsHidden, AuditedDeleteView):
    pass


class NotificationHistoryView(_ClinicalRowsHidden, AuditedHistoryView):
    pass


class NotificationUsageView(_ClinicalRowsHidden, AuditedUsageView):
    pass


class NotificationViewSet(AuditedViewSetMixin, ModelViewSet):
    model = Notification
    icon = "mail"
    menu_label = "Booking messages"
    menu_order = 207
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["kind", "recipient", "appointment", "status", "attempts", "created_at"]
    list_filter = ["status", "kind"]
    form_fields = ["status"]
    # What the front desk needs to follow a message; never the offer link's hash.
    inspect_view_fields = [
        "kind",
        "recipient",
        "appointment",
        "offered_start",
        "status",
        "attempts",
        "error",
        "created_at",
        "sent_at",
    ]

    index_view_class = NotificationIndexView
    inspect_view_class = NotificationInspectView
    edit_view_class = NotificationEditView
    delete_view_class = NotificationDeleteView
    history_view_class = NotificationHistoryView
    usage_view_class = NotificationUsageView
