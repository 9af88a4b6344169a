"""The site's URLs with uploaded images served from the test storage (in memory), so browser
tests and their screenshots show the pictures patients see; `make run` serves them from disk."""

import mimetypes

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.urls import re_path

from physiofit.urls import urlpatterns as site_urlpatterns


def stored_image(request, path):
    if not path.startswith(("images/", "original_images/")) or not default_storage.exists(path):
        raise Http404(path)
    return FileResponse(
        default_storage.open(path), content_type=mimetypes.guess_type(path)[0] or "image/png"
    )


urlpatterns = [re_path(r"^media/(?P<path>.+)$", stored_image), *site_urlpatterns]
