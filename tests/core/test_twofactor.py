"""Two-step sign-in for the back office: enrolment, codes, recovery codes, reset."""

import re
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from physiofit.core.models import AuditEvent
from physiofit.core.twofactor import services
from physiofit.core.twofactor.middleware import OPEN_ROUTES
from tests.staff import login_staff

pytestmark = pytest.mark.django_db


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def staff(django_user_model):
    user = django_user_model.objects.create_user("desk", password="x" * 16)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


@pytest.fixture
def enrolled(staff):
    device = TOTPDevice.objects.create(user=staff, name="Phone", confirmed=True)
    codes = services.recovery_codes_regenerate(user=staff)
    return device, codes


@pytest.fixture
def no_backoff(settings):
    """django-otp's doubling delay off, for tests that send a right code after a wrong one."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def admin_urls(resolver=None, prefix=""):
    """Every admin route, with sample values for its parameters."""
    samples = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": str(uuid.uuid4())}
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = str(entry.pattern)
        if route.startswith("^"):  # a regular expression route: none under the admin of ours
            continue
        route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: samples.get(m.group(1) or "str", "x"), route)
        if isinstance(entry, URLResolver):
            yield from admin_urls(entry, prefix + route)
        elif isinstance(entry, URLPattern):
            namespace = ":".join(resolver.namespace.split(":")) if resolver.namespace else ""
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield "/" + prefix + route, name


def test_a_password_alone_leads_to_enrolment(client, site, staff):
    response = client.post("/admin/login/", {"username": "desk", "password": "x" * 16})
    assert response.status_code == 302
    response = client.get(response.url)
    assert response.status_code == 302
    assert response.url == "/admin/two-factor/enrol/?next=/admin/"


def test_an_unverified_session_reaches_no_admin_page(client, site, staff):
    client.force_login(staff)  # the password step only
    checked = 0
    for url, name in admin_urls():
        if not url.startswith("/admin/") or name in OPEN_ROUTES:
            continue
        response = client.get(url)
        assert response.status_code in {302, 403}, url
        if response.status_code == 302:
            assert response.url.startswith("/admin/two-factor/enrol/?next="), url
        checked += 1
    # The calendar, the patient chart, the clinical pages and the audit log are among them.
    assert checked > 200


def test_an_unverified_script_gets_a_403_with_a_sentence(client, site, staff, enrolled):
    client.force_login(staff)
    for headers in ({"x-requested-with": "XMLHttpRequest"}, {"accept": "application/json"}):
        response = client.get("/admin/api/main/pages/", headers=headers)
        assert response.status_code == 403
        assert "authenticator app" in response.json()["error"]
    response = client.get("/admin/patients/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/admin/two-factor/verify/")


def test_enrolment_shows_a_qr_code_then_recovery_codes_once(client, site, staff, no_backoff):
    client.force_login(staff)
    page = client.get("/admin/two-factor/enrol/?next=/admin/patients/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("<h1") == 1
    assert "<svg" in html
    assert 'for="id_code"' in html
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    assert services.secret_for_display(device) in html
    # Reloading keeps the same secret: a code already scanned stays good.
    client.get("/admin/two-factor/enrol/")
    assert TOTPDevice.objects.get(user=staff).pk == device.pk

    wrong = client.post("/admin/two-factor/enrol/", {"code": "000000", "next": "/admin/patients/"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.get(user=staff).confirmed

    response = client.post(
        "/admin/two-factor/enrol/", {"code": current_code(device), "next": "/admin/patients/"}
    )
    assert response.status_code == 302
    assert response.url == "/admin/two-factor/recovery-codes/new/?next=%2Fadmin%2Fpatients%2F"
    assert TOTPDevice.objects.get(user=staff).confirmed
    shown = client.get(response.url)
    codes = services.recovery_codes(staff)
    assert len(codes) == services.RECOVERY_CODE_COUNT
    assert all(code in shown.content.decode() for code in codes)
    assert 'href="/admin/patients/"' in shown.content.decode()
    assert client.get(response.url).status_code == 302  # shown once
    assert client.get("/admin/").status_code == 200  # the session is verified
    assert AuditEvent.objects.filter(action="factor_added", actor=staff).count() == 1
    assert AuditEvent.objects.filter(action="sign_in_failed", actor=staff).count() == 1


def test_an_enrolled_account_cannot_enrol_a_second_app(client, site, staff, enrolled):
    # Otherwise a stolen password alone would be enough to add the thief's phone.
    client.force_login(staff)
    response = client.get("/admin/two-factor/enrol/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/two-factor/verify/")
    assert client.post("/admin/two-factor/enrol/", {"code": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=staff).count() == 1


def test_a_wrong_code_fails_is_audited_and_slows_the_next_try(client, site, staff, enrolled):
    device, _ = enrolled
    client.force_login(staff)
    assert client.get("/admin/patients/").url == "/admin/two-factor/verify/?next=/admin/patients/"
    page = client.get("/admin/two-factor/verify/?next=/admin/patients/")
    assert page.content.decode().count("<h1") == 1
    wrong = client.post("/admin/two-factor/verify/", {"code": "000000"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    failed = AuditEvent.objects.get(action="sign_in_failed")
    assert failed.actor == staff
    assert "wrong_code" in failed.summary
    # django-otp's back-off: straight after a wrong code even the right one waits.
    throttled = client.post("/admin/two-factor/verify/", {"code": current_code(device)})
    assert throttled.status_code == 429
    assert "Too many wrong codes. Wait" in throttled.content.decode()
    assert client.get("/admin/").status_code == 302


def test_the_right_code_verifies_the_session_and_returns_to_the_page(client, site, staff, enrolled):
    device, _ = enrolled
    client.force_login(staff)
    response = client.post(
        "/admin/two-factor/verify/", {"code": current_code(device), "next": "/admin/patients/"}
    )
    assert response.status_code == 302
    assert response.url == "/admin/patients/"
    assert client.get("/admin/").status_code == 200
    event = AuditEvent.objects.filter(action="sign_in").latest("pk")
    assert event.summary == "second factor accepted: authenticator app"


def test_next_never_leaves_the_site(client, site, staff, enrolled):
    device, _ = enrolled
    client.force_login(staff)
    response = client.post(
        "/admin/two-factor/verify/", {"code": current_code(device), "next": "https://evil.test/"}
    )
    assert response.url == "/admin/"
    # Once verified, a bare word or a date is not taken for a route name (no 500).
    for target in ("9999-12-31", "//evil.test/", "wagtailadmin_home"):
        assert client.get(f"/admin/two-factor/verify/?next={target}").url == "/admin/"


def test_attempts_are_capped_per_account(client, site, staff, enrolled, settings, no_backoff):
    settings.TWO_FACTOR_RATE_LIMIT = 2
    device, _ = enrolled
    client.force_login(staff)
    for _ in range(2):
        assert client.post("/admin/two-factor/verify/", {"code": "000000"}).status_code == 400
    capped = client.post("/admin/two-factor/verify/", {"code": current_code(device)})
    assert capped.status_code == 429
    assert "Too many attempts" in capped.content.decode()


def test_bad_input_gets_a_400_not_a_500(client, site, staff, enrolled):
    client.force_login(staff)
    for data in ({}, {"code": ""}, {"code": "x" * 500}, {"code": "١٢٣٤٥٦"}):
        assert client.post("/admin/two-factor/verify/", data).status_code == 400


def test_a_recovery_code_works_once(client, site, staff, enrolled, no_backoff):
    _, codes = enrolled
    client.force_login(staff)
    # Typed with spaces or capitals, as people copy them.
    response = client.post("/admin/two-factor/verify/", {"code": f" {codes[0].upper()} "})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert AuditEvent.objects.filter(summary="second factor accepted: recovery code").exists()
    assert len(services.recovery_codes(staff)) == services.RECOVERY_CODE_COUNT - 1

    client.logout()
    client.force_login(staff)
    again = client.post("/admin/two-factor/verify/", {"code": codes[0]})
    assert again.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_staff_see_and_replace_their_recovery_codes(client, site, staff, enrolled, no_backoff):
    _, old_codes = enrolled
    login_staff(client, staff)
    account = client.get("/admin/account/")
    assert "/admin/two-factor/recovery-codes/" in account.content.decode()
    page = client.get("/admin/two-factor/recovery-codes/")
    assert all(code in page.content.decode() for code in old_codes)

    response = client.post("/admin/two-factor/recovery-codes/")
    assert response.url == "/admin/two-factor/recovery-codes/new/"
    new_codes = services.recovery_codes(staff)
    assert set(new_codes).isdisjoint(old_codes)
    shown = client.get(response.url).content.decode()
    assert all(code in shown for code in new_codes)
    assert AuditEvent.objects.filter(
        action="factor_added", summary__contains="new recovery"
    ).exists()

    client.logout()
    client.force_login(staff)
    assert client.post("/admin/two-factor/verify/", {"code": old_codes[0]}).status_code == 400


def test_an_admin_resets_a_user_who_then_enrols_again(client, site, staff, enrolled, admin_user):
    users_session = client.__class__()
    login_staff(users_session, staff)
    assert users_session.get("/admin/").status_code == 200

    login_staff(client, admin_user)
    listing = client.get("/admin/users/")
    assert f"/admin/two-factor/reset/{staff.pk}/" in listing.content.decode()
    confirm = client.get(f"/admin/two-factor/reset/{staff.pk}/")
    assert confirm.status_code == 200
    assert "desk" in confirm.content.decode()
    assert TOTPDevice.objects.filter(user=staff).exists()  # nothing happens on GET

    response = client.post(f"/admin/two-factor/reset/{staff.pk}/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert not StaticDevice.objects.filter(user=staff).exists()
    event = AuditEvent.objects.get(action="factor_reset")
    assert event.actor == admin_user
    assert event.object_id == str(staff.pk)

    # The user's open session ends (it might be a thief's): password first, then enrolment.
    response = users_session.get("/admin/")
    assert response.url.startswith("/admin/login/")
    assert "_auth_user_id" not in users_session.session
    users_session.force_login(staff)
    assert users_session.get("/admin/").url.startswith("/admin/two-factor/enrol/")


def test_only_admins_reset_factors(client, site, staff, enrolled, admin_user, django_user_model):
    other = django_user_model.objects.create_user("other", password="x" * 16)
    other.user_permissions.add(Permission.objects.get(codename="access_admin"))
    login_staff(client, other)
    response = client.post(f"/admin/two-factor/reset/{staff.pk}/")
    assert response.status_code in {302, 403}
    assert TOTPDevice.objects.filter(user=staff).exists()
    assert AuditEvent.objects.filter(action="denied", actor=other).exists()
    assert not AuditEvent.objects.filter(action="factor_reset").exists()

    # May change accounts: may reset anyone's factors but a superuser's.
    other.user_permissions.add(Permission.objects.get(codename="change_user"))
    other = django_user_model.objects.get(pk=other.pk)
    assert services.can_reset(other, staff)
    assert not services.can_reset(other, admin_user)
    assert client.get("/admin/two-factor/reset/999999/").status_code == 404


def test_an_unverified_session_can_sign_out(client, site, staff, enrolled):
    client.force_login(staff)
    page = client.get("/admin/two-factor/verify/")
    assert 'action="/admin/logout/"' in page.content.decode()
    response = client.post("/admin/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
