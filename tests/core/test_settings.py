import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from physiofit.settings.env import database_config, email_config, secret_key, var_dir
from tests.commands import manage_env, run_manage

ROOT = Path(__file__).resolve().parents[2]


def test_email_url_smtp_with_credentials_and_starttls():
    config = email_config("smtp://mailer:s%40cret@mail.example.com:587?tls=1")
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert config["EMAIL_HOST"] == "mail.example.com"
    assert config["EMAIL_PORT"] == 587
    assert config["EMAIL_HOST_USER"] == "mailer"
    assert config["EMAIL_HOST_PASSWORD"] == "s@cret"
    assert config["EMAIL_USE_TLS"] is True
    assert config["EMAIL_USE_SSL"] is False


def test_email_url_unset_prints_to_console():
    assert email_config(None)["EMAIL_BACKEND"].endswith("console.EmailBackend")


def test_email_url_unknown_scheme_is_refused_clearly():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL scheme 'ftp'"):
        email_config("ftp://example.com")


def test_sqlite_gets_immediate_transactions_and_wal():
    config = database_config("sqlite:////tmp/x.sqlite3")
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


def test_postgres_url_is_parsed():
    config = database_config("postgres://u:p@db.example.com:5433/clinic")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.example.com", 5433, "clinic")


def _manage(args, env, settings="physiofit.settings.production"):
    return run_manage(args, manage_env(**env, DJANGO_SETTINGS_MODULE=settings), timeout=120)


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_each_secret(missing, tmp_path):
    env = {
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "clinic.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }
    del env[missing]
    result = _manage(["check"], env)
    assert result.returncode != 0
    assert f"{missing} must be set in the environment for production" in result.stderr


def test_production_passes_the_deployment_checklist(tmp_path):
    env = {
        "SECRET_KEY": "k7#Qz9!pL2@vX8$mN4^bR6&tY1*wE3(uI5)oP0_aS-dF+gH=jK",
        "ALLOWED_HOSTS": "clinic.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_migrate_creates_a_data_folder_that_does_not_exist_yet(tmp_path):
    """The first `make run` on a fresh clone: nothing may open the database before its folder
    exists, however deep PHYSIOFIT_VAR_DIR is."""
    var = tmp_path / "not" / "yet" / "there"
    result = _manage(
        ["migrate", "--noinput"],
        {"PHYSIOFIT_VAR_DIR": str(var)},
        settings="physiofit.settings.standalone",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (var / "physiofit.sqlite3").stat().st_size > 0
    # Health data: the folder and the key are its owner's alone.
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert stat.S_IMODE((var / "secret_key").stat().st_mode) == 0o600


def test_a_data_folder_that_cannot_be_created_is_named_clearly(tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("PHYSIOFIT_VAR_DIR", str(tmp_path / "a-file" / "var"))
    with pytest.raises(
        ImproperlyConfigured, match=r"a-file/var \(PHYSIOFIT_VAR_DIR\) cannot be created"
    ):
        var_dir(ROOT)


def test_relative_data_folder_is_inside_the_project(monkeypatch, tmp_path):
    monkeypatch.setenv("PHYSIOFIT_VAR_DIR", "deep/var")
    assert var_dir(tmp_path) == tmp_path / "deep" / "var"
    assert (tmp_path / "deep" / "var").is_dir()


def test_secret_key_is_made_once_private_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = secret_key(tmp_path)
    assert len(first) >= 50
    assert secret_key(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert list(tmp_path.iterdir()) == [tmp_path / "secret_key"]
    monkeypatch.setenv("SECRET_KEY", "from-the-environment-" + "x" * 40)
    assert secret_key(tmp_path) == "from-the-environment-" + "x" * 40


def test_processes_starting_together_share_one_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with ProcessPoolExecutor(max_workers=6) as pool:
        keys = set(pool.map(secret_key, [tmp_path] * 12))
    assert len(keys) == 1


def test_a_truncated_secret_key_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    (tmp_path / "secret_key").write_text("short")
    with pytest.raises(ImproperlyConfigured, match="holds no usable key"):
        secret_key(tmp_path)


@pytest.mark.parametrize("module", ["physiofit.settings.dev", "physiofit.settings.standalone"])
def test_no_instance_signs_links_with_a_key_from_the_repository(module, tmp_path):
    script = "from django.conf import settings; print(settings.SECRET_KEY, settings.DEBUG)"
    result = _manage(
        ["shell", "--no-imports", "-c", script],
        {"PHYSIOFIT_VAR_DIR": str(tmp_path)},
        settings=module,
    )
    assert result.returncode == 0, result.stderr
    key, debug = result.stdout.split()
    assert key == (tmp_path / "secret_key").read_text().strip()
    assert (
        key
        not in (ROOT / "physiofit" / "settings" / module.rsplit(".", 1)[1])
        .with_suffix(".py")
        .read_text()
    )
    assert debug == ("True" if module.endswith("dev") else "False")
