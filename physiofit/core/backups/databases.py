"""The database side of a backup: consistent snapshots of SQLite and PostgreSQL (with their
manifest facts), the PostgreSQL client helpers, and restores into an empty database."""

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import transaction

from .errors import BackupError

# Rows counted in the backup's snapshot and again after a restore. Labels, not imports: core
# sits below the apps that own these models (DESIGN.md, "Layers run one way").
VERIFIED_MODELS = (
    "booking.Patient",
    "booking.Appointment",
    "intake.Questionnaire",
    "wagtailcore.Page",
    "wagtailimages.Image",
    "wagtaildocs.Document",
)


# -- Database snapshots --------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What one consistent view of the database holds, as written into the manifest."""

    migrations: dict[str, list[str]]
    counts: dict[str, int]


def verified_tables() -> dict[str, str]:
    """VERIFIED_MODELS that are installed, as label → table name."""
    tables = {}
    for label in VERIFIED_MODELS:
        try:
            tables[label] = apps.get_model(label)._meta.db_table
        except LookupError:
            continue
    return tables


def read_snapshot(cursor, *, existing: set[str], quote: Callable[[str], str]) -> Snapshot:
    """Applied migrations and row counts through a DB-API `cursor`; `existing` are the tables
    present. The caller makes the view consistent (a backup copy, or one repeatable read)."""
    if "django_migrations" not in existing:
        raise BackupError("nothing_to_back_up")
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    migrations: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        migrations.setdefault(app, []).append(name)
    counts = {}
    for label, table in verified_tables().items():
        if table in existing:
            # The table name comes from a model's Meta, never from input.
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608
            counts[label] = cursor.fetchone()[0]
    return Snapshot(migrations=migrations, counts=counts)


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def snapshot_sqlite(database: Path, copy: Path) -> Snapshot:
    """Copy the live database at `database` into `copy` with SQLite's online backup API (one
    step, so the copy is one consistent state, whatever the site writes meanwhile), and read
    the manifest's facts from the copy."""
    if not database.is_file():
        raise BackupError("no_database", path=database)
    with (
        closing(sqlite3.connect(database, timeout=20)) as source,
        closing(sqlite3.connect(copy)) as target,
    ):
        source.backup(target)
        cursor = target.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        existing = {row[0] for row in cursor.fetchall()}
        return read_snapshot(cursor, existing=existing, quote=_sqlite_quote)


def find_client(name: str) -> str:
    """The full path of a PostgreSQL client program: on PATH, else Debian's newest versioned
    folder."""
    if found := shutil.which(name):
        return found
    versions = [
        path
        for path in Path("/usr/lib/postgresql").glob(f"*/bin/{name}")
        if path.parts[-3].isdigit()
    ]
    if versions:
        return str(max(versions, key=lambda path: int(path.parts[-3])))
    raise BackupError("client_missing", tool=name)


def client_environment(settings_dict: dict) -> dict[str, str]:
    """Environment for pg_dump / pg_restore: the connection, password included, goes through
    PG* variables, never the command line (which any local user can read)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    options = settings_dict.get("OPTIONS") or {}
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGCONNECT_TIMEOUT": options.get("connect_timeout"),
        "PGAPPNAME": "physiofit-backup",
    }
    environment.update({k: str(v) for k, v in values.items() if v not in (None, "")})
    return environment


def _first_error(stderr: str) -> str:
    """The first error line of a PostgreSQL client. Its DETAIL and CONTEXT lines are left out:
    they can quote a row, and rows are patient data."""
    for line in stderr.splitlines():
        if "error:" in line:
            return line.split("error:", 1)[1].strip()[:300]
    return "no message"


def run_client(args: list[str], settings_dict: dict) -> str | None:
    """Run a PostgreSQL client; None when it succeeded, else its first error line."""
    try:
        result = subprocess.run(  # noqa: S603 a full path from find_client, our own arguments, no shell
            args,
            env=client_environment(settings_dict),
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        return exc.strerror or str(exc)
    return None if result.returncode == 0 else _first_error(result.stderr)


def snapshot_postgresql(connection, dump: Path) -> Snapshot:
    """`pg_dump` into `dump`, reading the manifest's facts in the very snapshot it dumps (one
    repeatable-read transaction exports it, pg_dump imports it), so counts and dump agree."""
    pg_dump = find_client("pg_dump")
    connection.ensure_connection()
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot_id = cursor.fetchone()[0]
        existing = set(connection.introspection.table_names(cursor))
        snapshot = read_snapshot(cursor, existing=existing, quote=connection.ops.quote_name)
        failure = run_client(
            [
                pg_dump,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot_id}",
                f"--file={dump}",
            ],
            connection.settings_dict,
        )
    if failure:
        raise BackupError("dump_failed", detail=failure)
    return snapshot


# -- Restoring into an empty database ------------------------------------------------------------


def ensure_empty(connection) -> None:
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError("not_empty", name=connection.settings_dict["NAME"], count=len(tables))


def restore_sqlite(source: Path, target: Path) -> None:
    """Copy the backup's database file into the (empty) database at `target`, through the
    backup API: one write transaction, so a failure leaves `target` as it was."""
    try:
        with (
            closing(sqlite3.connect(source)) as backup,
            closing(sqlite3.connect(target, timeout=20)) as live,
        ):
            if backup.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("the backup's database file fails its check")
            backup.backup(live)
    except sqlite3.Error as exc:
        raise BackupError("restore_failed", detail=str(exc), name=target) from None


def restore_postgresql(dump: Path, settings_dict: dict) -> None:
    """pg_restore into the configured (empty) database, in one transaction that stops at the
    first error, so a failure leaves it empty."""
    failure = run_client(
        [
            find_client("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={settings_dict['NAME']}",
            str(dump),
        ],
        settings_dict,
    )
    if failure:
        raise BackupError("restore_failed", detail=failure, name=settings_dict["NAME"])
