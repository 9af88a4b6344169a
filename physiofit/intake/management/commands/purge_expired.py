"""`manage.py purge_expired [--dry-run]`: remove patient records past the clinic's retention
period (Settings → Clinic). Safe to run from cron daily: each record is checked again under a
lock before it is removed. Output names records by chart reference only, never by name."""

from django.core.management.base import BaseCommand
from django.utils import timezone
from wagtail.models import Site

from physiofit.core.models import ClinicSettings
from physiofit.intake.retention import RetentionError, expired_records, record_purge


class Command(BaseCommand):
    help = "Remove patient records whose retention period has ended (audited PURGE)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only list what would be removed (counts and chart references); change nothing.",
        )

    def handle(self, *args, dry_run: bool, **options):
        site = Site.objects.filter(is_default_site=True).first()
        clinic = ClinicSettings.for_site(site) if site else ClinicSettings()
        now = timezone.now()
        expired = expired_records(clinic=clinic, now=now)
        years = clinic.record_retention_years
        if dry_run:
            self.stdout.write(
                f"Dry run: {len(expired)} record(s) past the {years}-year retention period; "
                "nothing was changed."
            )
            for record in expired:
                self.stdout.write(
                    f"  {record.reference} (kept until {record.retention.keep_until.isoformat()})"
                )
            return
        purged = 0
        for record in expired:
            try:
                counts = record_purge(patient_id=record.patient_id, clinic=clinic, now=now)
            except RetentionError as error:
                # One record held by rows that must stay does not stop the rest.
                self.stderr.write(f"  kept {record.reference}: {error.message}")
                continue
            if counts:
                purged += 1
                self.stdout.write(f"  purged {record.reference}")
        self.stdout.write(
            f"{purged} record(s) past the {years}-year retention period purged"
            + (f", {len(expired) - purged} kept." if len(expired) > purged else ".")
        )
