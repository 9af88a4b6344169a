"""RSS 2.0 and Atom feeds of a blog index's posts."""

from datetime import datetime, time

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from physiofit.core.models import ClinicSettings

FEED_LENGTH = 20


class PostsRssFeed(Feed):
    feed_type = Rss201rev2Feed

    def __init__(self, index_page):
        super().__init__()
        self.index_page = index_page

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def title(self):
        return self.index_page.seo_title or self.index_page.title

    def link(self):
        return self.index_page.get_url(self.request)

    def description(self):
        return self.index_page.search_description or f"Posts from {self.title()}"

    def items(self):
        return self.index_page.posts()[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.lead

    def item_link(self, item):
        return item.get_url(self.request)

    def item_pubdate(self, item):
        # Posts carry a date only: the start of that day in the clinic's zone.
        return datetime.combine(
            item.date, time(0, 0), tzinfo=ClinicSettings.for_request(self.request).zone
        )

    def item_updateddate(self, item):
        return item.last_published_at or self.item_pubdate(item)

    def item_author_name(self, item):
        return item.author.name if item.author else None

    def item_categories(self, item):
        return [tag.name for tag in item.tags.all()]


class PostsAtomFeed(PostsRssFeed):
    feed_type = Atom1Feed
    subtitle = PostsRssFeed.description
