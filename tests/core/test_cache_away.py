"""The cache is a cache (issue 15 item 7): with Redis away families keep registering,
and what needs the shared counters refuses in Chinese instead of passing unlimited.

Run on PostgreSQL, the production database: sessions and every fact of a registration
come from it while Redis is away.
"""

import logging

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bphc import limits
from registrations.models import Registration
from tests.conftest import PASSWORD, make_filing_row
from tests.redis_server import RedisServer, free_port
from tests.registrations.conftest import make_plan, make_project

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL (DATABASE_URL=postgres://…): production's database behind an absent cache",
    ),
]


def _use_redis_at(settings, port: int) -> None:
    settings.CACHES = {"default": {
        "BACKEND": "bphc.cache.ResilientRedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }}


@pytest.fixture
def redis_closed(settings):
    """CACHE_URL pointing at a port nobody listens on."""
    _use_redis_at(settings, free_port())


@pytest.fixture
def redis_server(settings, tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    _use_redis_at(settings, server.port)
    yield server
    server.kill()


@pytest.fixture
def cache_log():
    """What bphc.cache logs, from before the cache is pointed anywhere."""
    messages: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = Keep(level=logging.WARNING)
    logging.getLogger("bphc.cache").addHandler(handler)
    yield messages
    logging.getLogger("bphc.cache").removeHandler(handler)


@pytest.fixture
def plan_project(db):
    project = make_project(make_plan("KS-AWAY-01"), "XM-AWAY-01", ("一居室",))
    return project.plan, project


def _ok(response) -> None:
    assert response.status_code in (200, 302), (response.status_code, response.content[:300])


def _register_journey(client: Client, family, plan, project) -> Registration:
    """Plan list → project list → detail → notice → register → 业务记录 → print, as the family walks it."""
    for url in (reverse("rentals:plans"), reverse("rentals:projects", args=[plan.pk]),
                reverse("rentals:project", args=[project.pk])):
        _ok(client.get(url))
    register_url = reverse("registrations:register", args=[project.pk])
    notice = client.get(register_url + "?unit_type=一居室")
    _ok(notice)
    assert "告知书" in notice.content.decode()
    response = client.post(register_url, {"unit_type": "一居室", "acknowledged": "on"})
    assert response.status_code == 302, response.content[:300]
    registration = Registration.objects.get(plan=plan, filing__account=family)
    success = client.get(response["Location"])
    _ok(success)
    assert "登记成功" in success.content.decode()
    records = client.get(reverse("registrations:records"))
    _ok(records)
    assert registration.number in records.content.decode()
    printed = client.get(reverse("registrations:print") + f"?ids={registration.pk}")
    _ok(printed)
    assert registration.number in printed.content.decode()
    return registration


def _send_code(client: Client, phone: str):
    return client.post(reverse("accounts:send_code", args=["register"]), {"phone": phone})


def _assert_counters_refuse(client: Client, person) -> None:
    """Sending codes, both logins and filing verification say 系统繁忙, never pass unlimited."""
    sent = _send_code(client, "13700001111")
    assert sent.status_code == 400 and sent.json() == {"sent": False, "message": limits.BUSY_SMS, "wait": 0}
    password_login = client.post("/accounts/login/?tab=password",
                                 {"tab": "password", "phone": person.phone, "password": PASSWORD})
    assert password_login.status_code == 400 and limits.BUSY_LOGIN in password_login.content.decode()
    code_login = client.post("/accounts/login/", {"tab": "code", "phone": person.phone, "code": "123456"})
    assert code_login.status_code == 400 and limits.BUSY_LOGIN in code_login.content.decode()
    person_client = Client()
    person_client.force_login(person)
    # An account without an ID number gives the applicant's as the third field (issue 14 item 3).
    verify = person_client.post(reverse("filings:verify"), {"filing_no": "GLH2024000009", "code": "AB12CD",
                                                           "id_number": "110105198001010016"})
    assert verify.status_code == 400 and limits.BUSY_VERIFY in verify.content.decode()


class TestRedisUnreachable:
    def test_a_signed_in_family_registers_through_the_whole_journey(self, redis_closed, family, family_client,
                                                                    plan_project):
        registration = _register_journey(family_client, family, *plan_project)
        assert registration.status == Registration.Status.ACTIVE

    def test_what_needs_the_counters_refuses_with_the_chinese_message(self, redis_closed, person):
        _assert_counters_refuse(Client(), person)

    def test_public_pages_answer_without_the_cache(self, redis_closed, plan_project):
        client = Client()
        for url in ("/", reverse("rentals:plans"), "/accounts/login/", "/accounts/register/"):
            assert client.get(url).status_code == 200, url

    def test_the_log_says_the_cache_is_down(self, cache_log, redis_closed, family_client):
        # A signed-in page reads its session through the cache: that read fails, and is logged.
        _ok(family_client.get(reverse("registrations:records")))
        assert any("Cache unavailable" in message for message in cache_log)


class TestRedisKilledAndRestarted:
    def test_registering_holds_and_codes_come_back_without_a_restart(self, redis_server, make_user, plan_project,
                                                                    person):
        plan, project = plan_project
        assert _send_code(Client(), "13700002222").json()["sent"] is True

        # A family signs in with its password while Redis is up, then Redis dies mid-journey.
        family = make_user("13922223333", name="陈静")
        make_filing_row(account=family, bound_at=timezone.now())
        client = Client()
        signed_in = client.post("/accounts/login/?tab=password",
                                {"tab": "password", "phone": family.phone, "password": PASSWORD})
        assert signed_in.status_code == 302
        _ok(client.get(reverse("rentals:plans")))
        redis_server.kill()

        registration = _register_journey(client, family, plan, project)
        _assert_counters_refuse(Client(), person)

        redis_server.start()
        # The same process, the same cache object: redis-py reconnects on the next call.
        assert _send_code(Client(), "13700003333").json()["sent"] is True
        _ok(client.get(reverse("registrations:records")))
        assert registration.number in client.get(reverse("registrations:records")).content.decode()

        # And a second family registers after the restart as well.
        other = make_user("13933334444", name="周强")
        make_filing_row("GLH2024000002", id_number="110105198202020018", account=other, bound_at=timezone.now())
        other_client = Client()
        assert other_client.post("/accounts/login/?tab=password",
                                 {"tab": "password", "phone": other.phone, "password": PASSWORD}).status_code == 302
        _register_journey(other_client, other, plan, project)
        assert Registration.objects.filter(plan=plan).count() == 2
