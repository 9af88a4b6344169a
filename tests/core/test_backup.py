import io
import json
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from physiofit.core.backups import (
    HEADER,
    MAC_SIZE,
    TAG_SIZE,
    BackupError,
    EncryptingWriter,
    check_manifest,
    code_migrations,
    create_backup,
    decrypt_stream,
    restore_backup,
)
from tests.commands import ROOT, manage_env, run_manage

KEY = "correct-horse-battery-staple-for-tests"
# Cheap scrypt and 1 KiB chunks: several chunks from a few kilobytes, in milliseconds.
FAST = {"log2_n": 10, "chunk_log2": 10}
CHUNK = 1024 + TAG_SIZE
HEADER_AND_MAC = HEADER.size + MAC_SIZE
OTHER_ENGINE = {"sqlite": "postgresql", "postgresql": "sqlite"}
POSTGRES_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith("postgres")


def encrypt(data: bytes, key: str = KEY) -> bytes:
    sink = io.BytesIO()
    writer = EncryptingWriter(sink, key, **FAST)
    writer.write(data)
    writer.close()
    return sink.getvalue()


def decrypt(blob: bytes, key: str = KEY) -> bytes:
    sink = io.BytesIO()
    decrypt_stream(io.BytesIO(blob), sink, key)
    return sink.getvalue()


@pytest.mark.parametrize("size", [0, 1, 1024, 1025, 5000])
def test_encryption_round_trips_across_chunk_boundaries(size):
    data = os.urandom(size)
    blob = encrypt(data)
    # A byte or two can occur in any ciphertext by chance; a whole chunk of plaintext cannot.
    assert size < 16 or data not in blob
    assert decrypt(blob) == data


def test_wrong_key_is_refused_clearly():
    blob = encrypt(b"patient rows")
    with pytest.raises(BackupError, match="does not open this backup") as caught:
        decrypt(blob, key="not-the-key")
    assert caught.value.code == "wrong_key"


def _chunks(blob: bytes) -> list[bytes]:
    body = blob[HEADER_AND_MAC:]
    return [body[i : i + CHUNK] for i in range(0, len(body), CHUNK)]


def _tampered(blob: bytes) -> bytes:
    changed = bytearray(blob)
    changed[HEADER_AND_MAC + CHUNK + 5] ^= 0x01
    return bytes(changed)


def _reordered(blob: bytes) -> bytes:
    first, second, *rest = _chunks(blob)
    return blob[:HEADER_AND_MAC] + second + first + b"".join(rest)


def _cut_at_chunk(blob: bytes) -> bytes:
    return blob[: HEADER_AND_MAC + 2 * CHUNK]


def _cut_mid_chunk(blob: bytes) -> bytes:
    return blob[:-100]


@pytest.mark.parametrize("damage", [_tampered, _reordered, _cut_at_chunk, _cut_mid_chunk])
def test_tampered_or_truncated_encrypted_file_is_refused_clearly(damage):
    blob = encrypt(os.urandom(4000))  # four chunks: three full ones and a short last one
    with pytest.raises(BackupError, match="damaged, cut short, or was changed") as caught:
        decrypt(damage(blob))
    assert caught.value.code == "damaged"


def make_archive(path: Path, *, manifest: dict | None, entries=(), key: str | None = None):
    """A hand-made archive: `entries` are TarInfo-and-bytes pairs, the manifest goes last."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for info, body in entries:
            tar.addfile(info, io.BytesIO(body) if body is not None else None)
        if manifest is not None:
            body = json.dumps(manifest).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    path.write_bytes(encrypt(raw.getvalue(), key) if key else raw.getvalue())
    return path


def file_entry(name: str, body: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(body)
    return info, body


def manifest_for(engine: str, migrations: dict | None = None) -> dict:
    return {
        "format": 1,
        "created_at": "2025-01-01T00:00:00Z",
        "engine": engine,
        "migrations": migrations or {},
        "counts": {},
        "media_files": 1,
    }


@pytest.mark.parametrize(
    ("key", "message"), [(None, "is encrypted: set"), ("wrong", "not the key")]
)
def test_restore_command_names_a_missing_or_wrong_key(
    tmp_path, settings, monkeypatch, key, message
):
    settings.VAR_DIR, settings.MEDIA_ROOT = tmp_path, tmp_path / "media"
    archive = make_archive(tmp_path / "b.tar.gz.enc", manifest=manifest_for("sqlite"), key=KEY)
    monkeypatch.delenv("BACKUP_ENCRYPTION_KEY", raising=False)
    if key:
        monkeypatch.setenv("BACKUP_ENCRYPTION_KEY", key)
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(archive))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.tar.gz.enc"]


def _symlink(name: str, target: str) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    return info, None


@pytest.mark.parametrize(
    "crafted",
    [
        lambda tmp: file_entry("media/../../../escape.txt", b"out"),
        lambda tmp: file_entry("../escape.txt", b"out"),
        lambda tmp: file_entry(f"{tmp}/escape.txt", b"out"),
        lambda tmp: _symlink("media/escape.txt", "../../../escape.txt"),
        lambda tmp: _symlink("media/escape.txt", f"{tmp}/escape.txt"),
    ],
    ids=["dot-dot-under-media", "dot-dot", "absolute", "link", "absolute-link"],
)
def test_member_paths_cannot_escape_media_root(tmp_path, crafted):
    entry = crafted(tmp_path)
    media_root = tmp_path / "deep" / "var" / "media"
    staging = tmp_path / "deep" / "var"
    staging.mkdir(parents=True)
    archive = make_archive(
        tmp_path / "crafted.tar.gz",
        manifest=manifest_for(connection.vendor),
        entries=[file_entry("media/fine.txt", b"fine"), entry],
    )
    with pytest.raises(BackupError, match="not a plain file inside its folder") as caught:
        restore_backup(
            archive, key=None, connection=connection, media_root=media_root, staging_parent=staging
        )
    assert caught.value.code == "unsafe_member"
    assert not list(tmp_path.rglob("escape.txt"))
    assert not media_root.exists()
    assert list(staging.iterdir()) == []


def test_a_damaged_unencrypted_archive_is_refused(tmp_path):
    archive = make_archive(
        tmp_path / "plain.tar.gz",
        manifest=manifest_for(connection.vendor),
        entries=[file_entry("media/handout.txt", os.urandom(20_000))],
    )
    damaged = bytearray(archive.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    archive.write_bytes(bytes(damaged))
    with pytest.raises(BackupError, match=r"plain\.tar\.gz is not a PhysioFit backup"):
        restore_backup(
            archive,
            key=None,
            connection=connection,
            media_root=tmp_path / "media",
            staging_parent=tmp_path,
        )
    assert not (tmp_path / "media").exists()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_backup_of_the_other_engine_is_refused(engine):
    known, leaves = code_migrations()
    with pytest.raises(BackupError, match="configured database is") as caught:
        check_manifest(
            manifest_for(OTHER_ENGINE[engine]), engine=engine, known=known, leaves=leaves
        )
    assert caught.value.code == "engine_mismatch"


def test_engine_mismatch_is_refused_before_anything_is_restored(tmp_path):
    archive = make_archive(
        tmp_path / "other.tar.gz",
        manifest=manifest_for(OTHER_ENGINE[connection.vendor]),
        entries=[file_entry("media/handout.txt", b"x")],
    )
    with pytest.raises(BackupError, match="Nothing was restored"):
        restore_backup(
            archive,
            key=None,
            connection=connection,
            media_root=tmp_path / "media",
            staging_parent=tmp_path,
        )
    assert not (tmp_path / "media").exists()


def test_a_backup_from_a_newer_schema_is_refused():
    known, leaves = code_migrations()
    applied = {}
    for app, name in sorted(known):
        applied.setdefault(app, []).append(name)
    assert (
        check_manifest(manifest_for("sqlite", applied), engine="sqlite", known=known, leaves=leaves)
        is False
    )
    # Rows left by an app the code no longer has are not a newer schema.
    applied["retired_app"] = ["0001_initial"]
    check_manifest(manifest_for("sqlite", applied), engine="sqlite", known=known, leaves=leaves)
    applied["booking"].append("9999_from_the_future")
    with pytest.raises(BackupError, match=r"booking\.9999_from_the_future") as caught:
        check_manifest(manifest_for("sqlite", applied), engine="sqlite", known=known, leaves=leaves)
    assert caught.value.code == "newer_schema"


def test_an_older_schema_is_restorable_and_asks_for_migrate():
    known, leaves = code_migrations()
    older = {"booking": ["0001_initial"]}
    assert check_manifest(
        manifest_for("sqlite", older), engine="sqlite", known=known, leaves=leaves
    )


def test_a_newer_archive_format_is_refused():
    known, leaves = code_migrations()
    manifest = {**manifest_for("sqlite"), "format": 2}
    with pytest.raises(BackupError, match="format 2"):
        check_manifest(manifest, engine="sqlite", known=known, leaves=leaves)


def _synthetic_database(path: Path, patients: int) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app, name)")
        db.execute("INSERT INTO django_migrations (app, name) VALUES ('booking', '0001_initial')")
        db.execute("CREATE TABLE booking_patient (id INTEGER PRIMARY KEY, first_name)")
        db.executemany("INSERT INTO booking_patient (first_name) VALUES (?)", [("P",)] * patients)
    db.close()


@pytest.mark.parametrize("key", [None, KEY])
def test_backup_writes_one_private_timestamped_archive(tmp_path, key):
    database = tmp_path / "live.sqlite3"
    _synthetic_database(database, patients=3)
    media_root = tmp_path / "media"
    (media_root / "documents").mkdir(parents=True)
    (media_root / "documents" / "handout.pdf").write_bytes(b"%PDF-1.7 handout")
    (media_root / "link.pdf").symlink_to("/etc/hostname")
    output = tmp_path / "backups"
    fake = SimpleNamespace(vendor="sqlite", settings_dict={"NAME": str(database)})

    path = create_backup(
        connection=fake,
        media_root=media_root,
        output_dir=output,
        key=key,
        now=datetime(2025, 3, 9, 10, 4, 5, tzinfo=UTC),
    )

    suffix = ".tar.gz.enc" if key else ".tar.gz"
    assert path == output / f"physiofit-backup-20250309-100405Z{suffix}"
    assert list(output.iterdir()) == [path]
    assert stat.S_IMODE(output.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = path.read_bytes()
    if key:
        assert raw.startswith(b"PFBKENC1")
        raw = decrypt(raw, key)
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names == ["database.sqlite3", "media/documents/handout.pdf", "manifest.json"]
    assert manifest["engine"] == "sqlite"
    assert manifest["migrations"] == {"booking": ["0001_initial"]}
    assert manifest["counts"] == {"booking.Patient": 3}
    assert manifest["media_files"] == 1
    with pytest.raises(BackupError, match="already exists"):
        create_backup(
            connection=fake,
            media_root=media_root,
            output_dir=output,
            key=key,
            now=datetime(2025, 3, 9, 10, 4, 5, tzinfo=UTC),
        )


def test_a_failed_backup_leaves_nothing_behind(tmp_path):
    missing = SimpleNamespace(vendor="sqlite", settings_dict={"NAME": str(tmp_path / "no.db")})
    with pytest.raises(BackupError, match=r"run `manage\.py migrate` first"):
        create_backup(
            connection=missing,
            media_root=tmp_path / "media",
            output_dir=tmp_path / "backups",
            key=None,
            now=datetime.now(UTC),
        )
    assert list((tmp_path / "backups").iterdir()) == []


# -- Through manage.py, as an operator runs it ----------------------------------------------------


def site_env(var_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    env = manage_env(
        DJANGO_SETTINGS_MODULE="physiofit.settings.standalone",
        PHYSIOFIT_VAR_DIR=str(var_dir),
        **extra,
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def test_restore_into_a_non_empty_database_is_refused(tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    with sqlite3.connect(var_dir / "physiofit.sqlite3") as db:
        db.execute("CREATE TABLE kept (id INTEGER PRIMARY KEY)")
    db.close()
    archive = make_archive(
        tmp_path / "b.tar.gz",
        manifest=manifest_for("sqlite"),
        entries=[
            file_entry("database.sqlite3", b""),
            file_entry("media/handout.txt", b"handout"),
        ],
    )
    result = run_manage(["restore", str(archive)], site_env(var_dir))
    assert result.returncode == 1
    assert "is not empty (1 tables)" in result.stderr
    assert "createdb NEW_NAME" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (var_dir / "media" / "handout.txt").exists()
    with sqlite3.connect(var_dir / "physiofit.sqlite3") as db:
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("kept",)]
    db.close()


SNAPSHOT_SCRIPT = """
import json
from wagtail.models import Page
from physiofit.booking.models import Appointment, Patient
from physiofit.intake.models import Questionnaire
print(json.dumps({
    "patients": sorted(
        [p.first_name, p.last_name, p.email, str(p.date_of_birth)] for p in Patient.objects.all()
    ),
    "appointments": sorted(
        [a.reference, a.status, a.start.isoformat(), a.patient.email]
        for a in Appointment.objects.select_related("patient")
    ),
    "questionnaires": sorted(
        [q.patient.email, q.instrument, q.status, json.dumps(q.answers, sort_keys=True)]
        for q in Questionnaire.objects.select_related("patient")
    ),
    "pages": sorted([p.url_path, p.title, p.live] for p in Page.objects.all()),
}))
"""


def site_snapshot(env: dict[str, str]) -> dict:
    result = run_manage(["shell", "-c", SNAPSHOT_SCRIPT], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_site(env: dict[str, str], log: Path):
    """The demo served by gunicorn, as `make run` serves it; yields its base URL."""
    port = free_port()
    with log.open("w") as output:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "physiofit.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"{base}/robots.txt", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:  # refused, reset or timed out while the workers boot
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@contextmanager
def visitors(base: str):
    """Keep requesting from another thread; yields the list of statuses seen. Each path reads
    the database (the page tree, services, a health query); HTML pages are left out because
    they need `collectstatic`, which would double this test's time."""
    statuses: list[int] = []
    stop = threading.Event()
    paths = ["/healthz", "/sitemap.xml", "/api/v1/services", "/api/v1/practitioners"]

    def browse():
        while not stop.is_set():
            for path in paths:
                try:
                    with urllib.request.urlopen(base + path, timeout=10) as response:
                        statuses.append(response.status)
                except urllib.error.HTTPError as error:
                    statuses.append(error.code)

    thread = threading.Thread(target=browse, daemon=True)
    thread.start()
    try:
        yield statuses
    finally:
        stop.set()
        thread.join(timeout=15)


def database_url(name: str) -> str:
    parts = urlsplit(POSTGRES_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextmanager
def fresh_postgres_databases(*names: str):
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        for name in names:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield [database_url(name) for name in names]
    finally:
        with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
            for name in names:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


@contextmanager
def source_and_target_databases():
    if ON_POSTGRES:
        with fresh_postgres_databases("physiofit_backup_test", "physiofit_restore_test") as urls:
            yield urls
    else:
        yield None, None


def test_backup_of_a_running_demo_restores_into_a_fresh_database(tmp_path):
    source_var, target_var = tmp_path / "source", tmp_path / "target"
    with source_and_target_databases() as (source_url, target_url):
        source = site_env(source_var, source_url, BACKUP_ENCRYPTION_KEY=KEY)
        target = site_env(target_var, target_url, BACKUP_ENCRYPTION_KEY=KEY)
        for step in (["migrate", "--noinput"], ["load_demo"]):
            result = run_manage(step, source)
            assert result.returncode == 0, result.stderr
        handout = source_var / "media" / "documents" / "home-exercises.pdf"
        handout.parent.mkdir(parents=True)
        handout.write_bytes(b"%PDF-1.7 " + os.urandom(2048))

        with running_site(source, tmp_path / "gunicorn.log") as base, visitors(base) as statuses:
            while not statuses:
                time.sleep(0.05)
            before = len(statuses)
            backup = run_manage(["backup"], source)
            served_during_backup = len(statuses) - before
        assert backup.returncode == 0, backup.stderr
        assert served_during_backup > 0
        assert set(statuses) == {200}

        [archive] = (source_var / "backups").iterdir()
        assert archive.name.startswith("physiofit-backup-")
        assert archive.name.endswith("Z.tar.gz.enc")
        assert stat.S_IMODE(archive.stat().st_mode) == 0o600
        assert f"Backup written: {archive}" in backup.stdout
        assert "casey" not in (backup.stdout + backup.stderr).lower()
        with tarfile.open(fileobj=io.BytesIO(decrypt(archive.read_bytes())), mode="r:gz") as tar:
            manifest = json.load(tar.extractfile("manifest.json"))
            assert f"database.{'pgdump' if ON_POSTGRES else 'sqlite3'}" in tar.getnames()
        assert manifest["engine"] == ("postgresql" if ON_POSTGRES else "sqlite")
        assert "0001_initial" in manifest["migrations"]["booking"]

        restore = run_manage(["restore", str(archive)], target)
        assert restore.returncode == 0, restore.stdout + restore.stderr
        assert "the counts match" in restore.stdout

        original, restored = site_snapshot(source), site_snapshot(target)
        assert len(original["patients"]) >= 2
        assert len(original["appointments"]) >= 2
        assert len(original["questionnaires"]) >= 1
        assert len(original["pages"]) >= 8
        assert restored == original
        copied = target_var / "media" / "documents" / "home-exercises.pdf"
        assert copied.read_bytes() == handout.read_bytes()

        again = run_manage(["restore", str(archive)], target)
        assert again.returncode == 1
        assert "is not empty" in again.stderr
        assert "Traceback" not in again.stderr
