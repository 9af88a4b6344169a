import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from physiofit.settings.env import database_config, email_config

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


def _manage(args, env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="physiofit.settings.production")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


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
