"""Crafted requests (a POST missing a field a view reads directly, a NUL byte in a path or
query) are a 400 with a message, not a 500."""

import pytest

from tests.staff import login_staff


def test_a_missing_form_field_is_a_400(site, client, django_user_model):
    login_staff(client, django_user_model.objects.create_superuser("e", "e@example.com", "pw"))
    client.raise_request_exception = False
    # Wagtail's page editor reads request.POST["action-..."]-style keys without a default.
    response = client.post(f"/admin/pages/{site['home'].pk}/edit/", {})
    assert response.status_code == 400
    assert "We could not read that request" in response.content.decode()


def test_a_next_that_is_not_a_url_is_a_400(site, client, django_user_model):
    login_staff(client, django_user_model.objects.create_superuser("n", "n@example.com", "pw"))
    client.raise_request_exception = False
    # Signed in already, the sign-in page sends the user on to ?next=, through redirect().
    response = client.get("/admin/login/?next=nowhere")
    assert response.status_code == 400
    assert client.get("/admin/login/?next=/admin/pages/").status_code == 302


@pytest.mark.parametrize(
    "url", ["/calendar/a%00b.ics", "/appointments/a%00b/", "/book/?service=a%00b"]
)
def test_a_nul_byte_in_a_path_or_query_is_a_400(site, client, url):
    # PostgreSQL refuses NUL in a string: without this a lookup by such a token was a 500 there.
    assert client.get(url).status_code == 400
