"""Fixed-window rate limits per visitor, counted in the cache under a salted hash, and the one
way the site (and django-axes) tells visitors apart: their address, behind trusted proxies."""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from ipware import get_client_ip


def client_address(request) -> str:
    """The visitor's address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT = N proxies in front, the
    entry N hops from the right of X-Forwarded-For (each proxy appends the address it saw).

    Entries further left are whatever the client sent and are never used, so a forged header
    cannot pick someone else's address. A request whose header is shorter than N did not come
    through every proxy (a probe on the machine itself): it is counted by REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote
    # python-ipware counts the proxies *listed* in the header: the nearest proxy is
    # REMOTE_ADDR and not in it, hence N - 1. Not strict: a client's garbage to the left of the
    # trusted entries is skipped instead of discarding the whole header.
    address, _ = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=proxies - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    return address or remote


def _hashed(value: str) -> str:
    # Only a salted hash of the address (or email) is kept, and only in the cache, for the window.
    return hashlib.sha256(f"{settings.SECRET_KEY}|{value}".encode()).hexdigest()[:32]


def over_limit(request, *, scope: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt by this visitor; True once they have made more than `limit`."""
    return over_limit_for(
        client_address(request), scope=scope, limit=limit, window_seconds=window_seconds
    )


def over_limit_for(identity: str, *, scope: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt by `identity` (an address, an email); True once it has made more than
    `limit` in the window that began at its first attempt. A refused attempt is not counted
    and moves nothing: the window ends `window_seconds` after the first attempt, however often
    the visitor retries."""
    key = f"rate:{scope}:{_hashed(identity)}"
    now = time.time()
    # The window's end is written once, by the first attempt, and only read afterwards. The
    # count lives under a key named after that end, so no backend's incr (the file cache's
    # re-sets the entry with the default timeout) can stretch or shorten the window.
    cache.add(f"{key}:ends", now + window_seconds, window_seconds)
    ends = cache.get(f"{key}:ends")
    if ends is None or ends <= now:  # gone, or at its last instant (backends differ on which)
        ends = now + window_seconds
        cache.set(f"{key}:ends", ends, window_seconds)
    remaining = max(1, math.ceil(ends - now))
    counter = f"{key}:{ends:.3f}"
    if cache.get(counter, 0) >= limit:
        return True
    if cache.add(counter, 1, remaining):
        return limit < 1
    try:
        count = cache.incr(counter)
    except ValueError:  # the count expired between add and incr: the window just ended
        cache.set(counter, 1, remaining)
        return limit < 1
    cache.touch(counter, remaining)
    return count > limit
