from django.conf import settings
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from physiofit.booking import text_webhook
from physiofit.core import health, password_reset
from physiofit.flow.api import api
from physiofit.website import views as website_views

handler400 = "physiofit.core.errors.bad_request"
handler500 = "physiofit.core.errors.server_error"

urlpatterns = [
    # Browsers ask for it on pages without a <link rel="icon"> (feeds, the XML sitemap).
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}img/favicon.svg")),
    # Answered by HealthCheckMiddleware; named here so its log line and reverse() know it.
    path("healthz", health.view, name="healthz"),
    # Before the admin's own: the same form, rate limited (physiofit/core/password_reset.py).
    path("admin/password_reset/", password_reset.PasswordResetView.as_view()),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v1/", api.urls),
    path("search/", website_views.search, name="search"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", website_views.robots_txt, name="robots_txt"),
    # Patients' STOP and START replies to the clinic's Twilio number (booking/texts.py).
    path("sms/twilio/", text_webhook.twilio_inbound, name="sms_twilio"),
    # Before booking: "book/<service>/screening/" would otherwise match its practitioner step.
    path("", include("physiofit.exercises.urls")),
    path("", include("physiofit.intake.urls")),
    path("", include("physiofit.flow.urls")),
]


def media_urlpatterns() -> list:
    """Uploaded images, for one machine without a proxy in front (SERVE_MEDIA). Images only:
    documents are served by /documents/<id>/<name>, which applies a private collection's
    restrictions, so their files under media/documents/ must never be public."""
    from django.views.static import serve

    return [
        re_path(
            # No ".." segment: a climb out of the folder matches nothing (a plain 404) instead of
            # reaching serve(), whose refusal would write the attacker's path into the log.
            rf"^{settings.MEDIA_URL.strip('/')}/"
            r"(?P<path>(?:images|original_images)(?:/(?!\.\.(?:/|$))[^/]+)+)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
            name="media",
        )
    ]


if settings.SERVE_MEDIA:
    urlpatterns += media_urlpatterns()

urlpatterns.append(path("", include(wagtail_urls)))
