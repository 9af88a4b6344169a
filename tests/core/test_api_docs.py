"""/api/v1/docs: Swagger UI from our own static files, under the site's normal CSP."""

import re


def test_the_docs_page_is_served_under_the_content_security_policy(db, client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_the_docs_page_loads_nothing_from_another_origin(db, client):
    html = client.get("/api/v1/docs").content.decode()
    assert "cdn." not in html
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", html)


def test_every_script_and_stylesheet_of_the_docs_page_is_served(db, client):
    html = client.get("/api/v1/docs").content.decode()
    assets = re.findall(r"""(?:src|href)=["'](/static/[^"']+)["']""", html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        b"".join(response.streaming_content if response.streaming else [response.content])


def test_the_docs_page_runs_no_inline_script(db, client):
    html = client.get("/api/v1/docs").content.decode()
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        # The settings block is JSON data, which a browser does not run.
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
        assert "src=" not in attributes or not body.strip()
