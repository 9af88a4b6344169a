"""Small builders for test data. Each test builds what it needs; demo content is for people."""

from datetime import date, time

from django.conf import settings
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from physiofit.blog.models import Author, BlogIndexPage, BlogPage
from physiofit.core.models import ClinicSettings, OpeningHours
from physiofit.website.models import ConditionPage, ContactPage, HomePage, StandardPage


def paragraph(text: str) -> dict:
    return {"type": "paragraph", "value": f"<p>{text}</p>"}


def publish(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def restore_migration_data() -> None:
    """The rows Wagtail's migrations create (locale, page tree root, collection root), for
    live-server tests: each of them ends with a flush that empties every table."""
    from wagtail.models import Collection

    root_page()
    if not Collection.objects.exists():
        Collection.add_root(name="Root")


def root_page() -> Page:
    """Wagtail's tree root and default locale; made again if a database was emptied."""
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(title="Root", slug="root")
    return root


def build_site(*, hours=((0, 4), time(7), time(19))) -> dict:
    """A home page with a condition page, a blog with one post, contact and privacy pages,
    and clinic settings open Monday to Friday 7:00 AM to 7:00 PM (America/Los_Angeles)."""
    root = root_page()
    home = publish(
        root,
        HomePage(
            title="Home",
            slug="test-home",
            hero_heading="Welcome to Testclinic",
            hero_text="Physical therapy for tests.",
        ),
    )
    Site.objects.all().delete()
    site = Site.objects.create(hostname="testserver", port=80, root_page=home, is_default_site=True)
    clinic = ClinicSettings.for_site(site)
    clinic.name = "Testclinic"
    clinic.phone = "(541) 555-0100"
    clinic.email = "clinic@example.com"
    clinic.street_address = "1 Main St"
    clinic.locality = "Bend"
    clinic.region = "OR"
    clinic.postal_code = "97701"
    clinic.time_zone = "America/Los_Angeles"
    clinic.save()
    (first_day, last_day), opens, closes = hours
    for weekday in range(first_day, last_day + 1):
        OpeningHours.objects.create(clinic=clinic, weekday=weekday, opens=opens, closes=closes)
    condition = publish(
        home,
        ConditionPage(
            title="Back Pain Relief",
            slug="back-pain-relief",
            condition_name="Back pain",
            lead="Relief from back pain.",
            summary="About back pain.",
            show_in_menus=True,
            intro="<p>Back pain is common.</p>",
            duration_kinds=[
                {
                    "type": "kind",
                    "value": {"name": "Acute", "duration": "days", "description": "Sudden."},
                }
            ],
            cause_groups=[
                {
                    "type": "group",
                    "value": {
                        "category": "inflammatory",
                        "heading": "Inflammatory conditions",
                        "intro": "",
                        "causes": [{"term": "Ankylosing spondylitis", "text": "Spine arthritis."}],
                    },
                }
            ],
            prevention_tips=[
                {"type": "tip", "value": {"title": "Lift safely", "text": "Use legs."}}
            ],
            symptoms=[{"type": "symptom", "value": "Morning stiffness"}],
            disclaimer="<p>General education only.</p>",
        ),
    )
    blog = publish(home, BlogIndexPage(title="Blog", slug="blog", show_in_menus=True))
    author = Author.objects.create(name="Dana Example", role="Physical therapist")
    post = publish(
        blog,
        make_post("First post", date(2025, 4, 8), author=author, tags=["back pain", "sciatica"]),
    )
    contact = publish(home, ContactPage(title="Contact", slug="contact", show_in_menus=True))
    privacy = publish(
        home,
        StandardPage(title="Privacy notice", slug="privacy", body=[paragraph("We keep little.")]),
    )
    return {
        "home": home,
        "site": site,
        "clinic": clinic,
        "condition": condition,
        "blog": blog,
        "post": post,
        "contact": contact,
        "privacy": privacy,
        "author": author,
    }


def make_post(title: str, day: date, *, words: int = 50, author=None, tags=()) -> BlogPage:
    post = BlogPage(
        title=title,
        slug=title.lower().replace(" ", "-"),
        date=day,
        author=author,
        lead="A short lead.",
        body=[paragraph(" ".join(["word"] * words))],
    )
    post.tags.set(list(tags))
    return post


def build_booking(*, every_day: bool = False) -> dict:
    """Two services and two practitioners. Clinic hours Mon-Fri 7-19 unless `every_day`, when
    the clinic and both practitioners are open 00:00-23:59 every day (for DST tests)."""
    from physiofit.booking.models import Practitioner, Service, WorkingHours

    evaluation = Service.objects.create(
        name="Initial evaluation",
        slug="initial-evaluation",
        duration_minutes=60,
        buffer_after_minutes=15,
        audience="new",
    )
    follow_up = Service.objects.create(
        name="Follow-up visit",
        slug="follow-up-visit",
        duration_minutes=45,
        audience="returning",
    )
    alex = Practitioner.objects.create(name="Alex Demo", slug="alex", credentials="PT")
    jordan = Practitioner.objects.create(name="Jordan Sample", slug="jordan", sort_order=1)
    for practitioner in (alex, jordan):
        practitioner.services.set([evaluation, follow_up])
        practitioner.save()
        days = range(7) if every_day else range(5)
        for weekday in days:
            starts, ends = (time(0), time(23, 59)) if every_day else (time(9), time(17))
            WorkingHours.objects.create(
                practitioner=practitioner, weekday=weekday, starts=starts, ends=ends
            )
    return {"evaluation": evaluation, "follow_up": follow_up, "alex": alex, "jordan": jordan}


def patient_details(**changes):
    from physiofit.booking.services import PatientDetails

    values = {
        "first_name": "Sam",
        "last_name": "Patient",
        "email": "sam@example.com",
        "phone": "541 555 0100",
        "date_of_birth": date(1980, 5, 6),
        **changes,
    }
    return PatientDetails(**values)


def task_row(**fields):
    """A task as the database backend stores it (a notification email, unless told)."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.create(
        **{
            "status": "READY",
            "args_kwargs": {"args": [], "kwargs": {}},
            "task_path": "physiofit.booking.tasks.send_notification",
            "backend_name": "default",
            "run_after": timezone.now(),
            **fields,
        }
    )
