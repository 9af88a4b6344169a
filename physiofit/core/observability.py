"""Logs a clinic's IT person can read and a privacy officer can accept: one line per request
and one per task, with no path, query, token, email or name in any of them.

The path of a manage or portal sign-in link *is* the credential, so requests are logged by the
name of the route they matched ("booking:manage"), never by their path, and exception messages
(a database error can quote the row it refused) are withheld from tracebacks."""

import logging
import time
import traceback

from django.conf import settings
from django.urls import Resolver404, resolve

request_log = logging.getLogger("physiofit.request")
task_log = logging.getLogger("physiofit.tasks")


def route_label(request) -> str:
    """The name of the route `request` matched, or what kind of request it was: never its path."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        path = request.path_info
        if path.startswith(settings.STATIC_URL):
            return "static"
        try:
            # Requests answered before URL routing (page cache, health check) are resolved here.
            match = resolve(path)
        except Resolver404:
            return "unmatched"
    return match.view_name or "unnamed"


class RequestLogMiddleware:
    """First in the stack, so static files, cached pages and errors are logged too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        request_log.info(
            "%s %s %s %.0fms%s",
            request.method[:10],
            route_label(request),
            response.status_code,
            (time.perf_counter() - started) * 1000,
            " cached" if response.get("X-Page-Cache") == "hit" else "",
        )
        return response


class RouteOnlyFilter(logging.Filter):
    """Django's own request logs ("Internal Server Error: /appointments/<token>/") name the
    path: replace it with the route's name before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path") and isinstance(record.args, tuple):
            record.args = tuple(
                route_label(request) if arg == request.path else arg for arg in record.args
            )
        return True


class WithheldMessageFormatter(logging.Formatter):
    """Tracebacks keep every frame and the exception's type, but not its message."""

    def formatException(self, exc_info) -> str:
        summary = traceback.TracebackException(*exc_info)
        seen = set()
        current = summary
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            current._str = "(message withheld: it may quote patient data)"
            current = current.__cause__ or current.__context__
        return "".join(summary.format()).rstrip("\n")


def log_task_finished(sender, task_result, **kwargs) -> None:
    """One line per task run by the worker: which task, how it ended, how long it took."""
    started, finished = task_result.started_at, task_result.finished_at
    took = (finished - started).total_seconds() * 1000 if started and finished else 0
    errors = getattr(task_result, "errors", None) or []
    failure = f" error={errors[-1].exception_class_path}" if errors else ""
    task_log.info(
        "%s %s %.0fms%s",
        task_result.task.module_path,
        task_result.status,
        took,
        failure,
    )
