"""`make run`: one machine serving the clinic as production does (gunicorn, DEBUG off, static
files collected and served by WhiteNoise, the task worker beside it), over plain HTTP on
loopback. The secret key is made once in var/ unless SECRET_KEY is set; SQLite unless
DATABASE_URL is set. Behind a public TLS proxy, use physiofit.settings.production instead."""

import os

from .base import *
from .env import secret_key

DEBUG = False
SECRET_KEY = secret_key(VAR_DIR)
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
WAGTAILADMIN_BASE_URL = os.environ.get(
    "WAGTAILADMIN_BASE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
)
# Uploaded images and documents: no proxy in front to serve them.
SERVE_MEDIA = True
