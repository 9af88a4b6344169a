"""Logs a clinic's IT person can read and a privacy officer can accept: one line per request
and one per task, with no path, query, token, email or name in any of them.

The path of a manage or portal sign-in link *is* the credential, so requests are logged by the
name of the route they matched ("booking:manage"), never by their path, and exception messages
(a database error can quote the row it refused) are withheld from tracebacks."""

import functools
import logging
import re
import time
import traceback
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, get_resolver, get_urlconf, resolve

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


# URL parameters whose value is a credential: a path holding one must never reach a log.
SECRET_PARAMETERS = frozenset({"token"})
# A path (or a whole URL) where it starts: not the tail of a longer path such as /admin/calendar/.
_PATH_START = r"(?<![\w/.%-])(?:https?://[^/\s\"'<>]+)?"


def _literal_prefix(pattern) -> str:
    """The fixed text a URL pattern starts with, up to its first parameter."""
    text = str(pattern).lstrip("^")
    return re.split(r"[<(\[\\$?*+.]", text, maxsplit=1)[0]


def _secret_prefixes(patterns, prefix: str = ""):
    for entry in patterns:
        here = prefix + _literal_prefix(entry.pattern)
        if hasattr(entry, "url_patterns"):
            # An include(): only its literal start is known; its own patterns say the rest.
            if _literal_prefix(entry.pattern) == str(entry.pattern).lstrip("^"):
                yield from _secret_prefixes(entry.url_patterns, here)
        elif SECRET_PARAMETERS & set(entry.pattern.regex.groupindex) and here:
            yield "/" + here


@functools.lru_cache(maxsize=8)
def _secret_paths(urlconf: str | None) -> re.Pattern:
    """Paths under a route whose URL carries a token (/appointments/, /portal/sign-in/…),
    found from the URL configuration, so a new capability link is covered without a list here.
    A prefix, not the whole route: a mistyped or truncated link holds the token too."""
    prefixes = sorted(set(_secret_prefixes(get_resolver(urlconf).url_patterns)), key=len)
    alternatives = "|".join(re.escape(p) for p in reversed(prefixes)) or r"(?!)"
    return re.compile(_PATH_START + rf"(?:{alternatives})[^\s\"'<>]*")


def _route_of(path: str) -> str:
    try:
        return resolve(urlsplit(path).path).view_name or "unnamed"
    except Exception:  # a path that is not a URL of ours (or not a path at all)
        return "unmatched"


def withhold_paths(text: str, request=None) -> str:
    """`text` with the request's path, and any path holding a link token, replaced by the name
    of the route it belongs to."""
    if "/" not in text:
        return text
    if request is not None and hasattr(request, "path_info"):
        label = route_label(request)
        paths = {request.get_full_path(), request.path, request.path_info}
        # Longest first, so a path is not half-replaced by its own prefix; never "/" alone.
        for path in sorted((p for p in paths if len(p) > 1), key=len, reverse=True):
            text = text.replace(path, label)
    try:
        secret = _secret_paths(get_urlconf())
    except Exception:  # URLs not loadable yet (a message while they import): withhold all
        return re.sub(_PATH_START + r"/[^\s\"'<>]*", "(path withheld)", text)
    return secret.sub(lambda found: _route_of(found.group(0)), text)


class PathWithheldRecord(logging.LogRecord):
    """Every log record of the process, whoever logs it (django.request's "Not Found: <path>",
    django.security's CSRF refusals, gunicorn's "Error handling request <path>") and whichever
    handler writes it: its message never holds a link's path. Installed by CoreConfig.ready()."""

    def getMessage(self) -> str:
        return withhold_paths(super().getMessage(), getattr(self, "request", None))


def install_path_withholding() -> None:
    if logging.getLogRecordFactory() is logging.LogRecord:
        logging.setLogRecordFactory(PathWithheldRecord)


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
