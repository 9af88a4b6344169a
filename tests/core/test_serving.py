"""What `make run` serves with DEBUG off: media, HEAD answers, previews, the API docs' assets."""

import pytest
from django.conf import settings
from django.http import HttpResponse
from wagtail.models import Page

from physiofit.core.middleware import HeadWithoutBodyMiddleware


@pytest.fixture
def media_files():
    root = settings.MEDIA_ROOT
    made = [root / "images" / "test-photo.png", root / "documents" / "private-letter.txt"]
    for path in made:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"file body")
    yield
    for path in made:
        path.unlink()


@pytest.mark.urls("tests.core.media_urls")
def test_images_are_served_but_document_files_never_are(site, client, media_files):
    assert client.get("/media/images/test-photo.png").status_code == 200
    # A document in a private collection is only reachable through /documents/<id>/<name>.
    assert client.get("/media/documents/private-letter.txt").status_code == 404
    assert client.get("/media/../secret_key").status_code == 404
    assert client.get("/media/images/../../secret_key").status_code == 404
    assert client.get("/media/images/%2e%2e/%2e%2e/secret_key").status_code == 404


def test_head_answers_carry_the_length_but_no_body(rf):
    middleware = HeadWithoutBodyMiddleware(lambda request: HttpResponse(b"twelve bytes"))
    head = middleware(rf.head("/"))
    assert head.content == b""
    assert head["Content-Length"] == "12"
    assert middleware(rf.get("/")).content == b"twelve bytes"


def test_the_live_preview_may_be_framed_by_the_editor_and_public_pages_by_no_one(site, client):
    public = client.get("/")
    assert "frame-ancestors 'none'" in public["Content-Security-Policy"]
    preview = site["home"].make_preview_request()
    assert preview.status_code == 200
    assert "frame-ancestors 'self'" in preview["Content-Security-Policy"]


def test_a_blog_post_with_tags_can_be_previewed(site):
    post = Page.objects.get(pk=site["post"].pk).specific
    post.tags.add("sciatica")
    post.save_revision()
    draft = post.get_latest_revision_as_object()
    assert draft.make_preview_request().status_code == 200


def test_browsers_asking_for_favicon_ico_get_the_icon(db, client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("img/favicon.svg")


@pytest.mark.django_db
def test_api_docs_load_their_assets_from_the_site_not_a_cdn(client):
    body = client.get("/api/v1/docs").content.decode()
    assert "cdn.jsdelivr.net" not in body
    assert "/static/ninja/" in body


def test_a_preview_shows_the_draft_even_when_the_published_page_is_cached(site, client):
    assert client.get("/").status_code == 200  # now in the page cache
    home = Page.objects.get(pk=site["home"].pk).specific
    home.hero_heading = "A draft heading nobody has published"
    home.save_revision()
    draft = home.get_latest_revision_as_object()
    assert "A draft heading nobody has published" in draft.make_preview_request().content.decode()
    assert "A draft heading" not in client.get("/").content.decode()
