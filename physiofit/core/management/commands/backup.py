"""`manage.py backup`: one compressed, timestamped archive of the database and media.

Safe while the site runs. Encrypted when BACKUP_ENCRYPTION_KEY is set. See docs/operations.md."""

import os
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from physiofit.core.backups import KEY_VARIABLE, BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write a backup of the database and media to VAR_DIR/backups (or --output-dir); "
        "encrypted when BACKUP_ENCRYPTION_KEY is set."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output-dir",
            type=Path,
            default=None,
            help="Folder for the archive (default: VAR_DIR/backups, created private).",
        )

    def handle(self, *args, output_dir: Path | None, **options):
        key = os.environ.get(KEY_VARIABLE, "").strip() or None
        try:
            path = create_backup(
                connection=connection,
                media_root=Path(settings.MEDIA_ROOT),
                output_dir=output_dir or Path(settings.VAR_DIR) / "backups",
                key=key,
                now=datetime.now(UTC),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = path.stat().st_size
        note = "encrypted" if key else "not encrypted: set BACKUP_ENCRYPTION_KEY to encrypt"
        self.stdout.write(self.style.SUCCESS(f"Backup written: {path} ({_human(size)}, {note})"))


def _human(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"
