import pytest
from django.core.cache import cache
from django.core.servers.basehttp import WSGIServer

# The live server backs the race tests' 50 simultaneous connections: Django's default listen
# backlog of 10 would reset the rest before the application ever saw them.
WSGIServer.request_queue_size = 128

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Playwright cannot download browsers here: drive Debian's Chromium.
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(autouse=True)
def _clear_cache():
    """Page cache and rate-limit counters must not leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site(db):
    from tests.factories import build_site

    return build_site()
