"""Shared pieces of the benchmarks: a production-like environment, gunicorn, demo data."""

import os
import secrets
import socket
import subprocess
import sys
from datetime import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(workdir: str, database_url: str, **overrides: str) -> dict:
    """Production settings on loopback: plain HTTP, throwaway secrets, data in `workdir`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "physiofit.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "PHYSIOFIT_VAR_DIR": workdir,
        "SECURE_SSL_REDIRECT": "false",
        **overrides,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def gunicorn_command(port: int, workers: int) -> list[str]:
    """The benchmarks' gunicorn: `workers` sync workers on loopback, warnings only."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "physiofit.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--no-control-socket",
    ]


def start_gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    return subprocess.Popen(gunicorn_command(port, workers), cwd=ROOT, env=env)


def build_clinic(*, opens: time, closes: time, practitioners: int, service_fields: dict):
    """Clinic settings open every day, one service, practitioners working clinic hours.
    Needs Django set up and migrated. Returns the service and the practitioners."""
    from wagtail.models import Site

    from physiofit.booking.models import BookingPolicy, Practitioner, Service, WorkingHours
    from physiofit.core.models import ClinicSettings, OpeningHours

    site = Site.objects.get(is_default_site=True)
    clinic = ClinicSettings.for_site(site)
    clinic.phone, clinic.email = "(541) 555-0100", "clinic@example.com"
    clinic.street_address, clinic.locality = "1 Main St", "Bend"
    clinic.region, clinic.postal_code = "OR", "97701"
    clinic.save()
    for weekday in range(7):
        OpeningHours.objects.create(clinic=clinic, weekday=weekday, opens=opens, closes=closes)
    BookingPolicy.for_site(site)
    service = Service.objects.create(**service_fields)
    created = []
    for index in range(practitioners):
        practitioner = Practitioner.objects.create(name=f"Therapist {index}", slug=f"t{index}")
        practitioner.services.set([service])
        practitioner.save()
        WorkingHours.objects.bulk_create(
            WorkingHours(practitioner=practitioner, weekday=w, starts=time(7), ends=time(19))
            for w in range(7)
        )
        created.append(practitioner)
    return service, created
