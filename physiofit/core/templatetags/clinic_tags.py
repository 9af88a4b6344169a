import json

from django import template
from django.utils.safestring import mark_safe
from wagtail.models import Page, Site

from physiofit.core.jsonld import clinic_jsonld as build_clinic_jsonld

register = template.Library()

# Characters that could end the <script> element or open a comment inside it.
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def json_ld(data: dict) -> str:
    """Render a dict as a JSON-LD script element that no page content can break out of."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(
        _JSON_SCRIPT_ESCAPES
    )
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308


@register.simple_tag(takes_context=True)
def site_url(context) -> str:
    """Scheme and host of the current request, without a trailing slash."""
    request = context["request"]
    return f"{request.scheme}://{request.get_host()}"


@register.simple_tag
def clinic_jsonld(clinic, base_url: str) -> dict:
    return build_clinic_jsonld(clinic, base_url)


def _per_request(context, key: str, build):
    """Compute a value once per request: header and footer ask for the same pages."""
    request = context["request"]
    memo = request.__dict__.setdefault("_clinic_tags_memo", {})
    if key not in memo:
        memo[key] = build()
    return memo[key]


def _home(request) -> Page | None:
    site = Site.find_for_request(request)
    return site.root_page if site else None


@register.simple_tag(takes_context=True)
def menu_items(context) -> list[dict]:
    """Live pages under home marked "show in menus", each flagged when the visitor is inside it."""
    home = _home(context["request"])
    if home is None:
        return []
    current = context.get("page")
    current_path = current.url_path if isinstance(current, Page) else ""
    pages = _per_request(
        context, "menu", lambda: list(home.get_children().live().public().in_menu())
    )
    return [{"page": item, "active": current_path.startswith(item.url_path)} for item in pages]


@register.simple_tag(takes_context=True)
def footer_pages(context):
    """Standard pages kept out of the main menu: privacy notice, disclaimer."""
    from django.apps import apps

    # By label: core sits below the site's page types and does not import them.
    StandardPage = apps.get_model("website", "StandardPage")
    return _per_request(
        context,
        "footer_pages",
        lambda: list(
            StandardPage.objects.live().public().filter(show_in_menus=False).order_by("title")
        ),
    )


@register.simple_tag(takes_context=True)
def page_of_type(context, model_label: str):
    """The first live page of a type, e.g. {% page_of_type "website.contactpage" as contact %}."""
    from django.apps import apps

    return _per_request(
        context,
        f"page_of_type:{model_label}",
        lambda: apps.get_model(model_label).objects.live().public().first(),
    )


@register.simple_tag
def absolute_url(name: str) -> str:
    """The full address of a named page, for emails (which have no request)."""
    from django.conf import settings
    from django.urls import reverse

    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(name)
