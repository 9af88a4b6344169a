"""Signing staff in from tests the way the back office requires."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def login_staff(client, user) -> TOTPDevice:
    """Sign `user` in to the test client with every factor the admin asks for: the password
    step (as `force_login`) and a confirmed authenticator app, recorded in the session as
    `django_otp.login` does. Returns the device, for tests that compute its codes."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
