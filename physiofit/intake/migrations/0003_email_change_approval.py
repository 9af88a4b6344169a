"""A front-desk email change now waits for a clinician's approval instead of a fixed hold."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def holds_to_approvals(apps, schema_editor):
    PortalEmailChange = apps.get_model("intake", "PortalEmailChange")
    now = timezone.now()
    for change in PortalEmailChange.objects.exclude(links_held_until=None).select_related(
        "patient"
    ):
        change.needs_approval = True
        # A hold that already ran out was, in effect, approved when it ended.
        change.approved_at = change.links_held_until if change.links_held_until <= now else None
        # The address the clinician will approve: the one on the record now.
        change.new_email = change.patient.email
        change.save(update_fields=["needs_approval", "approved_at", "new_email"])


def approvals_to_holds(apps, schema_editor):
    """Going back keeps what waits held: the old code knew only a time, so a far one."""
    PortalEmailChange = apps.get_model("intake", "PortalEmailChange")
    PortalEmailChange.objects.filter(needs_approval=True, approved_at=None).update(
        links_held_until=timezone.now() + timedelta(days=365 * 100)
    )
    PortalEmailChange.objects.filter(needs_approval=True).exclude(approved_at=None).update(
        links_held_until=models.F("approved_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0002_portal_revocation_and_email_changes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="portalemailchange",
            name="new_email",
            field=models.EmailField(blank=True, max_length=254),
        ),
        migrations.AddField(
            model_name="portalemailchange",
            name="needs_approval",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="portalemailchange",
            name="approved_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="portalemailchange",
            name="approved_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(holds_to_approvals, approvals_to_holds),
        migrations.RemoveField(model_name="portalemailchange", name="links_held_until"),
    ]
