from django.urls import path

from . import views

app_name = "booking"

urlpatterns = [
    path("book/", views.start, name="start"),
    path("book/<slug:service_slug>/", views.choose_practitioner, name="practitioner"),
    path("book/<slug:service_slug>/<slug:who>/", views.week, name="week"),
    path("book/<slug:service_slug>/<slug:who>/details/", views.details, name="details"),
    path("book/<slug:service_slug>/<slug:who>/review/", views.review, name="review"),
    path("book/<slug:service_slug>/<slug:who>/confirm/", views.confirm, name="confirm"),
    path("book/<slug:service_slug>/<slug:who>/waitlist/", views.waitlist, name="waitlist"),
    path("appointments/<str:token>/", views.manage, name="manage"),
    path("appointments/<str:token>/calendar.ics", views.manage_ics, name="ics"),
    path("appointments/<str:token>/cancel/", views.manage_cancel, name="cancel"),
    path("appointments/<str:token>/reschedule/", views.manage_reschedule, name="reschedule"),
    path("waitlist/offer/<str:token>/", views.offer, name="offer"),
    path("calendar/<str:token>.ics", views.practitioner_feed, name="feed"),
]
