from django.apps import AppConfig


class WebsiteConfig(AppConfig):
    name = "physiofit.website"
    label = "website"
    verbose_name = "Website"
