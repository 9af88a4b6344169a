"""Video links on exercises: YouTube and Vimeo only, embedded from their no-tracking players."""

import re
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ValidationError

YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
VIMEO_ID = re.compile(r"^[0-9]{4,12}$")
# The hosts the Content-Security-Policy lets the portal frame (settings: frame-src).
EMBED_HOSTS = ("https://www.youtube-nocookie.com", "https://player.vimeo.com")


def embed_url(url: str) -> str | None:
    """The privacy-enhanced player address for a YouTube or Vimeo link, or None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    segments = [s for s in parts.path.split("/") if s]
    video_id = None
    if host == "youtu.be" and segments:
        video_id = segments[0]
    elif host in ("youtube.com", "youtube-nocookie.com"):
        if segments[:1] == ["watch"]:
            video_id = (parse_qs(parts.query).get("v") or [None])[0]
        elif len(segments) >= 2 and segments[0] in ("embed", "shorts", "live"):
            video_id = segments[1]
    elif host in ("vimeo.com", "player.vimeo.com"):
        numbers = [s for s in segments if VIMEO_ID.match(s)]
        if numbers:
            return f"{EMBED_HOSTS[1]}/video/{numbers[0]}?dnt=1"
        return None
    if video_id and YOUTUBE_ID.match(video_id):
        return f"{EMBED_HOSTS[0]}/embed/{video_id}"
    return None


def validate_video_url(url: str) -> None:
    if url and embed_url(url) is None:
        raise ValidationError(
            "Use a YouTube or Vimeo video link (for example https://youtu.be/…), or upload the "
            "video file instead."
        )
