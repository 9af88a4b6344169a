from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "physiofit.blog"
    label = "blog"
    verbose_name = "Blog"

    def ready(self) -> None:
        from physiofit.core.cache import invalidate_on_change

        from .models import Author

        invalidate_on_change(Author)
