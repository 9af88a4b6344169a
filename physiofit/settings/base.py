"""Settings shared by every environment. Secrets never live here."""

import os
from pathlib import Path

from .env import (
    cache_config,
    database_config,
    email_config,
    env_bool,
    env_count,
    env_list,
    sms_config,
    var_dir,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PROJECT_DIR = BASE_DIR / "physiofit"
VAR_DIR = var_dir(BASE_DIR)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "physiofit.core",
    "physiofit.website",
    "physiofit.blog",
    "physiofit.booking",
    "physiofit.intake",
    "physiofit.exercises",
    "physiofit.care",
    "physiofit.flow",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    # Serves Swagger UI's files for /api/v1/docs itself, instead of from a CDN.
    "ninja",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "physiofit.core.observability.RequestLogMiddleware",
    "physiofit.core.middleware.HeadWithoutBodyMiddleware",
    # Before the host check and HTTPS redirect: a load balancer probes by address over HTTP.
    "physiofit.core.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "physiofit.core.cache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "physiofit.core.middleware.ClinicTimeZoneMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "physiofit.core.twofactor.middleware.claimed_factor_middleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff sessions: time out first, then ask for the second factor, then audit refusals.
    "physiofit.core.staff_session.StaffSessionTimeoutMiddleware",
    "physiofit.core.twofactor.middleware.TwoFactorMiddleware",
    "physiofit.core.access_audit.DeniedAccessAuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "physiofit.core.middleware.PreviewFramingMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last: its process_exception sees the view's exception first.
    "physiofit.core.bad_input.BadInputMiddleware",
]

ROOT_URLCONF = "physiofit.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "physiofit.core.context_processors.clinic",
            ],
        },
    },
]

WSGI_APPLICATION = "physiofit.wsgi.application"

DATABASES = {
    "default": database_config(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'physiofit.sqlite3'}"
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = cache_config(os.environ.get("REDIS_URL"), str(VAR_DIR / "cache"))
if os.environ.get("REDIS_URL"):
    # Sessions read from the shared cache, written through to the database: several web
    # processes share them, and a Redis restart signs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# How long an anonymous page may be served from cache at most; the footer's "open now" line
# shortens this to the next opening or closing time (see physiofit/core/cache.py).
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
# Booking form and API submissions allowed per visitor address in ten minutes.
BOOKING_RATE_LIMIT = int(os.environ.get("BOOKING_RATE_LIMIT", "30"))
# Staff back-office sessions end after this long without an admin request, and after this long
# in all, whatever the activity (see physiofit/core/staff_session.py).
STAFF_IDLE_TIMEOUT_MINUTES = env_count("STAFF_IDLE_TIMEOUT_MINUTES", 15)
STAFF_SESSION_MAX_HOURS = env_count("STAFF_SESSION_MAX_HOURS", 10)
# The cookie itself dies with the longest session: nothing outlives what the notice promises.
SESSION_COOKIE_AGE = STAFF_SESSION_MAX_HOURS * 3600
# Second-factor codes one account may try from one address in fifteen minutes, on top of
# django-otp's doubling delay after each wrong code.
TWO_FACTOR_RATE_LIMIT = 10
# Patient portal sessions end after this long without a portal request, and after this long in
# all; the patient then asks for a new sign-in link (physiofit/intake/views.py).
PORTAL_IDLE_TIMEOUT_MINUTES = env_count("PORTAL_IDLE_TIMEOUT_MINUTES", 15)
PORTAL_SESSION_MAX_HOURS = env_count("PORTAL_SESSION_MAX_HOURS", 2)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Reverse proxies in front of the site that append to X-Forwarded-For (Caddy or nginx: 1).
# 0: REMOTE_ADDR is the visitor. Rate limits and sign-in lockouts key on this address; behind
# a proxy with 0, every visitor shares the proxy's (physiofit/core/ratelimit.py).
TRUSTED_PROXY_COUNT = env_count("TRUSTED_PROXY_COUNT", 0)
# Lock an account + address pair out after five failed sign-ins, for an hour. The pair, not the
# address alone: a clinic's staff share one office address, and one attacker must not be able
# to lock every staff member out. The address is the same one the rate limits use.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_SENSITIVE_PARAMETERS = ["password"]
AXES_CLIENT_IP_CALLABLE = "physiofit.core.ratelimit.client_address"
# The hour runs from the failure that caused the lockout: retrying while locked out does not
# extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PROJECT_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Uploaded images and documents served by Django itself: for one machine without a proxy in
# front (`make run`, `make dev`). Otherwise the proxy serves MEDIA_ROOT at MEDIA_URL.
SERVE_MEDIA = env_bool("SERVE_MEDIA", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

globals().update(email_config(os.environ.get("EMAIL_URL")))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "PhysioFit <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Text-message reminders (physiofit/core/sms.py): the log by default, numbers masked.
globals().update(sms_config(os.environ.get("SMS_URL")))

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

WAGTAIL_SITE_NAME = "PhysioFit"
# The name an authenticator app shows next to the staff member's code.
OTP_TOTP_ISSUER = WAGTAIL_SITE_NAME
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Documents go through Wagtail's view, which applies a private collection's restrictions; their
# files are never served from MEDIA_URL (see media_urlpatterns in physiofit/urls.py).
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# mp4 and webm: exercise videos a clinic films itself.
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "mp4", "odt", "pdf", "pptx", "rtf", "txt", "webm", "xlsx"]
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No Gravatar: staff email hashes are not sent to a third party, and the admin works offline.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ALLOW_UNICODE_SLUGS = False
TAGGIT_CASE_INSENSITIVE = True

# The public site runs no inline script; JSON-LD blocks are data, which CSP does not govern.
# Wagtail's admin is excluded: it relies on inline styles and scripts of its own.
CONTENT_SECURITY_POLICY = {
    # The admin runs inline code of its own. The API docs page (Swagger UI) is not excluded:
    # ninja serves its script and styles from our static files, with no inline script.
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'self'"],
        # Exercise videos linked from YouTube or Vimeo, through their no-tracking players.
        "frame-src": ["https://www.youtube-nocookie.com", "https://player.vimeo.com"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# One line per request and per task, never a path, query or exception message: the path of a
# patient's link is a credential (see physiofit/core/observability.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"route_only": {"()": "physiofit.core.observability.RouteOnlyFilter"}},
    "formatters": {
        "plain": {
            "()": "physiofit.core.observability.WithheldMessageFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["route_only"],
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # 4xx are in physiofit.request's line already; 5xx keep their traceback here.
        "django.request": {"level": "ERROR"},
        # runserver's own access log prints paths: physiofit.request replaces it.
        "django.server": {"level": "ERROR"},
        # The task library logs each start and end; physiofit.tasks writes one line instead.
        "django_tasks": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every layout step of every PDF (handouts, record copies) at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
