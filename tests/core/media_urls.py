"""The site's URLs with uploaded images served by Django, as `make run` does (SERVE_MEDIA)."""

from physiofit.urls import media_urlpatterns
from physiofit.urls import urlpatterns as site_urlpatterns

urlpatterns = [*media_urlpatterns(), *site_urlpatterns]
