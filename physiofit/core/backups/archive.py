"""Backup archives: their naming and members, writing one (create_backup), and restoring one
(unpack, manifest checks, media, restore_backup)."""

import gzip
import io
import json
import os
import secrets
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.db.migrations.loader import MigrationLoader

from .crypto import EncryptingWriter, decrypt_stream, is_encrypted
from .databases import (
    ensure_empty,
    read_snapshot,
    restore_postgresql,
    restore_sqlite,
    snapshot_postgresql,
    snapshot_sqlite,
)
from .errors import BackupError

FORMAT_VERSION = 1
KEY_VARIABLE = "BACKUP_ENCRYPTION_KEY"
MANIFEST = "manifest.json"
MEDIA = "media"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


# -- Writing a backup ----------------------------------------------------------------------------


def archive_name(now: datetime, *, encrypted: bool) -> str:
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%SZ")
    return f"physiofit-backup-{stamp}.tar.gz" + (".enc" if encrypted else "")


def _without_owner(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def add_media(tar: tarfile.TarFile, media_root: Path) -> int:
    """Add the regular files under `media_root` as media/...; returns how many. Links and
    special files are left out; a file deleted while the backup runs is skipped."""
    added = 0
    if not media_root.is_dir():
        return added
    for folder, subfolders, files in os.walk(media_root):
        subfolders.sort()
        relative = Path(folder).relative_to(media_root)
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            arcname = f"{MEDIA}/{(relative / name).as_posix()}"
            try:
                tar.add(path, arcname=arcname, recursive=False, filter=_without_owner)
            except FileNotFoundError:
                continue
            added += 1
    return added


def _write_archive(sink, *, engine: str, database: Path, media_root: Path, manifest: dict):
    with (
        gzip.GzipFile(fileobj=sink, mode="wb", compresslevel=6) as compressed,
        tarfile.open(fileobj=compressed, mode="w|", format=tarfile.PAX_FORMAT) as tar,
    ):
        tar.add(database, arcname=DATABASE_MEMBERS[engine], filter=_without_owner)
        manifest["media_files"] = add_media(tar, media_root)
        body = json.dumps(manifest, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode, info.mtime = len(body), 0o600, int(datetime.now(UTC).timestamp())
        tar.addfile(info, io.BytesIO(body))


def _publish(draft: Path, final: Path) -> None:
    """Give the finished draft its final name, never replacing an existing backup."""
    try:
        os.link(draft, final)
    except FileExistsError:
        raise BackupError("exists", path=final) from None
    except OSError:
        # Some file systems (network shares) have no hard links.
        if final.exists():
            raise BackupError("exists", path=final) from None
        os.rename(draft, final)
        return
    draft.unlink()


def create_backup(
    *, connection, media_root: Path, output_dir: Path, key: str | None, now: datetime
) -> Path:
    """Write one backup archive of `connection`'s database and `media_root` into `output_dir`
    (made 0700; the archive 0600) and return its path. It appears under its final name only
    when complete. Encrypted when `key` is given. Deletes no older backup."""
    engine = connection.vendor
    if engine not in DATABASE_MEMBERS:
        raise BackupError("unsupported_engine", engine=connection.display_name)
    output_dir = output_dir.resolve()
    if output_dir.is_relative_to(media_root.resolve()):
        raise BackupError("output_in_media", path=output_dir)
    output_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = output_dir / archive_name(now, encrypted=bool(key))
    if final.exists():
        raise BackupError("exists", path=final)
    staging = Path(tempfile.mkdtemp(prefix=".backup-", dir=output_dir))
    draft = output_dir / f".{final.name}.{secrets.token_hex(4)}.partial"
    try:
        database = staging / DATABASE_MEMBERS[engine]
        if engine == "sqlite":
            snapshot = snapshot_sqlite(Path(connection.settings_dict["NAME"]), database)
        else:
            snapshot = snapshot_postgresql(connection, database)
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "engine": engine,
            "database": DATABASE_MEMBERS[engine],
            "migrations": snapshot.migrations,
            "counts": snapshot.counts,
        }
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            sink = EncryptingWriter(handle, key) if key else handle
            _write_archive(
                sink, engine=engine, database=database, media_root=media_root, manifest=manifest
            )
            if key:
                sink.close()  # seals the last chunk; the file stays open
            handle.flush()
            os.fsync(handle.fileno())
        _publish(draft, final)
    finally:
        draft.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
    return final


# -- Restoring -----------------------------------------------------------------------------------


def _allowed_member(info: tarfile.TarInfo) -> bool:
    name = info.name
    if name in (MANIFEST, *DATABASE_MEMBERS.values()):
        return info.isfile()
    if name == MEDIA or name.startswith(f"{MEDIA}/"):
        return info.isfile() or info.isdir()
    return False


def unpack(archive: Path, folder: Path, *, shown_as: str) -> dict:
    """Extract a (decrypted) archive into `folder` and return its manifest. Every entry must be
    a plain file or folder under a known name; tarfile's "data" filter refuses paths that
    leave `folder`. Refuses the whole archive otherwise, before anything is restored."""
    try:
        # Read to the end first: tarfile stops at the end-of-archive marker, before the
        # gzip trailer whose checksum would reveal a damaged unencrypted file.
        with gzip.open(archive, "rb") as whole:
            while whole.read(1 << 20):
                pass
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()
            for member in members:
                if not _allowed_member(member):
                    raise BackupError("unsafe_member", name=member.name)
            tar.extractall(folder, members=members, filter="data")
    except tarfile.FilterError as exc:
        raise BackupError("unsafe_member", name=exc.tarinfo.name) from None
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile):
        detail = "damaged, or not a .tar.gz archive"
        raise BackupError("not_a_backup", path=shown_as, detail=detail) from None
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BackupError("not_a_backup", path=shown_as, detail="no manifest") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("format"), int):
        raise BackupError("not_a_backup", path=shown_as, detail="no manifest")
    return manifest


def code_migrations() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """Every migration this code knows (squashed ones' predecessors included), and the leaf
    of each app (what `migrate` would bring a database to)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)
    return known, set(loader.graph.leaf_nodes())


def check_manifest(
    manifest: dict, *, engine: str, known: set[tuple[str, str]], leaves: set[tuple[str, str]]
) -> bool:
    """Refuse a backup this code cannot restore into an `engine` database: a newer format, the
    other engine, or migrations of an installed app that the code does not have. Returns
    whether the restored schema will still need `manage.py migrate`."""
    if manifest["format"] > FORMAT_VERSION:
        raise BackupError("newer_format", found=manifest["format"], supported=FORMAT_VERSION)
    backup_engine = manifest.get("engine")
    if backup_engine != engine:
        raise BackupError(
            "engine_mismatch",
            backup=ENGINE_NAMES.get(backup_engine, str(backup_engine)),
            target=ENGINE_NAMES.get(engine, engine),
        )
    applied = {
        (app, name) for app, names in (manifest.get("migrations") or {}).items() for name in names
    }
    # Apps the code no longer has may leave rows behind; only an installed app's unknown
    # migration means the schema is newer than the code.
    code_apps = {app for app, _ in known}
    unknown = sorted(f"{a}.{n}" for a, n in applied if a in code_apps and (a, n) not in known)
    if unknown:
        names = ", ".join(unknown[:3]) + (
            f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
        )
        raise BackupError("newer_schema", names=names)
    return not leaves <= applied


def place_media(source: Path, media_root: Path) -> int:
    """Move the extracted media files into `media_root` (replacing files of the same name);
    returns how many."""
    placed = 0
    if not source.is_dir():
        return placed
    media_root.mkdir(parents=True, exist_ok=True)
    try:
        for path in sorted(source.rglob("*")):
            if path.is_file() and not path.is_symlink():
                destination = media_root / path.relative_to(source)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(path, destination)
                placed += 1
    except OSError as exc:
        raise BackupError("media_failed", path=media_root, detail=exc.strerror) from None
    return placed


@dataclass(frozen=True)
class Restored:
    manifest: dict
    counts: dict[str, int]
    media_files: int
    needs_migrate: bool


def restore_backup(
    archive: Path, *, key: str | None, connection, media_root: Path, staging_parent: Path
) -> Restored:
    """Restore `archive` into `connection`'s database, which must be empty, and its media into
    `media_root`. Everything is decrypted, unpacked and checked in a private folder under
    `staging_parent` first; the database is written in one transaction, media only after it."""
    if not archive.is_file():
        raise BackupError("not_found", path=archive)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=staging_parent))
    try:
        plain = archive
        if is_encrypted(archive):
            if not key:
                raise BackupError("key_missing")
            plain = staging / "archive.tar.gz"
            with archive.open("rb") as source, plain.open("wb") as sink:
                decrypt_stream(source, sink, key)
        unpacked = staging / "unpacked"
        manifest = unpack(plain, unpacked, shown_as=archive.name)
        known, leaves = code_migrations()
        needs_migrate = check_manifest(
            manifest, engine=connection.vendor, known=known, leaves=leaves
        )
        database = unpacked / DATABASE_MEMBERS[connection.vendor]
        if not database.is_file():
            raise BackupError("not_a_backup", path=archive.name, detail="no database")
        ensure_empty(connection)
        if connection.vendor == "sqlite":
            connection.close()
            restore_sqlite(database, Path(connection.settings_dict["NAME"]))
        else:
            restore_postgresql(database, connection.settings_dict)
        media_files = place_media(unpacked / MEDIA, media_root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        counts = read_snapshot(cursor, existing=existing, quote=connection.ops.quote_name).counts
    return Restored(
        manifest=manifest, counts=counts, media_files=media_files, needs_migrate=needs_migrate
    )
