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
    # Tests send many codes from 127.0.0.1; tests/accounts/test_sms_challenge.py lowers it.
    settings.SMS_CHALLENGE_AFTER = "100000/h"
    # Production hashing costs a second per password; tests only need it to work.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    cache.clear()
    _clear_room_store()
    yield
    cache.clear()
    _clear_room_store()


def _clear_room_store() -> None:
    """The waiting room's places and clocks (admission/store.py): plan ids repeat between tests."""
    from admission import store

    store.forget_seen()
    try:
        store.client().flushdb()
    except Exception:  # noqa: BLE001 - a store that is away has nothing to clear
        pass


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


FAMILY_ID = "110105198001010016"


def free_id_number() -> str:
    """FAMILY_ID, or another checksum-valid 身份证号 masked the same (1101**********0016) that no
    valid filing holds yet: one person has one valid filing (the filings' UniqueConstraint)."""
    import datetime as dt

    from bphc.crypto import id_digest
    from bphc.validators import id_check_char
    from filings.models import Filing

    taken = set(Filing.objects.filter(status=Filing.Status.VALID).values_list("id_digest", flat=True))
    day = dt.date(1980, 1, 1)
    while True:
        first17 = f"110105{day:%Y%m%d}001"
        number = first17 + id_check_char(first17)
        if number.endswith("0016") and id_digest(number) not in taken:
            return number
        day += dt.timedelta(days=1)


def make_filing_row(filing_no: str = "GLH2024000001", code: str = "AB12CD", **extra):
    """A filing as the authority's import would hold it."""
    import datetime as dt

    from filings.models import Filing

    values = {
        "code_hash": Filing.hash_code(code),
        "applicant_name": "陈静",
        "phone": "",
        "district": "朝阳区",
        "family_size": 3,
        "category": "普通",
        "unit_types": ["一居室", "二居室"],
        "status": Filing.Status.VALID,
        "valid_until": dt.date(2030, 12, 31),
    }
    values.update(extra)
    values.setdefault("id_number", free_id_number())
    return Filing.objects.create(filing_no=filing_no, **values)


@pytest.fixture
def family(make_user):
    """A signed-in family whose account is bound to a valid filing (朝阳区, 普通, 一居室/二居室)."""
    from django.utils import timezone

    user = make_user("13922223333", name="陈静")
    make_filing_row(account=user, bound_at=timezone.now())
    return user


@pytest.fixture
def family_client(family) -> Client:
    client = Client()
    client.force_login(family)
    return client


@pytest.fixture
def other_family(make_user):
    """A second verified family, for 'another family's object' tests."""
    from django.utils import timezone

    user = make_user("13933334444", name="周强")
    make_filing_row("GLH2024000002", id_number="110105198202020018", account=user, bound_at=timezone.now())
    return user
