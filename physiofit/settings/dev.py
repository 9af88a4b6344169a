"""Local development: `make run`. Debug on, loopback only, mail printed unless EMAIL_URL is set."""

import os

from .base import *

DEBUG = True
SECRET_KEY = os.environ.get(
    "SECRET_KEY", "dev-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
)
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
WAGTAILADMIN_BASE_URL = os.environ.get(
    "WAGTAILADMIN_BASE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
