"""Running manage.py in a child process, with none of this shell's site configuration."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Variables that configure the site: a child process gets only the ones a test gives it.
CONFIGURATION = {
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "PHYSIOFIT_VAR_DIR",
    "BACKUP_ENCRYPTION_KEY",
    "REDIS_URL",
}


def manage_env(**variables: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in CONFIGURATION}
    env.update(variables)
    return env


def run_manage(args: list[str], env: dict[str, str], timeout: int = 180):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
