"""Signing staff into the admin in tests, as the finished password + SMS sign-in would."""

from django.test import Client

from accounts.models import User
from bphc.admin import SECOND_FACTOR_SESSION_KEY


def sign_in_staff(client: Client, user: User) -> Client:
    """force_login plus the session flag only the staff sign-in's second step sets."""
    client.force_login(user)
    session = client.session
    session[SECOND_FACTOR_SESSION_KEY] = user.pk
    session.save()
    return client
