import io
import logging
import re
import shlex
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.test import Client
from django.urls import path
from django_tasks import task

from physiofit.core.observability import RouteOnlyFilter, WithheldMessageFormatter
from tests.core import error_urls

TOKEN = "c2VjcmV0LXRva2VuLWZvci10ZXN0cw"


@task()
def tidy_up(patient_email: str) -> str:
    return "done"


@pytest.fixture
def production_handler():
    """The console handler as physiofit/settings/base.py configures it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(WithheldMessageFormatter("%(levelname)s %(name)s %(message)s"))
    handler.addFilter(RouteOnlyFilter())
    for name in ("django.request", "physiofit.request", "physiofit.tasks"):
        logging.getLogger(name).addHandler(handler)
    yield stream
    for name in ("django.request", "physiofit.request", "physiofit.tasks"):
        logging.getLogger(name).removeHandler(handler)


def test_a_request_is_one_line_naming_its_route_not_its_path(site, client, caplog):
    caplog.set_level(logging.INFO, logger="physiofit.request")
    client.get(f"/appointments/{TOKEN}/reschedule/?email=jane@example.com")
    lines = [r.getMessage() for r in caplog.records if r.name == "physiofit.request"]
    assert len(lines) == 1
    assert lines[0].startswith("GET booking:reschedule 404 ")
    assert TOKEN not in caplog.text
    assert "jane@example.com" not in caplog.text


def test_cached_and_static_requests_are_logged_by_kind(site, client, caplog):
    caplog.set_level(logging.INFO, logger="physiofit.request")
    client.get("/back-pain-relief/")
    client.get("/back-pain-relief/")
    client.get("/static/css/site.css")
    lines = [r.getMessage() for r in caplog.records if r.name == "physiofit.request"]
    assert lines[0].startswith("GET wagtail_serve 200")
    assert lines[1].startswith("GET wagtail_serve 200")
    assert lines[1].endswith(" cached")
    assert lines[2].startswith("GET static 200")


handler500 = error_urls.handler500
urlpatterns = [
    path("appointments/<str:token>/fail/", error_urls.broken, name="manage_fail"),
    *error_urls.urlpatterns,
]


@pytest.mark.urls("tests.core.test_observability")
def test_a_server_error_logs_the_route_and_traceback_without_path_or_message(
    site, client, production_handler
):
    client.raise_request_exception = False
    client.get(f"/appointments/{TOKEN}/fail/")
    output = production_handler.getvalue()
    assert "Internal Server Error: manage_fail" in output
    assert "RuntimeError" in output
    assert "error_urls.py" in output
    assert TOKEN not in output
    assert "could not be rendered" not in output.split("Traceback")[-1].splitlines()[-1]


def test_withheld_formatter_keeps_frames_and_type_of_chained_errors():
    formatter = WithheldMessageFormatter("%(message)s")
    try:
        try:
            raise KeyError("jane@example.com")
        except KeyError as inner:
            raise ValueError("Key (email)=(jane@example.com) already exists") from inner
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    output = formatter.format(record)
    assert "KeyError" in output
    assert "ValueError" in output
    assert "test_observability.py" in output
    # The frames quote this file's source lines; the messages themselves are gone.
    assert "ValueError: (message withheld" in output
    assert "KeyError: (message withheld" in output
    assert "ValueError: Key (email)" not in output
    assert "KeyError: 'jane" not in output


def test_a_task_is_one_line_with_its_name_state_and_duration(caplog):
    caplog.set_level(logging.INFO, logger="physiofit.tasks")
    tidy_up.enqueue("jane@example.com")
    lines = [r.getMessage() for r in caplog.records if r.name == "physiofit.tasks"]
    assert len(lines) == 1
    assert lines[0].startswith("tests.core.test_observability.tidy_up SUCCESSFUL ")
    assert "jane@example.com" not in caplog.text


@pytest.fixture
def manage_link(site):
    from physiofit.booking import services, tokens
    from tests.booking.conftest import NOW, bend
    from tests.factories import build_booking, patient_details

    booking = build_booking()
    appointment = services.appointment_book(
        service=booking["evaluation"],
        practitioner=booking["alex"],
        start=bend(2026, 12, 2, 10),
        patient=patient_details(),
        now=NOW,
    )
    # The link's pages read the clock: it stands at NOW, before the visit, whatever the date.
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield tokens.manage_link_create(appointment=appointment)


def test_400_404_and_403_on_a_manage_link_never_log_its_token(manage_link, client, caplog):
    # django.request's warnings are off in production (LOGGING): switched on here, they must
    # still carry no token, whatever level an operator chooses.
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="django.request")
    bad = client.post(f"/appointments/{manage_link}/reschedule/", {"start": "garbage"})
    assert bad.status_code == 400
    assert client.get(f"/appointments/{TOKEN}/").status_code == 404
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/appointments/{manage_link}/cancel/").status_code == 403
    messages = [record.getMessage() for record in caplog.records]
    assert "Bad Request: booking:reschedule" in messages
    assert "Not Found: booking:manage" in messages
    assert "Forbidden (CSRF cookie not set.): booking:cancel" in messages
    for secret in (manage_link, TOKEN):
        assert secret not in caplog.text
        assert not any(secret in message for message in messages)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "Error handling request /portal/sign-in/{t}/",
            "Error handling request intake:portal_sign_in",
        ),
        (
            '"GET /appointments/{t}/intake/?x=1 HTTP/1.1" 200 "https://clinic.example.com/appointments/{t}/"',
            '"GET intake:intake HTTP/1.1" 200 "booking:manage"',
        ),
        ("Invalid request /appointments/{t}", "Invalid request unmatched"),
        ("truncated link /waitlist/offer/{t}", "truncated link unmatched"),
        ("feed /calendar/{t}.ics", "feed booking:feed"),
        # Only paths under a tokened route are touched.
        ("saved /admin/calendar/appointment/3/ to /var/backups/x", None),
    ],
)
def test_any_record_without_a_request_has_token_paths_withheld(db, caplog, message, expected):
    caplog.set_level(logging.INFO, logger="gunicorn.error")
    logging.getLogger("gunicorn.error").info("%s", message.format(t=TOKEN))
    [record] = caplog.records
    assert record.getMessage() == (expected or message)
    assert TOKEN not in caplog.text


def serve_gunicorn_argv() -> list[str]:
    """The gunicorn command line of scripts/serve.sh, its variables filled in."""
    script = (Path(__file__).resolve().parents[2] / "scripts" / "serve.sh").read_text()
    command = re.search(r'"\$PY" -m gunicorn (.*?) &\n', script, re.S).group(1)
    command = re.sub(r"\$\{(\w+)(?::-([^}]*))?\}", lambda m: m.group(2) or "8000", command)
    return shlex.split(command.replace("\\\n", " "))


@pytest.mark.parametrize("environment", ["", "--access-logfile -"])
def test_gunicorn_logs_no_path_even_with_an_access_log_switched_on(monkeypatch, environment):
    from gunicorn.app.wsgiapp import WSGIApplication

    argv = serve_gunicorn_argv()
    assert not any(arg.startswith("--access-logfile") for arg in argv)
    monkeypatch.setenv("GUNICORN_CMD_ARGS", environment)
    monkeypatch.setattr(sys, "argv", ["gunicorn", *argv])
    config = WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").cfg
    assert config.accesslog == ("-" if environment else None)
    # Request line, path, query, referrer and request headers: each can carry a link token.
    for atom in ("%(r)s", "%(U)s", "%(q)s", "%(f)s", "i}s"):
        assert atom not in config.access_log_format
