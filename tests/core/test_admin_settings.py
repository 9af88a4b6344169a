"""Staff change the clinic's hours in the admin and the footer follows."""

from wagtail.test.utils.form_data import inline_formset, nested_form_data

from physiofit.core.models import ClinicSettings
from tests.staff import login_staff


def settings_form(clinic: ClinicSettings, hours: list[dict]) -> dict:
    """The admin form as a browser submits it: existing rows removed, `hours` added."""
    existing = [
        {
            "id": row.pk,
            "weekday": row.weekday,
            "opens": row.opens,
            "closes": row.closes,
            "DELETE": "1",
            "ORDER": index,
        }
        for index, row in enumerate(clinic.opening_hours.all())
    ]
    new = [{**row, "id": "", "ORDER": len(existing) + i} for i, row in enumerate(hours)]
    return nested_form_data(
        {
            "name": clinic.name,
            "tagline": "",
            "phone": clinic.phone,
            "email": clinic.email,
            "street_address": clinic.street_address,
            "address_second_line": clinic.address_second_line,
            "locality": clinic.locality,
            "region": clinic.region,
            "postal_code": clinic.postal_code,
            "country": "US",
            "map_url": "",
            "time_zone": clinic.time_zone,
            "record_retention_years": clinic.record_retention_years,
            "opening_hours": inline_formset(existing + new, initial=len(existing)),
            "closures": inline_formset([]),
        }
    )


def test_editing_hours_in_the_admin_changes_every_footer(site, client, admin_user):
    client.get("/")  # warm the page cache
    login_staff(client, admin_user)
    url = f"/admin/settings/core/clinicsettings/{site['site'].pk}/"
    assert client.get(url).status_code == 200
    hours = [{"weekday": day, "opens": "08:00", "closes": "17:30"} for day in range(6)]
    response = client.post(url, settings_form(site["clinic"], hours))
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    html = client.get("/").content.decode()
    assert "Mon – Sat" in html
    assert "8:00 AM – 5:30 PM" in html


def test_admin_refuses_a_range_that_closes_before_it_opens(site, client, admin_user):
    login_staff(client, admin_user)
    url = f"/admin/settings/core/clinicsettings/{site['site'].pk}/"
    hours = [{"weekday": 0, "opens": "17:00", "closes": "08:00"}]
    response = client.post(url, settings_form(site["clinic"], hours))
    assert response.status_code == 200
    assert "Closing time must be after opening time." in response.content.decode()
    assert site["clinic"].opening_hours.count() == 5


def test_contact_messages_are_listed_for_staff_but_cannot_be_invented(site, client, admin_user):
    client.post("/contact/", {"name": "Sam", "email": "sam@example.com", "message": "Hi"})
    login_staff(client, admin_user)
    listing = client.get("/admin/contact_messages/")
    assert listing.status_code == 200
    assert "sam@example.com" in listing.content.decode()
    assert client.get("/admin/contact_messages/new/").status_code in {302, 403}


def test_reading_and_searching_contact_messages_is_audited(site, client, admin_user):
    from physiofit.core.models import AuditEvent
    from physiofit.website.models import ContactMessage

    client.post("/contact/", {"name": "Sam", "email": "sam@example.com", "message": "Hi"})
    message = ContactMessage.objects.get()
    login_staff(client, admin_user)
    client.get("/admin/contact_messages/?q=sam")
    assert client.get(f"/admin/contact_messages/inspect/{message.pk}/").status_code == 200
    rows = AuditEvent.objects.filter(object_type="website.contactmessage")
    assert set(rows.values_list("action", flat=True)) >= {"search", "view"}
    assert rows.filter(action="search", summary__contains='"sam"').exists()
