from wagtail.models import Page

from physiofit.blog.models import BlogIndexPage, BlogPage
from physiofit.website.models import ConditionPage, ContactPage, HomePage, StandardPage


def test_page_creation_rules(site):
    root = Page.get_first_root_node()
    home, blog = site["home"], site["blog"]
    assert HomePage.can_create_at(root) is False  # one home page per installation
    assert ConditionPage.can_create_at(home)
    assert StandardPage.can_create_at(home)
    assert BlogIndexPage.can_create_at(home)
    assert ContactPage.can_create_at(home) is False  # already has one
    assert BlogPage.can_create_at(blog)
    assert not BlogPage.can_create_at(home)
    assert not ConditionPage.can_create_at(blog)
    assert not ConditionPage.can_create_at(site["condition"])


def test_home_page_shows_cta_featured_conditions_and_latest_posts(site, client):
    content = client.get("/").content.decode()
    assert "Welcome to Testclinic" in content
    assert 'class="button button-large" href="/book/"' in content
    assert "Back Pain Relief" in content
    assert "First post" in content


def test_home_cta_follows_the_page_an_editor_chooses(site, client):
    home = site["home"]
    home.cta_page = site["privacy"]
    home.save_revision().publish()
    assert 'class="button button-large" href="/privacy/"' in client.get("/").content.decode()


def test_condition_page_renders_structured_sections(site, client):
    content = client.get("/back-pain-relief/").content.decode()
    for text in (
        "Acute",
        "Inflammatory conditions",
        "Ankylosing spondylitis",
        "Lift safely",
        "Morning stiffness",
        "General education only.",
        "Book an evaluation",
    ):
        assert text in content


def test_second_condition_page_needs_no_code(site, client):
    page = ConditionPage(
        title="Neck Pain",
        slug="neck-pain",
        condition_name="Neck pain",
        lead="Neck.",
        summary="Neck pain.",
        intro="<p>About necks.</p>",
        disclaimer="<p>Education.</p>",
        symptoms=[{"type": "symptom", "value": "Stiff neck"}],
    )
    site["home"].add_child(instance=page)
    page.save_revision().publish()
    response = client.get("/neck-pain/")
    assert response.status_code == 200
    assert "Stiff neck" in response.content.decode()


def test_footer_carries_clinic_contact_links(site, client):
    content = client.get("/privacy/").content.decode()
    assert 'href="tel:5415550100"' in content
    assert 'href="mailto:clinic@example.com"' in content
    assert "openstreetmap.org/search?query=" in content
    assert "Mon – Fri" in content


def test_search_finds_pages_and_posts(site, client):
    response = client.get("/search/", {"query": "Back pain"})
    assert response.status_code == 200
    assert "Back Pain Relief" in response.content.decode()


def test_search_with_no_query_shows_the_form(site, client):
    response = client.get("/search/")
    assert response.status_code == 200
    assert 'name="query"' in response.content.decode()


def test_search_refuses_an_overlong_query_with_a_message(site, client):
    response = client.get("/search/", {"query": "x" * 201})
    assert response.status_code == 400
    assert "200 characters or fewer" in response.content.decode()


def test_search_survives_hostile_input(site, client):
    for query in ["<script>alert(1)</script>", "' OR 1=1 --", "\x00", "%%%", "a" * 200]:
        response = client.get("/search/", {"query": query, "page": "-1"})
        assert response.status_code in {200, 400}
        assert "<script>alert(1)</script>" not in response.content.decode()


def test_robots_txt_points_to_the_sitemap(site, client):
    content = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in content
    assert "Disallow: /admin/" in content


def test_unknown_page_is_a_friendly_404(site, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
