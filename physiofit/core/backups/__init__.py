"""Backups of the database and uploaded media, and their restore (`manage.py backup`, `restore`).

One archive per backup, `physiofit-backup-YYYYMMDD-HHMMSSZ.tar.gz`: a gzip'd tar of the database
(`database.sqlite3` from SQLite's online backup API, or `database.pgdump` from `pg_dump`), the
`media/` tree, and `manifest.json` last, once every count is known. With a key it is encrypted
whole (`.tar.gz.enc`, see crypto.EncryptingWriter). How to run, keep and test them:
docs/operations.md. archive.py writes and restores archives, databases.py snapshots and restores
the database, crypto.py encrypts, errors.py holds the operator's messages.
"""

from .archive import KEY_VARIABLE, check_manifest, code_migrations, create_backup, restore_backup
from .crypto import HEADER, MAC_SIZE, TAG_SIZE, EncryptingWriter, decrypt_stream
from .errors import BackupError

__all__ = [
    "HEADER",
    "KEY_VARIABLE",
    "MAC_SIZE",
    "TAG_SIZE",
    "BackupError",
    "EncryptingWriter",
    "check_manifest",
    "code_migrations",
    "create_backup",
    "decrypt_stream",
    "restore_backup",
]
