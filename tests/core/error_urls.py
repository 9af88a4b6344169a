"""The site's URLs plus views that fail, for the error-page tests."""

from django.db import OperationalError
from django.urls import path

from physiofit.urls import handler500
from physiofit.urls import urlpatterns as site_urlpatterns


def broken(request, **kwargs):
    raise RuntimeError("patient jane@example.com could not be rendered")


def database_gone(request, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1 failed")


urlpatterns = [
    path("broken/", broken, name="broken"),
    path("api/v1/broken/", database_gone, name="api_database_gone"),
    path("database-gone/", database_gone, name="database_gone"),
    *site_urlpatterns,
]

__all__ = ["handler500", "urlpatterns"]
