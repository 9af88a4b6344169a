import io
import logging
import sys

import pytest
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
