import re

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from wagtail.models import Page

MAX_QUERY_LENGTH = 200


def search_terms(query: str) -> str:
    """Words only: quotes, operators and control characters mean something to the full-text
    engines (SQLite FTS5 rejects an unbalanced quote) and nothing to a visitor."""
    return " ".join(re.findall(r"\w+", query))


@require_GET
def search(request):
    """Full-text search over live public pages and posts (PostgreSQL full-text on PostgreSQL)."""
    query = request.GET.get("query", "").strip()
    status = 200
    error = ""
    results = None
    if len(query) > MAX_QUERY_LENGTH:
        error = f"Please shorten your search to {MAX_QUERY_LENGTH} characters or fewer."
        status = 400
    elif query:
        terms = search_terms(query)
        pages = Page.objects.live().public().specific().search(terms) if terms else []
        results = Paginator(pages, 10).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "website/search.html",
        {"query": query, "results": results, "error": error},
        status=status,
    )


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        f"Sitemap: {request.scheme}://{request.get_host()}/sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
