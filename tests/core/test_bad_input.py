"""A crafted POST missing a field a view reads directly is a 400 with a message, not a 500."""

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
