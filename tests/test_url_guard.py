"""Guard: every URL pattern of the project, called with extreme and malformed values, answers
below 500 (issue 9 item 11). Nothing is skipped silently: a pattern that is not called, or
may fail, is listed in UNREACHABLE, EXPECTED_5XX or THIRD_PARTY_5XX with its reason, and a
regex pattern the walk cannot fill fails the test until REGEX_SAMPLES has it.

Each pattern is called anonymously and as a superuser. The project's own views get GET with
every query variant and POST with junk form bodies on a path naming real objects (so the view
reaches its parameters), then paths with huge, zero, unicode and overlong values. Third-party
views (Wagtail's admin, documents, page serving), and public pages for the superuser, get the
harshest of each, to keep the run short: one garbage GET, one garbage POST, one junk path."""

import re
from pathlib import Path
from unittest import mock
from urllib.parse import quote

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from physiofit.core.bad_input import FRAGILE_THIRD_PARTY_VIEWS
from tests.staff import login_staff

from .booking.conftest import NOW

SOURCE = Path(__file__).resolve().parent.parent / "physiofit"
# Query and form names the project's views read (found in the source, so a new one is covered
# without editing this list), and the ones Wagtail's admin reads.
WAGTAIL_PARAMS = {"p", "q", "ordering", "page", "next", "locale", "collection_id", "tag"}
NINJA_PARAMS = {"service", "start", "end", "practitioner"}

# Raw (already percent-encoded) values for every parameter of one request.
FAR_FUTURE = "9999-12-31"
FAR_PAST = "0001-01-01"
# Bytes that are not UTF-8, a NUL, unicode, and a long tail.
GARBAGE = "%FF%FE%00%C0%AF" + quote("ünïcødé☃𝔘") + "x" * 1000
QUERY_VARIANTS = [
    GARBAGE,
    FAR_FUTURE,
    FAR_PAST,
    quote("9999-12-31T23:00:00-08:00"),
    quote("0001-01-01T00:00:00+14:00"),
    "9" * 40,  # past every integer column
]
POST_VARIANTS = [GARBAGE, quote("9999-12-31T23:00:00-08:00")]
# Values for the path's converters, after the real objects: past 64-bit integers, zero, and
# strings that are unicode, NUL-carrying or far longer than any slug or token.
JUNK_PATH = [
    {"int": "9" * 30, "slug": "9999-12-31", "str": "9999-12-31T23:00:00+00:00", "path": "a/b"},
    {"int": "0", "slug": "a" * 600, "str": "%00%FF" + quote("ü☃𝔘") + "z" * 600, "path": "%FF"},
]
# For a converter in the real variant whose name REAL_BY_NAME does not know.
UNNAMED = {"int": "1", "slug": "x", "str": "x", "path": "x"}

# Regex patterns cannot be filled from converters: sample paths for each, by regex.
REGEX_SAMPLES = {
    r"^(\d+)/(.*)$": ["{document}/file.pdf", "99999999999999999999/x", "0/" + "%FF" * 10],
    r"^((?:[\w\-]+/)*)$": ["", "blog/", "9999-12-31/", "a" * 300 + "/", "%FF%FE/"],
    r"^.*/$": ["no-such-admin-page/", "%FF%00/"],
    r"^(?P<pk>\d+)/revisions/compare/(?P<revision_id_a>live|earliest|\d+)\.\.\."
    r"(?P<revision_id_b>live|latest|\d+)/$": [
        "{page}/revisions/compare/earliest...live/",
        "99999999999999999999/revisions/compare/0...99999999999999999999/",
    ],
    # A snippet with revisions (the exercise library) compares them under history/.
    r"history/(?P<pk>.+)/revisions/compare/(?P<revision_id_a>live|earliest|\d+)\.\.\."
    r"(?P<revision_id_b>live|latest|\d+)/$": [
        "history/1/revisions/compare/earliest...latest/",
        "history/99999999999999999999/revisions/compare/0...99999999999999999999/",
        "history/%FF/revisions/compare/live...live/",
    ],
}
# Patterns that are not called, and why (none today: even /healthz, answered by its middleware
# before routing, is called).
UNREACHABLE: dict[str, str] = {}
# 5xx by design.
EXPECTED_5XX = {
    "wagtailadmin_error_test": "Wagtail's /admin/failwhale/ raises on purpose to test error mail",
}
# Third-party views that may still answer 5xx to a hand-made request. Empty: the Wagtail views
# that did are answered 400 by physiofit.core.bad_input.FRAGILE_THIRD_PARTY_VIEWS, and a new one
# fails here until it is understood.
THIRD_PARTY_5XX: dict[str, str] = {}
# Kwarg names mapped to the fixture object whose key fills them in the "real" variant.
REAL_BY_NAME = {
    "pk": "appointment",
    "page_id": "page",
    "parent_page_id": "page",
    "page_to_move_id": "page",
    "destination_id": "page",
    "user_id": "user",
    "service_slug": "service",
    "who": "practitioner",
    "token": "token",
    "document_id": "document",
    "doc_id": "document",
    "app_label": "app_label",
    "app_name": "app_label",
    "content_type_app_name": "app_label",
    "model_name": "model_name",
    "content_type_model_name": "model_name",
}


def leaf_patterns():
    """(qualified name, pattern, [pattern segments]) for every URL pattern, recursively
    through includes. Unnamed patterns are named by their route."""

    def walk(resolver, chain, namespaces):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = [*namespaces, entry.namespace] if entry.namespace else namespaces
                yield from walk(entry, [*chain, entry.pattern], inner)
            elif isinstance(entry, URLPattern):
                segments = [*chain, entry.pattern]
                name = entry.name or "".join(str(s) for s in segments)
                yield ":".join([*namespaces, name]), entry, segments

    return list(walk(get_resolver(), [], []))


def param_names() -> list[str]:
    found = set()
    for source in SOURCE.rglob("*.py"):
        found |= set(re.findall(r"\b(?:GET|POST|data)(?:\.get\(|\[)\"(\w+)\"", source.read_text()))
    return sorted(found | WAGTAIL_PARAMS | NINJA_PARAMS)


CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")


def fill_route(route: str, values: dict[str, str], real: dict | None) -> str:
    def value(match):
        kind, name = match["kind"] or "str", match["name"]
        if real is not None:
            return str(real.get(REAL_BY_NAME.get(name), values[kind if kind in values else "str"]))
        return values[kind if kind in values else "str"]

    return CONVERTER.sub(value, route)


def paths_for(segments, real: dict) -> list[str] | None:
    """Concrete paths: the real variant first, then each junk one; None when a regex segment
    has no samples."""
    variants: list[str] = []
    for index, junk in enumerate([None, *JUNK_PATH]):
        parts = []
        for segment in segments:
            if isinstance(segment, RoutePattern):
                parts.append(
                    fill_route(str(segment), junk or UNNAMED, real if junk is None else None)
                )
            elif isinstance(segment, RegexPattern):
                regex = segment.regex.pattern
                literal = regex.lstrip("^").rstrip("$")
                if not re.search(r"[()\\\[\].*+?|]", literal):
                    parts.append(literal)
                    continue
                samples = REGEX_SAMPLES.get(regex)
                if samples is None:
                    return None
                parts.append(samples[index % len(samples)].format(**real))
        variants.append("/" + "".join(parts))
    return list(dict.fromkeys(variants))


@pytest.fixture
def world(site, django_user_model):
    from physiofit.booking import services
    from physiofit.booking.tokens import manage_link_create
    from tests.booking.conftest import bend
    from tests.factories import build_booking, patient_details

    booking = build_booking()
    appointment = services.appointment_book(
        service=booking["evaluation"],
        practitioner=booking["alex"],
        start=bend(2026, 12, 2, 10),
        patient=patient_details(),
        now=NOW,
    )
    user = django_user_model.objects.create_superuser("guard", "guard@example.com", "pw")
    return {
        "appointment": appointment.pk,
        "page": site["home"].pk,
        "user": user.pk,
        "service": "initial-evaluation",
        "practitioner": "alex",
        "token": manage_link_create(appointment=appointment),
        "document": 1,
        "app_label": "booking",
        "model_name": "bookingpolicy",
        "superuser": user,
    }


def is_ours(pattern) -> bool:
    return getattr(pattern.callback, "__module__", "").startswith("physiofit.")


def _signed_out(response) -> bool:
    """A redirect to sign in: the view never ran, so other values cannot reach it either."""
    return response.status_code in (301, 302) and "login" in response.get("Location", "")


def requests_for(pattern, paths, *, signed_in: bool) -> list[tuple[str, str, str]]:
    """(method, path, raw value) calls: the real path gets every variant for the project's
    views, the harshest for third-party ones; each junk path gets the harshest GET. A public
    page reads its values the same for staff, so staff get the short list there."""
    ours = is_ours(pattern) and (paths[0].startswith("/admin/") or not signed_in)
    real, *junk = paths if ours else paths[:2]
    queries = QUERY_VARIANTS if ours else QUERY_VARIANTS[:1]
    posts = POST_VARIANTS if ours else POST_VARIANTS[:1]
    return (
        [("get", real, q) for q in queries]
        + [("post", real, v) for v in posts]
        + [("get", path, GARBAGE) for path in junk]
    )


def call(client, method: str, path: str, value: str, names: list[str]):
    query = "&".join(f"{name}={value}" for name in names)
    if method == "get":
        return client.get(f"{path}?{query}")
    return client.post(path, query, content_type="application/x-www-form-urlencoded")


def test_no_url_answers_5xx_to_extreme_or_malformed_values(world, client, settings):
    settings.BOOKING_RATE_LIMIT = 1_000_000
    client.raise_request_exception = False
    names = param_names()
    failures, unfilled, third_party_seen, calls = [], [], set(), 0
    patterns = leaf_patterns()
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        for name, pattern, segments in patterns:
            if name in UNREACHABLE:
                continue
            paths = paths_for(segments, world)
            if paths is None:
                unfilled.append(name)
                continue
            # Each pattern's writes are undone: a POST to a delete view with a real id must
            # not take the site, or the superuser, away from the patterns after it.
            with transaction.atomic():
                for signed_in in (False, True):
                    client.logout()
                    if signed_in:
                        login_staff(client, world["superuser"])
                    for method, path, value in requests_for(pattern, paths, signed_in=signed_in):
                        response = call(client, method, path, value, names)
                        calls += 1
                        if response.status_code >= 500:
                            if name in EXPECTED_5XX or name in THIRD_PARTY_5XX:
                                third_party_seen.add(name)
                            else:
                                who = "superuser" if signed_in else "anonymous"
                                failures.append(
                                    f"{response.status_code} {method.upper()} {path[:100]} "
                                    f"[{name}] {who} value={value[:30]}"
                                )
                        if _signed_out(response):
                            if not signed_in:
                                break  # the view never ran: no value can reach it
                            login_staff(client, world["superuser"])  # it was "log out"
                transaction.set_rollback(True)
    assert not unfilled, f"add samples to REGEX_SAMPLES for: {unfilled}"
    assert not failures, f"{len(failures)} of {calls} calls answered 5xx:\n" + "\n".join(failures)
    # An exemption that no longer fails is removed, so it cannot hide a new failure.
    assert set(THIRD_PARTY_5XX) <= third_party_seen, set(THIRD_PARTY_5XX) - third_party_seen
    assert calls > 1000, calls


def test_every_exemption_names_a_real_pattern():
    named = {name for name, _, _ in leaf_patterns()}
    assert set(FRAGILE_THIRD_PARTY_VIEWS) <= named
    assert set(UNREACHABLE) <= named
    assert set(EXPECTED_5XX) <= named
    assert set(THIRD_PARTY_5XX) <= named
    regexes = {
        s.regex.pattern
        for _, _, segments in leaf_patterns()
        for s in segments
        if isinstance(s, RegexPattern)
    }
    assert set(REGEX_SAMPLES) <= regexes
