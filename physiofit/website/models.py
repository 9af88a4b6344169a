"""The clinic's public pages: home, condition pages, standard pages and contact."""

from django.db import models
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from physiofit.core.blocks import RICH_TEXT_FEATURES, BaseStreamBlock, stream_text
from physiofit.core.jsonld import medical_page_jsonld

from .blocks import CauseGroupBlock, DurationKindBlock, PreventionTipBlock, SymptomBlock


def booking_href(request, chosen=None) -> str:
    """Where "Book an evaluation" leads: the page an editor chose, else online booking."""
    if chosen is not None and chosen.live:
        return chosen.get_url(request)
    return reverse("booking:start")


class HomePage(Page):
    hero_heading = models.CharField(max_length=120)
    hero_text = models.TextField(max_length=600)
    cta_label = models.CharField(max_length=60, default="Book an evaluation")
    cta_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Where the call to action leads. Left empty: online booking.",
    )
    approach_heading = models.CharField(max_length=120, blank=True)
    approach = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    body = StreamField(BaseStreamBlock(), blank=True)
    latest_posts_count = models.PositiveSmallIntegerField(default=3)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("hero_heading"),
                FieldPanel("hero_text"),
                FieldPanel("cta_label"),
                PageChooserPanel("cta_page"),
            ],
            heading="Welcome",
        ),
        MultiFieldPanel(
            [FieldPanel("approach_heading"), FieldPanel("approach")], heading="Approach"
        ),
        InlinePanel("featured_conditions", label="Featured condition page", heading="Conditions"),
        FieldPanel("body"),
        FieldPanel("latest_posts_count"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("hero_text"),
        index.SearchField("approach"),
    ]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "website.ConditionPage",
        "website.StandardPage",
        "website.ContactPage",
        "blog.BlogIndexPage",
    ]

    def get_context(self, request, *args, **kwargs):
        from physiofit.blog.models import BlogPage

        context = super().get_context(request, *args, **kwargs)
        featured = [
            item.condition
            for item in self.featured_conditions.select_related("condition")
            if item.condition and item.condition.live
        ]
        context["conditions"] = featured or list(ConditionPage.objects.live().public())
        context["latest_posts"] = (
            BlogPage.objects.live().public().select_related("author").order_by("-date", "-pk")
        )[: self.latest_posts_count]
        context["cta_href"] = booking_href(request, self.cta_page)
        return context


class HomeFeaturedCondition(Orderable):
    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_conditions")
    condition = models.ForeignKey(
        "website.ConditionPage", on_delete=models.CASCADE, related_name="+"
    )
    panels = [PageChooserPanel("condition")]


class ConditionPage(Page):
    condition_name = models.CharField(
        max_length=120, help_text="The condition itself, e.g. Back pain (for search engines)."
    )
    lead = models.CharField(max_length=200, help_text="One line under the title.")
    summary = models.TextField(max_length=300, help_text="Shown on cards linking to this page.")
    intro = RichTextField(features=RICH_TEXT_FEATURES)
    approach = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    duration_heading = models.CharField(max_length=120, default="What you should know")
    duration_kinds = StreamField([("kind", DurationKindBlock())], blank=True)
    diagnosis_note = models.CharField(max_length=240, blank=True)
    causes_heading = models.CharField(max_length=120, default="Common causes")
    causes_intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    cause_groups = StreamField([("group", CauseGroupBlock())], blank=True)
    prevention_heading = models.CharField(max_length=120, default="Prevention")
    prevention_intro = models.TextField(blank=True)
    prevention_tips = StreamField([("tip", PreventionTipBlock())], blank=True)
    symptoms_heading = models.CharField(max_length=120, default="Common symptoms")
    symptoms = StreamField([("symptom", SymptomBlock(max_length=200))], blank=True)
    cta_heading = models.CharField(max_length=120, default="Book a thorough evaluation")
    cta_text = models.TextField(blank=True)
    cta_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Where the call to action leads. Left empty: online booking.",
    )
    disclaimer = RichTextField(features=RICH_TEXT_FEATURES)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("condition_name"), FieldPanel("lead"), FieldPanel("summary")],
            heading="About",
        ),
        FieldPanel("intro"),
        FieldPanel("approach"),
        MultiFieldPanel(
            [
                FieldPanel("duration_heading"),
                FieldPanel("duration_kinds"),
                FieldPanel("diagnosis_note"),
            ],
            heading="Kinds by duration",
        ),
        MultiFieldPanel(
            [FieldPanel("causes_heading"), FieldPanel("causes_intro"), FieldPanel("cause_groups")],
            heading="Causes",
        ),
        MultiFieldPanel(
            [
                FieldPanel("prevention_heading"),
                FieldPanel("prevention_intro"),
                FieldPanel("prevention_tips"),
            ],
            heading="Prevention",
        ),
        MultiFieldPanel(
            [FieldPanel("symptoms_heading"), FieldPanel("symptoms")], heading="Symptoms"
        ),
        MultiFieldPanel(
            [FieldPanel("cta_heading"), FieldPanel("cta_text"), PageChooserPanel("cta_page")],
            heading="Call to action",
        ),
        FieldPanel("disclaimer"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("condition_name", boost=2),
        index.SearchField("lead"),
        index.SearchField("intro"),
        index.SearchField("searchable_text"),
    ]
    parent_page_types = ["website.HomePage"]
    subpage_types = []

    @property
    def searchable_text(self) -> str:
        return " ".join(
            stream_text(field)
            for field in (
                self.duration_kinds,
                self.cause_groups,
                self.prevention_tips,
                self.symptoms,
            )
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["cta_href"] = booking_href(request, self.cta_page)
        context["page_jsonld"] = medical_page_jsonld(
            self, f"{request.scheme}://{request.get_host()}"
        )
        return context


class StandardPage(Page):
    lead = models.CharField(max_length=240, blank=True)
    body = StreamField(BaseStreamBlock())

    content_panels = [*Page.content_panels, FieldPanel("lead"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("lead"), index.SearchField("body")]
    parent_page_types = ["website.HomePage", "website.StandardPage"]
    subpage_types = ["website.StandardPage"]


class ContactPage(Page):
    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    form_heading = models.CharField(max_length=120, default="Send us a message")
    privacy_note = models.TextField(
        default=(
            "Please do not include medical details in this form. We will reply by email or "
            "phone, and discuss your health only in person or by phone."
        )
    )
    thanks_message = models.TextField(
        default="Thank you. Your message has reached the clinic; we reply within one working day."
    )
    recipient = models.EmailField(
        blank=True, help_text="Who receives messages. Left empty: the clinic's email."
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("form_heading"),
                FieldPanel("privacy_note"),
                FieldPanel("thanks_message"),
                FieldPanel("recipient"),
            ],
            heading="Contact form",
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    max_count = 1
    parent_page_types = ["website.HomePage"]
    subpage_types = []

    def serve(self, request, *args, **kwargs):
        from .forms import ContactForm
        from .services import ContactError, contact_message_submit

        sent = request.GET.get("sent") == "1"
        status = 200
        if request.method == "POST":
            form = ContactForm(request.POST)
            if form.is_valid():
                try:
                    contact_message_submit(page=self, request=request, **form.cleaned_data)
                except ContactError as error:
                    form.add_error(None, error.message)
                    status = error.status
                else:
                    return HttpResponseRedirect(f"{self.url}?sent=1#contact-form")
            else:
                status = 400
        else:
            form = ContactForm()
        context = self.get_context(request, *args, **kwargs)
        context.update(form=form, sent=sent)
        return TemplateResponse(request, self.get_template(request), context, status=status)


class ContactMessage(models.Model):
    """A message sent through the contact form. Kept for staff; emailed to the clinic."""

    class EmailStatus(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=25, blank=True)
    message = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    recipient = models.EmailField()
    email_status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.CharField(max_length=300, blank=True)
    handled = models.BooleanField(default=False, help_text="Tick once someone has replied.")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "contact message"

    def __str__(self) -> str:
        return f"{self.name} ({self.created_at:%Y-%m-%d})"
