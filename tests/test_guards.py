"""Whole-site guards: migrations, one <h1> per public page, parseable sitemap, feeds, JSON-LD."""

import json
import re
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from django.core.management import call_command

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
EXTRA_PUBLIC_URLS = [
    "/search/",
    "/search/?query=back",
    "/blog/feed/rss/",
    "/blog/feed/atom/",
    "/robots.txt",
    "/sitemap.xml",
]


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.h1_count = 0
        self.jsonld: list[str] = []
        self._in_jsonld = False

    def handle_starttag(self, tag, attrs):
        if tag == "h1":
            self.h1_count += 1
        if tag == "script" and dict(attrs).get("type") == "application/ld+json":
            self._in_jsonld = True
            self.jsonld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_jsonld = False

    def handle_data(self, data):
        if self._in_jsonld:
            self.jsonld[-1] += data


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


@pytest.mark.django_db
def test_no_pending_migrations():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def sitemap_paths(client) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    tree = ElementTree.fromstring(response.content)
    return [urlsplit(loc.text).path for loc in tree.iter(f"{SITEMAP}loc")]


def test_sitemap_lists_every_live_page_and_tag_archive(site, client):
    paths = sitemap_paths(client)
    for expected in [
        "/",
        "/back-pain-relief/",
        "/blog/",
        "/blog/first-post/",
        "/contact/",
        "/privacy/",
        "/blog/tags/sciatica/",
        "/blog/tags/back-pain/",
    ]:
        assert expected in paths


def test_every_public_page_renders_with_exactly_one_h1(site, client):
    for path in [
        *sitemap_paths(client),
        "/search/",
        "/search/?query=back",
        "/no-such-page/",
        "/book/",
        "/portal/",
    ]:
        response = client.get(path)
        assert response.status_code in {200, 404}, path
        assert response.status_code == 200 or path == "/no-such-page/"
        assert parse(response.content.decode()).h1_count == 1, path


def test_every_public_url_answers_200(site, client):
    for path in EXTRA_PUBLIC_URLS:
        assert client.get(path).status_code == 200, path


def test_clinic_jsonld_on_every_page_carries_phone_address_and_hours(site, client):
    for path in sitemap_paths(client):
        blocks = [json.loads(b) for b in parse(client.get(path).content.decode()).jsonld]
        clinic = next(b for b in blocks if b["@type"] == "Physiotherapy")
        assert clinic["telephone"] == "(541) 555-0100"
        assert clinic["email"] == "clinic@example.com"
        assert clinic["address"]["streetAddress"] == "1 Main St"
        assert clinic["address"]["postalCode"] == "97701"
        days = [spec["dayOfWeek"].rsplit("/", 1)[1] for spec in clinic["openingHoursSpecification"]]
        assert days == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
        assert {(s["opens"], s["closes"]) for s in clinic["openingHoursSpecification"]} == {
            ("07:00", "19:00")
        }


def test_posts_carry_blogposting_and_conditions_medicalwebpage(site, client):
    post = [json.loads(b) for b in parse(client.get("/blog/first-post/").content.decode()).jsonld]
    posting = next(b for b in post if b["@type"] == "BlogPosting")
    assert posting["datePublished"] == "2025-04-08"
    assert posting["author"]["name"] == "Dana Example"
    assert "sciatica" in posting["keywords"]
    condition = [
        json.loads(b) for b in parse(client.get("/back-pain-relief/").content.decode()).jsonld
    ]
    medical = next(b for b in condition if b["@type"] == "MedicalWebPage")
    assert medical["about"]["name"] == "Back pain"


def test_jsonld_cannot_be_broken_out_of_by_page_content(site, client):
    post = site["post"]
    post.title = "</script><script>alert(1)</script>"
    post.save_revision().publish()
    html = client.get(post.url).content.decode()
    assert "<script>alert(1)</script>" not in html
    blocks = [json.loads(b) for b in parse(html).jsonld]
    assert any(b.get("headline") == "</script><script>alert(1)</script>" for b in blocks)


def test_pages_have_seo_and_open_graph_tags(site, client):
    html = client.get("/back-pain-relief/").content.decode()
    assert '<link rel="canonical" href="http://testserver/back-pain-relief/">' in html
    assert re.search(r'<meta property="og:title" content="Back Pain Relief">', html)
    assert '<meta property="og:url" content="http://testserver/back-pain-relief/">' in html
    assert '<meta name="description"' in html
    post_html = client.get("/blog/first-post/").content.decode()
    assert '<meta property="og:type" content="article">' in post_html


def test_public_pages_send_a_strict_content_security_policy(site, client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
