"""`manage.py restore FILE`: a backup into an empty database and MEDIA_ROOT, then a comparison
of the backup's row counts with the restored ones. See docs/operations.md."""

import os
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from physiofit.core.backups import KEY_VARIABLE, BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured, empty database "
        "(BACKUP_ENCRYPTION_KEY opens an encrypted one)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The .tar.gz or .tar.gz.enc archive.")

    def handle(self, *args, file: Path, **options):
        key = os.environ.get(KEY_VARIABLE, "").strip() or None
        try:
            restored = restore_backup(
                file,
                key=key,
                connection=connection,
                media_root=Path(settings.MEDIA_ROOT),
                staging_parent=Path(settings.VAR_DIR),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        # The page cache may hold pages of whatever this folder served before.
        cache.clear()
        manifest = restored.manifest
        self.stdout.write(f"Restored the backup made {manifest.get('created_at', '?')}.")
        rows = [
            (label, expected, restored.counts.get(label))
            for label, expected in sorted((manifest.get("counts") or {}).items())
        ]
        rows.append(("media files", manifest.get("media_files"), restored.media_files))
        self.stdout.write(f"  {'':<24} {'in backup':>10} {'restored':>10}")
        for label, expected, actual in rows:
            mark = "" if expected == actual else "  <- differs"
            self.stdout.write(f"  {label:<24} {expected!s:>10} {actual!s:>10}{mark}")
        if any(expected != actual for _, expected, actual in rows):
            raise CommandError("The restored counts differ from the backup's (marked above).")
        if restored.needs_migrate:
            self.stdout.write(
                "The backup predates this code's schema: run `manage.py migrate` next."
            )
        self.stdout.write(self.style.SUCCESS("Restore complete; the counts match."))
