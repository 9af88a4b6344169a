"""Fixed-window rate limits per visitor, counted in the cache under a salted address hash."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _visitor(request) -> str:
    # Only a salted hash of the address is kept, and only in the cache, for the window.
    address = request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(f"{settings.SECRET_KEY}|{address}".encode()).hexdigest()[:32]


def over_limit(request, *, scope: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt; True once the visitor has made more than `limit` in the window."""
    key = f"rate:{scope}:{_visitor(request)}"
    cache.add(key, 0, window_seconds)
    try:
        return cache.incr(key) > limit
    except ValueError:  # the entry expired between add and incr: this is the first attempt
        cache.set(key, 1, window_seconds)
        return False
