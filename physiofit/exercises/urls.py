from django.urls import path

from . import views

app_name = "exercises"

urlpatterns = [
    path("portal/exercises/", views.program, name="portal"),
    path("portal/exercises/<int:pk>/log/", views.log_session, name="log"),
    path("portal/exercises/reminders/", views.reminders, name="reminders"),
    path("portal/exercises/handout.pdf", views.handout_pdf, name="handout"),
]
