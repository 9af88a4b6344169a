"""Reading configuration from the environment: database, cache, email and text-message URLs."""

import os
import re
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_count(name: str, default: int = 0) -> int:
    """A whole number of 0 or more; anything else stops start-up with the variable's name."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isascii() or not value.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number of 0 or more, not {value!r}.")
    return int(value)


def var_dir(base_dir: Path) -> Path:
    """The folder for SQLite, the file cache, uploads, static files and the secret key.

    Created here, when settings load, so nothing (a migration, a system check) can open the
    database before it exists: PHYSIOFIT_VAR_DIR may be relative to the project and as deep as
    wanted. A new folder is private to its owner (0700): the database in it is health data."""
    path = base_dir / (os.environ.get("PHYSIOFIT_VAR_DIR", "").strip() or "var")
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ImproperlyConfigured(
            f"The data folder {path} (PHYSIOFIT_VAR_DIR) cannot be created: {exc.strerror}."
        ) from exc
    return path


def secret_key(folder: Path) -> str:
    """SECRET_KEY from the environment, else a random key made once and kept in
    `folder/secret_key` (mode 0600), so no instance signs links with a key anyone can read."""
    if value := os.environ.get("SECRET_KEY", "").strip():
        return value
    path = folder / "secret_key"
    if not path.exists():
        # Written whole to a private temporary file, then linked into place: processes starting
        # together (web workers, task worker) all end up reading the one key that won.
        draft = folder / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    value = path.read_text().strip()
    if len(value) < 50:
        raise ImproperlyConfigured(f"{path} holds no usable key: delete it to make a new one.")
    return value


def database_config(url: str) -> dict:
    """Django DATABASES entry from a URL; SQLite gets WAL and immediate write transactions."""
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            # IMMEDIATE takes the write lock when a transaction starts, so two writers queue
            # instead of failing half-way with "database is locked".
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # An unreachable server fails a request in seconds (a clean 503), never hangs it.
        config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    return config


def email_config(url: str | None) -> dict:
    """Email settings from EMAIL_URL.

    Accepts smtp://user:pass@host:port (STARTTLS with ?tls=1), smtps:// (implicit TLS),
    console:// and locmem://. No URL means the console backend: mail is printed, never lost.
    """
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parts = urlsplit(url)
    backends = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
    }
    if parts.scheme not in backends:
        raise ImproperlyConfigured(
            f"EMAIL_URL scheme {parts.scheme!r} is not supported; use smtp, smtps or console."
        )
    config = {"EMAIL_BACKEND": backends[parts.scheme]}
    if parts.scheme in {"smtp", "smtps"}:
        query = parse_qs(parts.query)
        config.update(
            EMAIL_HOST=parts.hostname or "localhost",
            EMAIL_PORT=parts.port or (465 if parts.scheme == "smtps" else 25),
            EMAIL_HOST_USER=unquote(parts.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
            EMAIL_USE_SSL=parts.scheme == "smtps",
            EMAIL_USE_TLS=query.get("tls", ["0"])[0] in {"1", "true"},
            EMAIL_TIMEOUT=20,
        )
    return config


SMS_BACKENDS = {
    "console": "physiofit.core.sms.ConsoleBackend",
    "locmem": "physiofit.core.sms.LocmemBackend",
    "twilio": "physiofit.core.sms.TwilioBackend",
}


def sms_config(url: str | None, *, default: str = "console://") -> dict:
    """Text-message settings from SMS_URL.

    Accepts console:// (the log, numbers masked), locmem:// (tests) and
    twilio://ACCOUNT_SID:AUTH_TOKEN@SENDER, SENDER being the clinic's Twilio number in E.164
    (+15415550100, or %2B15415550100) or a Messaging Service SID (MG...). No URL means
    `default`; an empty default turns texts off (no consent box, nothing sent).
    """
    url = (url or "").strip() or default
    if not url:
        return {"SMS_BACKEND": "", "SMS_OPTIONS": {}}
    parts = urlsplit(url)
    if parts.scheme not in SMS_BACKENDS:
        raise ImproperlyConfigured(
            f"SMS_URL scheme {parts.scheme!r} is not supported; use twilio, console or locmem."
        )
    options = {}
    if parts.scheme == "twilio":
        # The netloc, not .hostname: that is lower-cased, and a Messaging Service SID is not.
        sender = unquote(parts.netloc.rpartition("@")[2])
        options = {
            "account_sid": unquote(parts.username or ""),
            "auth_token": unquote(parts.password or ""),
            "sender": sender,
        }
        if not options["account_sid"].startswith("AC") or not options["auth_token"]:
            raise ImproperlyConfigured(
                "SMS_URL for Twilio is twilio://ACCOUNT_SID:AUTH_TOKEN@SENDER; the account SID "
                "starts with AC."
            )
        if not re.fullmatch(r"\+[1-9]\d{7,14}|MG[0-9a-fA-F]{32}", sender):
            raise ImproperlyConfigured(
                "SMS_URL's sender (after the @) must be the clinic's Twilio number in E.164, "
                "such as +15415550100 (or %2B15415550100), or a Messaging Service SID (MG...)."
            )
    return {"SMS_BACKEND": SMS_BACKENDS[parts.scheme], "SMS_OPTIONS": options}


def cache_config(redis_url: str | None, file_dir: str) -> dict:
    """Redis when REDIS_URL is set (several machines); otherwise a file cache shared by the
    web and worker processes of one machine, so a publish invalidates every process."""
    if redis_url:
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": "physiofit",
            }
        }
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": file_dir,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
