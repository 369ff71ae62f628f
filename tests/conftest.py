"""Shared fixtures: the three personas and the SMS outbox."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import SmsMessage, User

PASSWORD = "test-pass-2026"


@pytest.fixture(autouse=True)
def _isolated(settings):
    settings.SMS_BACKEND = "outbox"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    cache.clear()
    yield
    cache.clear()


def last_code(phone: str) -> str:
    """The newest 6-digit code the outbox holds for `phone`."""
    message = SmsMessage.objects.filter(phone=phone).order_by("-id").first()
    assert message is not None, f"no SMS was sent to {phone}"
    match = re.search(r"(\d{6})", message.text)
    assert match, message.text
    return match.group(1)


@pytest.fixture
def make_user(db):
    def _make(phone: str = "13900001111", **extra) -> User:
        return User.objects.create_user(phone, PASSWORD, **extra)

    return _make


@pytest.fixture
def person(make_user) -> User:
    """A signed-in person without a filing."""
    return make_user("13911112222", name="赵敏")


@pytest.fixture
def person_client(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def stranger() -> Client:
    return Client()
