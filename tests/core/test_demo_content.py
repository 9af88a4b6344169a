from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.models import Page

from physiofit.blog.models import BlogPage
from physiofit.core.models import ClinicSettings
from physiofit.website.models import ConditionPage, HomePage
from tests.staff import login_staff


def load(**env) -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_loads_the_clinic_and_is_safe_to_run_twice(client, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    load()
    pages_after_first = Page.objects.count()
    home = HomePage.objects.get()
    home.hero_heading = "Edited by staff"
    home.save_revision().publish()
    output = load()
    assert Page.objects.count() == pages_after_first
    assert HomePage.objects.get().hero_heading == "Edited by staff"  # edits survive a re-run
    assert "admin      demo-password-for-tests" in output

    clinic = ClinicSettings.objects.get()
    assert clinic.phone == "(541) 697-4700"
    assert clinic.email == "info@physiofitbend.com"
    # The one address the clinic's own page gives as its address, and no second line.
    assert clinic.address_lines == ["1332 NE 2nd St", "Bend, OR 97701"]
    assert [(r.weekday, r.opens.hour, r.closes.hour) for r in clinic.opening_ranges()] == [
        (day, 7, 19) for day in range(5)
    ]
    post = BlogPage.objects.get()
    assert post.date.isoformat() == "2025-04-08"
    assert "sciatica" in post.tags.names()
    assert ConditionPage.objects.get().duration_kinds[1].value["duration"] == "4 to 12 weeks"
    for path in ["/", "/back-pain-relief/", "/blog/", post.url, "/contact/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "1334" not in response.content.decode(), path  # no second address anywhere
    assert client.login(username="admin", password="demo-password-for-tests")


@pytest.mark.django_db
def test_demo_password_is_random_when_not_given(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    first = load().strip().splitlines()[-1].split()[-1]
    second = load().strip().splitlines()[-1].split()[-1]
    assert first != second
    assert len(first) >= 16
    assert get_user_model().objects.get(username="editor").check_password(second)


@pytest.mark.django_db
def test_demo_patients_show_outcomes_and_a_review_once(client, monkeypatch):
    from physiofit.booking.models import Patient
    from physiofit.intake.models import Screening
    from physiofit.intake.selectors import outcome_series

    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    assert "Demo patient: Casey Demo" in load()
    assert "Demo patient" not in load()  # made once
    casey = Patient.objects.get(email="casey.demo@example.com")
    series = {s.instrument.code: s for s in outcome_series(patient=casey)}
    assert [p.value for p in series["nprs"].points] == [7, 5, 3]  # intake, then two visits
    assert series["nprs"].latest.change.meets_mcid
    assert Screening.objects.filter(review="pending").count() == 1
    assert client.login(username="therapist", password="demo-password-for-tests")
    login_staff(client, get_user_model().objects.get(username="therapist"))  # and the 2nd factor
    assert "Casey" in client.get(f"/admin/clinical/patient/{casey.pk}/").content.decode()


@pytest.mark.django_db
def test_the_demo_patient_in_care_has_a_clinical_record_once(client, monkeypatch):
    from physiofit.booking.models import Patient
    from physiofit.care.models import Note

    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    assert "Demo clinical record: Casey Demo" in load()
    assert "Demo clinical record" not in load()  # made once
    casey = Patient.objects.get(email="casey.demo@example.com")
    [episode] = casey.episodes.all()
    assert [d.code for d in episode.diagnoses.all()] == ["M54.50"]
    notes = list(episode.notes.order_by("visit_on"))
    assert [n.kind for n in notes] == ["evaluation", "daily", "daily", "daily", "daily"]
    assert all(n.signed_at and n.appointment_id for n in notes)
    assert notes[0].findings["rom_flexion"] == 30
    assert episode.plan.frequency == "twice a week for 6 weeks"
    assert [(g.term, g.measure) for g in episode.goals.all()] == [
        ("long", "psfs"),
        ("short", "nprs"),
    ]
    assert Note.objects.get(kind="evaluation").interventions.get(code="97163").units == 1
    login_staff(client, get_user_model().objects.get(username="therapist"))
    page = client.get(f"/admin/care/patient/{casey.pk}/").content.decode()
    assert "Low back and hip pain" in page
    assert page.count("Signed") >= 5
    page = client.get(f"/admin/care/episode/{episode.pk}/").content.decode()
    assert "Twice a week for 6 weeks" in page
    assert "Ride an hour and swing a kettlebell again" in page
    assert "target reached" in page  # pain is down to 3: the short-term goal's target


@pytest.mark.django_db
def test_the_demo_contact_page_points_to_online_booking_first(client, monkeypatch):
    from physiofit.website.models import ContactPage

    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    load()
    # An older database: the page as an earlier load_demo wrote it, asking for times by email.
    page = ContactPage.objects.get()
    page.intro = "<p>To book an evaluation, tell us a few times that suit you.</p>"
    page.save_revision().publish()
    assert "Updated page /home/contact/" in load()
    intro = ContactPage.objects.get().intro
    assert "few times" not in intro
    assert intro.index("online") < intro.index("Call us") < intro.index("email us")
    assert load().count("Updated page") == 0  # up to date: no new revision each run
    html = client.get("/contact/").content.decode()
    assert 'href="/book/">Book online</a>' in html
