from django.conf import settings
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from physiofit.booking.api import api
from physiofit.core import health
from physiofit.website import views as website_views

handler500 = "physiofit.core.errors.server_error"

urlpatterns = [
    # Answered by HealthCheckMiddleware; named here so its log line and reverse() know it.
    path("healthz", health.view, name="healthz"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v1/", api.urls),
    path("search/", website_views.search, name="search"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", website_views.robots_txt, name="robots_txt"),
    # Before booking: "book/<service>/screening/" would otherwise match its practitioner step.
    path("", include("physiofit.intake.urls")),
    path("", include("physiofit.booking.urls")),
]

if settings.SERVE_MEDIA:
    from django.views.static import serve

    urlpatterns.append(
        re_path(
            rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
            name="media",
        )
    )

urlpatterns.append(path("", include(wagtail_urls)))
