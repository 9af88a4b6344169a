"""Load the demo clinic: settings, pages, blog post, and demo staff accounts.

Idempotent: pages and settings are created only when missing, so a second run (and every
`make run`) leaves editors' changes alone; demo account passwords are reset and printed. The
privacy notice is the exception: an existing one no staff member has edited is brought up to
date, so the notice keeps saying what the software really collects.
"""

import os
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from physiofit.blog.models import Author, BlogIndexPage, BlogPage
from physiofit.booking.models import Practitioner, Service, WorkingHours
from physiofit.care.demo import load_demo_record
from physiofit.core import demo_content as demo
from physiofit.core.models import ClinicClosure, ClinicSettings, OpeningHours, clinic_today
from physiofit.exercises.demo import exercise_ids, load_demo_library, load_demo_program
from physiofit.intake.demo import load_demo_patients
from physiofit.website.models import (
    ConditionPage,
    ContactPage,
    HomeFeaturedCondition,
    HomePage,
    StandardPage,
)

DEMO_ACCOUNTS = [
    # username, email, superuser, group
    ("admin", "admin@example.com", True, None),
    ("editor", "editor@example.com", False, "Editors"),
    ("frontdesk", "frontdesk@example.com", False, "Front desk"),
    ("therapist", "therapist@example.com", False, "Therapists"),
    ("assistant", "assistant@example.com", False, "Therapist assistants"),
]
DEMO_NAMES = {"therapist": ("Alex", "Demo"), "assistant": ("Pat", "Assistant")}
FRONT_DESK_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    ("booking", "view_patient_record"),
    ("booking", "view_patient"),
    ("booking", "change_patient"),
    # The front desk settles possible duplicates left by online bookings (merge or keep apart).
    ("booking", "merge_patient"),
    ("booking", "view_waitlistentry"),
    ("booking", "change_waitlistentry"),
    ("booking", "view_notification"),
]
# Assistants (PTAs) see what the front desk sees, plus the clinical record; they write daily
# notes, which a supervising therapist co-signs.
ASSISTANT_PERMISSIONS = [
    *FRONT_DESK_PERMISSIONS,
    ("intake", "view_clinical_record"),
    ("care", "write_note"),
]
# Therapists also evaluate, re-assess, discharge and co-sign, and keep exercise programs.
THERAPIST_PERMISSIONS = [
    *ASSISTANT_PERMISSIONS,
    ("care", "cosign_note"),
    ("exercises", "manage_program"),
    # The exercise library and templates: therapists keep them up to date.
    *[
        ("exercises", f"{action}_{model}")
        for model in ("exercise", "programtemplate")
        for action in ("add", "change", "view")
    ],
    ("wagtailimages", "add_image"),
    ("wagtailimages", "choose_image"),
]


class Command(BaseCommand):
    help = "Create the demo clinic's content and staff accounts (safe to run again)."

    def handle(self, *args, **options):
        with transaction.atomic():
            for made in load_demo_library():
                self.stdout.write(f"Exercise library: {made}")
            home = self._home()
            self._clinic_settings(home)
            self._closures(home)
            condition = self._child(home, ConditionPage, demo.BACK_PAIN)
            if not home.featured_conditions.exists():
                HomeFeaturedCondition.objects.create(page=home, condition=condition, sort_order=0)
            blog = self._child(home, BlogIndexPage, demo.BLOG_INDEX)
            author, _ = Author.objects.get_or_create(name=demo.AUTHOR["name"], defaults=demo.AUTHOR)
            self._blog_post(blog, author)
            self._refresh_unedited(self._child(home, ContactPage, demo.CONTACT), demo.CONTACT)
            self._refresh_unedited(self._child(home, StandardPage, demo.PRIVACY), demo.PRIVACY)
            self._child(home, StandardPage, demo.DISCLAIMER)
            self._booking()
        for made in load_demo_patients():
            self.stdout.write(f"Demo patient: {made}")
        if made := load_demo_program():
            self.stdout.write(f"Demo program: {made}")
        accounts = self._accounts()
        # Written by the demo therapist, so after the accounts; the passwords print last.
        if made := load_demo_record():
            self.stdout.write(f"Demo clinical record: {made}")
        self.stdout.write(self.style.SUCCESS(accounts))

    def _home(self) -> HomePage:
        site = Site.objects.filter(is_default_site=True).first()
        if site and isinstance(site.root_page.specific, HomePage):
            return site.root_page.specific
        # Wagtail's migrations make the locale and tree root; an emptied database has neither.
        Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        )
        root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
        home = HomePage.objects.first()
        if home is None:
            # Wagtail's own "Welcome" page (a plain Page) holds the slug and has no content of
            # ours. Deleting it also deletes the default Site that points at it; one is made
            # again below. Deleting outright, not renaming first, queues no index updates
            # for a page that is about to vanish.
            for placeholder in root.get_children().exact_type(Page).filter(slug=demo.HOME["slug"]):
                placeholder.delete()
            site = Site.objects.filter(is_default_site=True).first()
            home = HomePage(**demo.HOME)
            root.add_child(instance=home)
            home.save_revision().publish()
        if site is None:
            # The address the site is served on, so the sitemap's links reach it.
            address = urlsplit(settings.WAGTAILADMIN_BASE_URL)
            port = address.port or (443 if address.scheme == "https" else 80)
            site = Site(
                hostname=address.hostname or "localhost",
                port=port,
                is_default_site=True,
                root_page=home,
            )
        site.root_page = home
        site.site_name = demo.CLINIC["name"]
        site.save()
        self.stdout.write("Home page ready.")
        return home

    def _clinic_settings(self, home: HomePage) -> None:
        site = Site.objects.get(root_page=home)
        clinic = ClinicSettings.for_site(site)
        if clinic.phone:
            return
        for field, value in demo.CLINIC.items():
            setattr(clinic, field, value)
        clinic.full_clean(exclude=["site"])
        clinic.save()
        OpeningHours.objects.filter(clinic=clinic).delete()
        for order, (weekday, opens, closes) in enumerate(demo.OPENING_HOURS):
            OpeningHours.objects.create(
                clinic=clinic, weekday=weekday, opens=opens, closes=closes, sort_order=order
            )
        self.stdout.write("Clinic settings ready.")

    def _closures(self, home: HomePage) -> None:
        """The coming year's holidays, when the clinic has no closures: edits are kept."""
        clinic = ClinicSettings.for_site(Site.objects.get(root_page=home))
        if clinic.closures.exists():
            return
        for order, (day, label) in enumerate(demo.demo_closures(clinic_today())):
            ClinicClosure.objects.create(
                clinic=clinic, first_day=day, label=label, sort_order=order
            )
        self.stdout.write("Clinic closures ready.")

    def _refresh_unedited(self, page: Page, data: dict) -> None:
        """Bring a demo page up to date with the demo text when no staff member has edited it
        (every revision came from this loader, which saves without a user); a page staff have
        edited is theirs, and is left alone with a note to compare it by hand."""
        if page.revisions.exclude(user=None).exists():
            self.stdout.write(
                f"{page.title}: edited by staff, left as it is. Compare it with "
                "physiofit/core/demo_content.py, which may be newer."
            )
            return
        fields = {key: value for key, value in data.items() if key != "slug"}
        current = {key: getattr(page, key) for key in fields}
        wanted = dict(fields)
        if "body" in fields:
            current["body"] = page.body.get_prep_value()
            wanted["body"] = type(page).body.field.to_python(data["body"]).get_prep_value()
        if _without_ids(current) == _without_ids(wanted):
            return
        for key, value in fields.items():
            setattr(page, key, value)
        page.save_revision().publish()
        self.stdout.write(f"Updated page {page.url_path} to the current demo text")

    def _child(self, parent: Page, model, data: dict):
        existing = model.objects.child_of(parent).filter(slug=data["slug"]).first()
        if existing is not None:
            return existing
        page = model(**data)
        parent.add_child(instance=page)
        page.save_revision().publish()
        self.stdout.write(f"Created page {page.url_path}")
        return page

    def _blog_post(self, blog: BlogIndexPage, author: Author) -> BlogPage:
        data = dict(demo.MAIGNE_POST)
        tags = data.pop("tags")
        data["body"] = _with_exercise_ids(data["body"])
        existing = BlogPage.objects.child_of(blog).filter(slug=data["slug"]).first()
        if existing is not None:
            # An unedited demo post follows the demo text (its exercises now come from the library).
            self._refresh_unedited(existing, data)
            return existing
        post = BlogPage(author=author, **data)
        post.tags.set(tags)
        blog.add_child(instance=post)
        post.save_revision().publish()
        self.stdout.write(f"Created post {post.url_path}")
        return post

    def _booking(self) -> None:
        services = []
        for data in demo.SERVICES:
            service, created = Service.objects.get_or_create(slug=data["slug"], defaults=data)
            if not created:
                # Fields added since this demo was made: filled only where still empty.
                empty = [f for f in ("price_note", "what_to_bring") if not getattr(service, f)]
                for name in empty:
                    setattr(service, name, data[name])
                if empty:
                    service.save(update_fields=empty)
            services.append(service)
        for data in demo.PRACTITIONERS:
            data = dict(data)
            hours = data.pop("hours")
            practitioner, created = Practitioner.objects.get_or_create(
                slug=data["slug"], defaults=data
            )
            if practitioner.photo is None:
                practitioner.photo = demo_photo(practitioner.name)
                practitioner.save(update_fields=["photo"])
            if created:
                practitioner.services.set(services)
                practitioner.save()
                for order, (weekday, starts, ends) in enumerate(hours):
                    WorkingHours.objects.create(
                        practitioner=practitioner,
                        weekday=weekday,
                        starts=starts,
                        ends=ends,
                        sort_order=order,
                    )
        from django.contrib.auth.models import Permission

        for name, permissions in (
            ("Front desk", FRONT_DESK_PERMISSIONS),
            ("Therapists", THERAPIST_PERMISSIONS),
            ("Therapist assistants", ASSISTANT_PERMISSIONS),
        ):
            group, _ = Group.objects.get_or_create(name=name)
            for app_label, codename in permissions:
                permission = Permission.objects.filter(
                    content_type__app_label=app_label, codename=codename
                ).first()
                if permission:
                    group.permissions.add(permission)

    def _accounts(self) -> str:
        """Create or refresh the demo staff accounts; returns their sign-in lines."""
        password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)
        user_model = get_user_model()
        lines = []
        for username, email, is_superuser, group_name in DEMO_ACCOUNTS:
            user, _ = user_model.objects.get_or_create(username=username, defaults={"email": email})
            user.is_staff = True
            user.is_superuser = is_superuser
            user.set_password(password)
            user.save()
            if group_name:
                group = Group.objects.filter(name=group_name).first()
                if group:
                    user.groups.add(group)
            if username in DEMO_NAMES:
                # Signatures name the signer and their credentials: the demo therapist is the
                # demo practitioner Alex Demo (PT, DPT); the assistant has a name of their own.
                user.first_name, user.last_name = DEMO_NAMES[username]
                user.save(update_fields=["first_name", "last_name"])
                Practitioner.objects.filter(
                    name=" ".join(DEMO_NAMES[username]), user__isnull=True
                ).update(user=user)
            lines.append(f"  {username:<10} {password}")
        return "Demo staff accounts (sign in at /admin/):\n" + "\n".join(lines)


def demo_photo(name: str):
    """A placeholder portrait that says it is one: initials and "DEMO PHOTO", no real face."""
    from io import BytesIO

    from django.core.files.images import ImageFile
    from PIL import Image, ImageDraw, ImageFont
    from wagtail.images import get_image_model

    size = 320
    picture = Image.new("RGB", (size, size), (230, 241, 242))
    draw = ImageDraw.Draw(picture)
    draw.ellipse((95, 50, 225, 180), fill=(11, 85, 99))  # head
    draw.ellipse((45, 190, 275, 420), fill=(11, 85, 99))  # shoulders
    initials = "".join(part[0] for part in name.split()[:2]).upper()
    font = ImageFont.load_default(size=44)
    draw.text((160, 115), initials, fill="white", font=font, anchor="mm")
    draw.rectangle((0, 262, size, 312), fill=(180, 74, 28))
    draw.text((160, 287), "DEMO PHOTO", fill="white", font=font, anchor="mm")
    data = BytesIO()
    picture.save(data, format="PNG")
    image = get_image_model()(title=f"Demo photo: {name}")
    image.file = ImageFile(data, name=f"demo-{name.lower().replace(' ', '-')}.png")
    image.save()
    return image


def _with_exercise_ids(body: list[dict]) -> list[dict]:
    """Demo content names library exercises as "slug:…"; blocks store their ids."""
    result = []
    for block in body:
        if block["type"] == "exercises":
            slugs = [s.removeprefix("slug:") for s in block["value"]["exercises"]]
            block = {**block, "value": {**block["value"], "exercises": exercise_ids(slugs)}}
        result.append(block)
    return result


def _without_ids(value):
    """StreamField data without its block ids, which differ on every save of the same text."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value
