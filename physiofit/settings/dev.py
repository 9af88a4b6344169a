"""`make dev`: Django's development server with autoreload and DEBUG on, for changing the code.
Loopback only; mail printed unless EMAIL_URL is set; the secret key is made once in var/."""

import os

from .base import *
from .env import secret_key

DEBUG = True
SECRET_KEY = secret_key(VAR_DIR)
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
WAGTAILADMIN_BASE_URL = os.environ.get(
    "WAGTAILADMIN_BASE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
)
SERVE_MEDIA = True
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
