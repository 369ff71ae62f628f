"""Each limit holds across app servers: a second process spends the budget, this one sees it spent."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory
from django.urls import reverse

from accounts.forms import _login_limited
from accounts.sms import send_code
from filings.forms import _verify_limited
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SHARED = "redis" in django_settings.CACHES["default"]["BACKEND"].lower()
pytestmark = pytest.mark.skipif(not SHARED, reason="needs the shared Redis cache (CACHE_URL=redis://…)")

LIMITS = {"SMS_DAILY_PER_PHONE": "3/d", "SMS_DAILY_PER_IP": "5/d", "LOGIN_RATE_PER_PHONE": "4/h",
          "LOGIN_RATE_PER_IP": "6/h", "VERIFY_RATE_PER_USER": "3/h", "VERIFY_RATE_PER_IP": "5/h"}
ADDRESS = "198.51.100.9"


def _other_server(code: str) -> str:
    """Run `code` in a separate Django process against the same cache."""
    env = {**os.environ, **LIMITS, "DJANGO_SETTINGS_MODULE": "bphc.settings"}
    prelude = (
        "import django; django.setup()\n"
        "from django.test import RequestFactory\n"
        f"request = RequestFactory().post('/', REMOTE_ADDR='{ADDRESS}')\n"
    )
    result = subprocess.run([sys.executable, "-c", prelude + code], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def limits(settings):
    for name, value in LIMITS.items():
        setattr(settings, name, value)


def _request(user_pk: int | None = None):
    request = RequestFactory().post("/", REMOTE_ADDR=ADDRESS)
    request.user = type("U", (), {"pk": user_pk})()
    return request


def test_the_daily_code_cap_per_phone(limits):
    # Only delivered codes count against a phone (issue 12, item 4): the other server
    # records three deliveries the way send_code does after the provider accepted each.
    _other_server(
        "from django.conf import settings\n"
        "from bphc import limits\n"
        "for _ in range(3):\n"
        "    limits.spend('sms-phone', '13812340001', settings.SMS_DAILY_PER_PHONE)\n"
    )
    assert "上限" in send_code(_request(), phone="13812340001", purpose="change_old", deliver=False)


def test_the_daily_code_cap_per_address(limits):
    _other_server(
        "from accounts.sms import send_code\n"
        "for i in range(5):\n"
        "    assert send_code(request, phone=f'1381234100{i}', purpose='register', deliver=False) is None\n"
    )
    assert "上限" in send_code(_request(), phone="13812341009", purpose="register", deliver=False)


def test_the_resend_wait(limits):
    _other_server(
        "from accounts.sms import send_code\n"
        "send_code(request, phone='13812342000', purpose='login', deliver=False)\n"
    )
    assert "秒后" in send_code(_request(), phone="13812342000", purpose="login", deliver=False)


def test_login_tries_per_phone(limits):
    _other_server(
        "from accounts.forms import _login_limited\n"
        "for i in range(4):\n"
        "    request.META['REMOTE_ADDR'] = f'203.0.113.{i}'\n"
        "    assert not _login_limited(request, '13812343000')\n"
    )
    assert _login_limited(RequestFactory().post("/", REMOTE_ADDR="203.0.113.99"), "13812343000")


def test_login_tries_per_address(limits):
    _other_server(
        "from accounts.forms import _login_limited\n"
        "for i in range(6):\n"
        "    assert not _login_limited(request, f'1381234400{i}')\n"
    )
    assert _login_limited(_request(), "13812344099")


def test_filing_verification_tries_per_account_and_per_address(limits):
    _other_server(
        "from filings.forms import _verify_limited\n"
        "request.user = type('U', (), {'pk': 424242})()\n"
        "for i in range(3):\n"
        "    request.META['REMOTE_ADDR'] = f'203.0.113.{i}'\n"
        "    assert not _verify_limited(request)\n"
    )
    other_address = _request(424242)
    other_address.META["REMOTE_ADDR"] = "203.0.113.77"
    assert _verify_limited(other_address)


@pytest.mark.django_db
def test_a_locked_out_phone_does_not_lock_the_owner_out_of_a_session(client, family, limits):
    owner = client
    owner.force_login(family)
    _other_server(
        "from accounts.forms import _login_limited\n"
        f"for i in range(10): _login_limited(request, '{family.phone}')\n"
    )
    attacker = type(client)()
    response = attacker.post("/accounts/login/", {"tab": "password", "phone": family.phone, "password": PASSWORD})
    assert "尝试次数过多" in response.content.decode()
    assert owner.get(reverse("registrations:records")).status_code == 200
    assert owner.post(reverse("accounts:send_code", args=["cancel"])).json()["sent"]
