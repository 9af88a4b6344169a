"""Rate limits: who a visitor is behind proxies, and a window that retrying cannot stretch."""

import time

import pytest
from django.core.cache import caches
from django.test import RequestFactory, override_settings

from physiofit.core.ratelimit import client_address, over_limit_for


def request(remote="10.0.0.1", forwarded=None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_trusted_proxies_the_header_is_ignored():
    assert client_address(request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.9", "203.0.113.9"),
        # Whatever the client wrote to the left of what the proxy appended is not trusted.
        ("1.2.3.4, 203.0.113.9", "203.0.113.9"),
        ("not-an-address, 203.0.113.9", "203.0.113.9"),
        ("2001:db8::7", "2001:db8::7"),
        # A visitor on the clinic's own network has a private address: still theirs.
        ("192.168.1.20", "192.168.1.20"),
    ],
)
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_one_proxy_the_rightmost_forwarded_address_is_the_visitor(forwarded, expected):
    assert client_address(request("10.0.0.1", forwarded)) == expected


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_two_proxies_the_second_address_from_the_right():
    forged = "1.2.3.4, 198.51.100.7, 10.0.0.2"
    assert client_address(request("10.0.0.1", forged)) == "198.51.100.7"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_a_request_that_skipped_a_proxy_counts_by_its_socket_address():
    assert client_address(request("10.0.0.1", "198.51.100.7")) == "10.0.0.1"
    assert client_address(request("127.0.0.1")) == "127.0.0.1"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_axes_keys_on_the_same_address():
    from axes.helpers import get_client_ip_address

    assert get_client_ip_address(request("10.0.0.1", "6.6.6.6, 203.0.113.9")) == "203.0.113.9"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_one_visitor_over_the_limit_does_not_lock_out_the_next(site, client):
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(5):
        client.post("/portal/", {"email": "a@example.com"}, **proxy, HTTP_X_FORWARDED_FOR="1.1.1.1")
    refused = client.post(
        "/portal/", {"email": "a@example.com"}, **proxy, HTTP_X_FORWARDED_FOR="1.1.1.1"
    )
    assert refused.status_code == 429
    other = client.post(
        "/portal/", {"email": "b@example.com"}, **proxy, HTTP_X_FORWARDED_FOR="2.2.2.2"
    )
    assert other.status_code == 200


def test_trusted_proxy_count_must_be_a_whole_number(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from physiofit.settings.env import env_count

    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "one")
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXY_COUNT"):
        env_count("TRUSTED_PROXY_COUNT")
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "-1")
    with pytest.raises(ImproperlyConfigured):
        env_count("TRUSTED_PROXY_COUNT")
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", " 2 ")
    assert env_count("TRUSTED_PROXY_COUNT") == 2
    monkeypatch.delenv("TRUSTED_PROXY_COUNT")
    assert env_count("TRUSTED_PROXY_COUNT") == 0


class Clock:
    """time.time() under the test's control: the limiter and the cache's expiry both read it."""

    def __init__(self):
        self.now = 1_700_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture(params=["file", "locmem"])
def clock(request, monkeypatch, tmp_path):
    # The file cache is what one machine runs (no REDIS_URL); its incr re-writes the entry.
    backends = {
        "file": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path),
        },
        "locmem": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ratelimit-clock",
        },
    }
    fake = Clock()
    with override_settings(CACHES={"default": backends[request.param]}):
        # django.core.cache.cache proxies caches["default"], which the override resets.
        caches["default"].clear()
        monkeypatch.setattr(time, "time", fake)
        yield fake
        monkeypatch.undo()
        caches["default"].clear()


def attempt(clock, at):
    clock.now = 1_700_000_000.0 + at
    return over_limit_for("198.51.100.7", scope="test", limit=2, window_seconds=600)


def test_the_window_starts_at_the_first_attempt_and_ends_on_time(clock):
    assert [attempt(clock, t) for t in (0, 1, 2)] == [False, False, True]
    assert attempt(clock, 599) is True
    assert attempt(clock, 600) is False


def test_retrying_while_refused_does_not_extend_the_window(clock):
    assert [attempt(clock, t) for t in (0, 100)] == [False, False]
    # A patient who keeps trying every minute for the rest of the window…
    assert all(attempt(clock, t) for t in range(110, 600, 60))
    # …is let in as soon as the ten minutes since the first attempt are over.
    assert attempt(clock, 601) is False
    assert attempt(clock, 602) is False
    assert attempt(clock, 603) is True


def test_accepted_attempts_do_not_slide_the_window(clock):
    assert attempt(clock, 0) is False
    assert attempt(clock, 590) is False
    assert attempt(clock, 595) is True
    assert attempt(clock, 600) is False


def test_a_count_longer_than_the_cache_default_timeout_survives(clock):
    # The file cache's incr re-writes the entry with the default timeout (300 s): the count
    # must still cover the whole hour.
    def hourly(at):
        clock.now = 1_700_000_000.0 + at
        return over_limit_for("x", scope="hourly", limit=2, window_seconds=3600)

    assert [hourly(0), hourly(400), hourly(1000), hourly(3599)] == [False, False, True, True]
    assert hourly(3600) is False
