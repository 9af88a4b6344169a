from django.urls import path

from . import record_views, views

app_name = "intake"

urlpatterns = [
    path("book/<slug:service_slug>/screening/", views.screening, name="screening"),
    path(
        "book/<slug:service_slug>/screening/check/",
        views.screening_check,
        name="screening_check",
    ),
    path("appointments/<str:token>/intake/", views.intake, name="intake"),
    path("portal/", views.portal, name="portal"),
    path("portal/sign-in/<str:token>/", views.portal_sign_in, name="portal_sign_in"),
    path("portal/sign-out/", views.portal_sign_out, name="portal_sign_out"),
    path("portal/record.pdf", record_views.portal_record, {"fmt": "pdf"}, name="portal_pdf"),
    path("portal/record.json", record_views.portal_record, {"fmt": "json"}, name="portal_json"),
    path("portal/visits/<str:reference>/", views.portal_visit, name="portal_visit"),
    path(
        "portal/questionnaires/<int:pk>/",
        views.portal_questionnaire,
        name="portal_questionnaire",
    ),
]
