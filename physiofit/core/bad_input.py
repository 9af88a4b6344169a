"""Hand-made requests that views (ours and Wagtail's admin) do not expect are the client's
mistake: a 400 that says so, not a 500.

- A form field a view indexes directly (`request.POST[...]`) is missing.
- A `?next=` value that is neither a path nor a URL (`x`, or bytes that are not UTF-8) reaches
  `redirect()`, which takes a string without "/" or "." for a view name and fails to reverse
  it. Only that failure inside `django.shortcuts.resolve_url` is caught: a broken `{% url %}`
  or `reverse()` anywhere else stays a 500, as it should.
- Wagtail 8 admin views that trust a hand-made request's shape (found by tests/test_url_guard.py;
  reachable only by signed-in staff): the plain mistakes they make of bad values are answered
  400 for those views alone, so the same error anywhere else stays a 500 and is seen.
"""

from django.urls import NoReverseMatch
from django.utils.datastructures import MultiValueDictKeyError

from .errors import bad_request

FRAGILE_THIRD_PARTY_VIEWS = {
    "wagtailadmin_choose_page_external_link": "POST without the url field: None.startswith",
    "wagtailadmin_workflows:edit": "non-numeric ?p= page number: ValueError",
    "wagtailadmin_editing_sessions:ping": "non-numeric object id in the path: ValueError",
    "wagtailredirects:process_import": "POST without the import's form fields: KeyError",
    "wagtaildocs_chooser:chosen": "non-numeric <str:pk>: ValueError",
    "wagtailimages_chooser:chosen": "non-numeric <str:pk>: ValueError",
    "wagtailsnippetchoosers_blog_author:chosen": "non-numeric <str:pk>: ValueError",
    "wagtailsnippetchoosers_booking_service:chosen": "non-numeric <str:pk>: ValueError",
    "wagtailsnippetchoosers_booking_practitioner:chosen": "non-numeric <str:pk>: ValueError",
    "wagtailsnippetchoosers_blog_author:create": "POST of junk fields: AttributeError",
    "wagtailsnippetchoosers_booking_service:create": "POST of junk fields: AttributeError",
    "wagtailsnippetchoosers_booking_practitioner:create": "POST of junk fields: AttributeError",
    "wagtailsnippetchoosers_exercises_exercise:chosen": "non-numeric <str:pk>: ValueError",
    "wagtailsnippetchoosers_exercises_programtemplate:chosen": "non-numeric <str:pk>: ValueError",
    "wagtailsnippetchoosers_exercises_exercise:create": "POST of junk fields: AttributeError",
    "wagtailsnippetchoosers_exercises_programtemplate:create": "POST of junk fields: AttributeError",
    "wagtailsnippetchoosers_care_fee:chosen": "non-numeric <str:pk>: ValueError",
    "wagtailsnippetchoosers_care_fee:create": "POST of junk fields: AttributeError",
}
_FRAGILE_ERRORS = (ValueError, KeyError, AttributeError, TypeError)


def _from_redirect_target(exception: BaseException) -> bool:
    traceback = exception.__traceback__
    while traceback is not None:
        code = traceback.tb_frame.f_code
        if code.co_name == "resolve_url" and code.co_filename.endswith("django/shortcuts.py"):
            return True
        traceback = traceback.tb_next
    return False


class BadInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A NUL byte is never part of a real path or query, and PostgreSQL refuses it in any
        # string a view would look up (a ValueError deep in the driver): refuse it here.
        if "\x00" in request.path_info or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return bad_request(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, MultiValueDictKeyError) or (
            isinstance(exception, NoReverseMatch) and _from_redirect_target(exception)
        ):
            return bad_request(request, exception)
        match = getattr(request, "resolver_match", None)
        if (
            match is not None
            and match.view_name in FRAGILE_THIRD_PARTY_VIEWS
            and isinstance(exception, _FRAGILE_ERRORS)
        ):
            return bad_request(request, exception)
        return None
