"""Whole-page cache for anonymous visitors, invalidated on publish and on clinic changes.

Every cached page carries the footer's "Open now" line, so a page is never kept past the next
opening or closing time: the context processor records that moment on the request and this
middleware caps the entry's lifetime at it.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse

GENERATION_KEY = "pagecache:generation"
SKIP_PREFIXES = (
    "/admin/",
    "/api/",
    "/book/",
    "/appointments/",
    "/waitlist/",
    "/calendar/",
    "/static/",
    "/media/",
    "/documents/",
)
CACHEABLE_TYPES = ("text/html", "application/rss+xml", "application/atom+xml", "application/xml")


def generation() -> int:
    # A timestamp, not a counter: if the key is evicted, the new value can never match an old one.
    return cache.get_or_set(GENERATION_KEY, time.time_ns, timeout=None)


def invalidate_pages(**_kwargs) -> None:
    cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def page_key(request: HttpRequest) -> str:
    digest = hashlib.sha256(
        f"{request.get_host()}|{request.get_full_path()}".encode(errors="replace")
    ).hexdigest()
    return f"pagecache:{generation()}:{digest}"


def limit_page_cache(request: HttpRequest, seconds: int | None) -> None:
    """Ask that the page being rendered be cached for at most `seconds`."""
    if seconds is None:
        return
    current = getattr(request, "page_cache_seconds", None)
    request.page_cache_seconds = seconds if current is None else min(current, seconds)


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self._cacheable_request(request):
            return self.get_response(request)
        key = page_key(request)
        entry = cache.get(key)
        if entry is not None:
            response = HttpResponse(entry["content"], status=200)
            for header, value in entry["headers"]:
                response[header] = value
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if self._cacheable_response(request, response):
            seconds = min(
                settings.PAGE_CACHE_SECONDS,
                getattr(request, "page_cache_seconds", settings.PAGE_CACHE_SECONDS),
            )
            entry = {"content": response.content, "headers": list(response.items())}
            cache.set(key, entry, timeout=seconds)
            response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def _cacheable_request(request: HttpRequest) -> bool:
        return (
            request.method == "GET"
            # Wagtail's previews run the page through the middleware as a "dummy" request: the
            # editor must see the draft, never the published page's cached copy.
            and not getattr(request, "is_dummy", False)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path_info.startswith(SKIP_PREFIXES)
        )

    @staticmethod
    def _cacheable_response(request: HttpRequest, response: HttpResponse) -> bool:
        cache_control = response.get("Cache-Control", "")
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and "private" not in cache_control
            and "no-store" not in cache_control
            and response.get("Content-Type", "").startswith(CACHEABLE_TYPES)
        )


def connect_invalidation_signals() -> None:
    """Publishing, unpublishing, moving or deleting a page, or changing any model registered with
    `invalidate_on_change`, makes every cached page stale at once."""
    from wagtail.signals import page_published, page_unpublished, post_page_move

    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(invalidate_pages, dispatch_uid=f"pagecache-{id(signal)}")


def invalidate_on_change(*models) -> None:
    for model in models:
        post_save.connect(invalidate_pages, sender=model, dispatch_uid=f"pagecache-save-{model}")
        post_delete.connect(invalidate_pages, sender=model, dispatch_uid=f"pagecache-del-{model}")
