"""Swagger UI at /api/v1/docs renders in Chromium under the site's CSP, with no violation."""

import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_with_no_csp_violation(live_server, page):
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    # Requests outside the live server would mean a CDN is still in use.
    page.on(
        "request",
        lambda r: (
            r.url.startswith(("http", "ws"))
            and not r.url.startswith(live_server.url)
            and problems.append(f"external request: {r.url}")
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    response = page.goto(live_server.url + "/api/v1/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("PhysioFit booking API")
    # Opening an operation draws its parameters and example body: more of the UI's code runs.
    page.locator(".opblock-summary", has_text="/api/v1/appointments").click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "api-docs-1280.png", full_page=False)
    assert problems == []
