"""The PhysioBlog: an index of dated posts, tag archives, feeds and related posts."""

import math

from django.core.paginator import Paginator
from django.db import models
from django.shortcuts import get_object_or_404
from django.utils import timezone
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import Tag, TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from physiofit.core.blocks import RICH_TEXT_FEATURES, BaseStreamBlock, stream_text
from physiofit.core.jsonld import blog_posting_jsonld

WORDS_PER_MINUTE = 200


def read_minutes(word_count: int) -> int:
    """Minutes to read at 200 words a minute, rounded up, never under one."""
    return max(1, math.ceil(word_count / WORDS_PER_MINUTE))


@register_snippet
class Author(models.Model):
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=120, blank=True)
    bio = models.TextField(blank=True, max_length=600)
    is_organisation = models.BooleanField(
        default=False, help_text="Tick when posts are signed by the clinic rather than a person."
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("role"),
        FieldPanel("bio"),
        FieldPanel("is_organisation"),
    ]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BlogIndexPage(RoutablePageMixin, Page):
    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    posts_per_page = models.PositiveSmallIntegerField(default=10)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("posts_per_page")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["website.HomePage"]
    subpage_types = ["blog.BlogPage"]

    def posts(self):
        return (
            BlogPage.objects.child_of(self)
            .live()
            .public()
            .select_related("author")
            .prefetch_related("tags")
            .order_by("-date", "-pk")
        )

    def paginate(self, request, posts):
        return Paginator(posts, max(1, self.posts_per_page)).get_page(request.GET.get("page"))

    @path("")
    def index_route(self, request):
        return self.render(
            request, context_overrides={"posts": self.paginate(request, self.posts())}
        )

    @path("tags/<slug:tag>/")
    def tag_archive(self, request, tag):
        tag_obj = get_object_or_404(Tag, slug=tag)
        posts = self.posts().filter(tags=tag_obj)
        return self.render(
            request,
            context_overrides={"posts": self.paginate(request, posts), "tag": tag_obj},
        )

    @path("feed/rss/", name="rss")
    def rss_feed(self, request):
        from .feeds import PostsRssFeed

        return PostsRssFeed(self)(request)

    @path("feed/atom/", name="atom")
    def atom_feed(self, request):
        from .feeds import PostsAtomFeed

        return PostsAtomFeed(self)(request)

    def get_sitemap_urls(self, request=None):
        urls = super().get_sitemap_urls(request)
        used_tags = Tag.objects.filter(
            blog_blogpagetag_items__content_object__in=self.posts()
        ).distinct()
        base = self.get_full_url(request)
        urls.extend({"location": f"{base}tags/{tag.slug}/"} for tag in used_tags)
        return urls


class BlogPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "blog.BlogPage", related_name="tagged_items", on_delete=models.CASCADE
    )


class BlogPage(Page):
    date = models.DateField("post date", default=timezone.localdate)
    author = models.ForeignKey(
        Author, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    lead = models.TextField(max_length=400, help_text="One or two sentences shown under the title.")
    body = StreamField(BaseStreamBlock())
    tags = ClusterTaggableManager(through=BlogPageTag, blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("date"), FieldPanel("author"), FieldPanel("tags")], heading="Post"
        ),
        FieldPanel("lead"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("lead"),
        index.SearchField("body"),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.FilterField("date"),
    ]
    parent_page_types = ["blog.BlogIndexPage"]
    subpage_types = []

    class Meta:
        ordering = ["-date"]

    @property
    def word_count(self) -> int:
        return len(f"{self.title} {self.lead} {stream_text(self.body)}".split())

    @property
    def read_minutes(self) -> int:
        return read_minutes(self.word_count)

    def related_posts(self, limit: int = 3):
        """Other live posts sharing the most tags with this one, newest first on ties."""
        # .all(), not a database query: in a preview the tags are the draft's, held in memory.
        tag_ids = [tag.pk for tag in self.tags.all() if tag.pk]
        if not tag_ids:
            return BlogPage.objects.none()
        return (
            BlogPage.objects.live()
            .public()
            .exclude(pk=self.pk)
            .filter(tags__in=tag_ids)
            .annotate(shared=models.Count("pk"))
            .order_by("-shared", "-date")[:limit]
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["blog_index"] = self.get_parent().specific
        context["page_tags"] = list(self.tags.all())
        context["related_posts"] = self.related_posts()
        context["page_jsonld"] = blog_posting_jsonld(
            self, f"{request.scheme}://{request.get_host()}"
        )
        return context
