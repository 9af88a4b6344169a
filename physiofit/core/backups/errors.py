"""The backup domain's one exception, BackupError, and its operator messages (MESSAGES)."""

MESSAGES = {
    "unsupported_engine": "Backups cover SQLite and PostgreSQL; this database is {engine}.",
    "no_database": "There is no database at {path}: run `manage.py migrate` first.",
    "nothing_to_back_up": "The database has no tables yet: run `manage.py migrate` first.",
    "output_in_media": (
        "The backup folder {path} is inside MEDIA_ROOT, which the site serves to anyone: "
        "choose a folder outside it."
    ),
    "exists": "{path} already exists: run the backup again in a second.",
    "client_missing": (
        "{tool} was not found: install the PostgreSQL client programs (the same major version "
        "as the server, or newer)."
    ),
    "dump_failed": "pg_dump failed, so no backup was written. It said: {detail}",
    "not_found": "{path} does not exist.",
    "not_a_backup": "{path} is not a PhysioFit backup ({detail}); nothing was restored.",
    "key_missing": (
        "This backup is encrypted: set BACKUP_ENCRYPTION_KEY to the key it was made with."
    ),
    "wrong_key": (
        "BACKUP_ENCRYPTION_KEY does not open this backup: it is not the key the backup was "
        "made with (or the file's header is damaged). Nothing was restored."
    ),
    "damaged": (
        "This backup is damaged, cut short, or was changed after it was made (part {part} "
        "fails its check). Nothing was restored: use another copy."
    ),
    "unsafe_member": (
        "The backup holds an entry that is not a plain file inside its folder ({name}); "
        "nothing was restored."
    ),
    "newer_format": (
        "This backup has format {found}; this version of PhysioFit reads format {supported} "
        "at most. Restore it with the PhysioFit version that made it."
    ),
    "engine_mismatch": (
        "This is a {backup} backup, and the configured database is {target}: restore it into a "
        "{backup} database (see DATABASE_URL). Nothing was restored."
    ),
    "newer_schema": (
        "This backup comes from a newer PhysioFit: its database has migrations this code does "
        "not know ({names}). Upgrade the code, then restore. Nothing was restored."
    ),
    "not_empty": (
        "The database {name} is not empty ({count} tables): a restore only goes into an "
        "empty database. For SQLite, set PHYSIOFIT_VAR_DIR to a new folder; for PostgreSQL, make one "
        "with `createdb NEW_NAME` and point DATABASE_URL at it. Nothing was restored."
    ),
    "restore_failed": (
        "The database restore failed: {detail}. It ran as one transaction, so {name} is still "
        "empty, and no media file was written."
    ),
    "media_failed": (
        "The database was restored, but placing the media files in {path} failed ({detail}). "
        "Free the space or fix the permissions, then copy media/ from the backup by hand."
    ),
}


class BackupError(Exception):
    """A backup or restore that cannot go on; its message is meant for the operator."""

    def __init__(self, code: str, **params):
        self.code = code
        super().__init__(MESSAGES[code].format(**params))
