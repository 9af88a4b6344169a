import pytest

from physiofit.core import errors

pytestmark = pytest.mark.urls("tests.core.error_urls")


@pytest.fixture
def visitor(client):
    client.raise_request_exception = False
    return client


def test_a_mistyped_address_gets_the_sites_404_with_the_phone(site, visitor):
    response = visitor.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in body
    assert "(541) 555-0100" in body
    assert "URLconf" not in body


def test_a_failure_gets_the_sites_500_in_its_design_and_no_detail(site, visitor):
    response = visitor.get("/broken/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert 'class="site-footer"' in body
    assert "(541) 555-0100" in body
    assert "jane@example.com" not in body
    assert "Traceback" not in body


def test_an_unreachable_database_is_a_503_asking_to_try_again(site, visitor):
    visitor.get("/")  # the process has read the clinic's phone once
    response = visitor.get("/database-gone/")
    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
    assert "We will be right back" in body
    assert "(541) 555-0100" in body
    assert "127.0.0.1" not in body


def test_a_process_started_during_an_outage_finds_the_phone_in_the_shared_cache(
    site, visitor, monkeypatch
):
    visitor.get("/")
    monkeypatch.setattr(errors, "_last_known_clinic", {})
    response = visitor.get("/database-gone/")
    assert "(541) 555-0100" in response.content.decode()


def test_an_unreachable_database_on_the_api_is_a_json_503(site, visitor):
    response = visitor.get("/api/v1/broken/")
    assert response.status_code == 503
    assert response.json()["error"] == "service_unavailable"
    assert "try again in a minute" in response.json()["message"]


def test_every_request_is_a_503_while_the_database_is_down(site, visitor, monkeypatch):
    """The first query of a request is in middleware (the clinic's settings), not in a view."""
    from django.db import OperationalError
    from wagtail.models import Site

    def unreachable(request):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(Site, "find_for_request", unreachable)
    for path in ("/back-pain-relief/", "/book/", "/api/v1/services"):
        response = visitor.get(path)
        assert response.status_code == 503, path


def test_the_500_page_falls_back_to_a_plain_page_when_the_design_cannot_render(
    site, visitor, monkeypatch
):
    from django.template import loader

    real = loader.render_to_string

    def failing(name, *args, **kwargs):
        if name == "500.html":
            raise RuntimeError("header menu failed")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(errors, "render_to_string", failing)
    response = visitor.get("/broken/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
