"""The limits on codes: who pays for a request, and what happens when the cache is away."""

import socket

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditLog, SmsMessage
from accounts.sms import send_code
from tests.conftest import PASSWORD, last_code


def _send(client, phone, purpose="login", **extra):
    return client.post(reverse("accounts:send_code", args=[purpose]), {"phone": phone}, **extra)


@pytest.fixture
def no_wait(settings):
    settings.SMS_RESEND_SECONDS = 0


@pytest.mark.django_db
class TestWhatCounts:
    def test_codes_that_are_never_sent_do_not_use_up_the_phones_day(self, client, settings, make_user, no_wait):
        settings.SMS_DAILY_PER_PHONE = "3/d"
        # 'login' for a phone without an account answers "sent" but sends nothing.
        for i in range(6):
            assert _send(client, "13812345678", "login", REMOTE_ADDR=f"198.51.{i}.1").status_code == 200
        assert SmsMessage.objects.count() == 0
        assert _send(client, "13812345678", "register", REMOTE_ADDR="203.0.113.5").json()["sent"] is True
        assert SmsMessage.objects.count() == 1

    def test_staff_sign_in_has_its_own_budget(self, settings, make_user, no_wait):
        settings.SMS_DAILY_PER_PHONE = "2/d"
        clerk = make_user("13812340000", is_staff=True, name="窗口")
        family_side = Client()
        for i in range(4):
            _send(family_side, clerk.phone, "login", REMOTE_ADDR=f"198.51.{i}.1")
        assert "上限" in _send(family_side, clerk.phone, "login", REMOTE_ADDR="198.51.9.1").json()["message"]
        staff = Client()
        response = staff.post(reverse("admin:login"), {"phone": clerk.phone, "password": PASSWORD})
        assert response.status_code == 200
        assert "工作人员后台登录验证码" in SmsMessage.objects.order_by("-id").first().text

    def test_the_address_block_has_a_cap(self, client, settings, no_wait):
        settings.SMS_DAILY_PER_BLOCK = "3/d"
        answers = [_send(client, f"1381234560{i}", "register", REMOTE_ADDR=f"198.51.100.{i + 1}").status_code
                   for i in range(4)]
        assert answers == [200, 200, 200, 400]
        assert _send(client, "13812345699", "register", REMOTE_ADDR="198.51.101.1").status_code == 200

    def test_an_ipv6_block_is_a_64(self, client, settings, no_wait):
        settings.SMS_DAILY_PER_BLOCK = "2/d"
        for i in range(2):
            assert _send(client, f"1381234570{i}", "register", REMOTE_ADDR=f"2001:db8:1:2::{i + 1}").status_code == 200
        assert _send(client, "13812345709", "register", REMOTE_ADDR="2001:db8:1:2:ffff::9").status_code == 400

    def test_the_clerks_assist_code_skips_the_address_caps(self, settings, rf, no_wait):
        settings.SMS_DAILY_PER_IP = "1/d"
        request = rf.post("/", REMOTE_ADDR="10.0.0.1")
        assert send_code(request, phone="13812341111", purpose="register") is None
        assert send_code(request, phone="13812341112", purpose="register") is not None
        for i in range(3):
            assert send_code(request, phone=f"1381234112{i}", purpose="assist", per_ip_cap=False) is None

    def test_the_global_budget_refuses_and_alerts_at_eighty_per_cent(self, client, settings, caplog, no_wait):
        settings.SMS_BUDGET_PER_HOUR = "5/h"
        answers = [_send(client, f"1381234580{i}", "register", REMOTE_ADDR=f"198.{i}.0.1") for i in range(6)]
        assert [a.status_code for a in answers] == [200] * 5 + [400]
        assert "短信发送量已达上限" in answers[5].json()["message"]
        assert SmsMessage.objects.count() == 5
        alerts = AuditLog.objects.filter(action="短信预算告警")
        assert alerts.count() == 1 and "4" in alerts.get().reason
        assert "SMS budget 4/5" in caplog.text


@pytest.mark.django_db
class TestFullWidthInput:
    def test_a_full_width_phone_with_plus86_gets_a_code(self, client, make_user):
        make_user("13812345678")
        assert _send(client, "＋８６ １３８ １２３４ ５６７８").json()["sent"] is True
        assert SmsMessage.objects.get().phone == "13812345678"

    def test_code_login_accepts_a_pasted_full_width_code_with_spaces(self, client, make_user):
        make_user("13812345678")
        _send(client, "13812345678")
        code = last_code("13812345678")
        wide = " ".join(chr(ord(c) + 0xFEE0) for c in code)
        response = client.post(reverse("accounts:login"), {"tab": "code", "phone": "138 1234 5678", "code": wide})
        assert response.status_code == 302

    def test_the_code_input_does_not_cut_a_paste(self, client):
        page = client.get(reverse("accounts:login")).content.decode()
        assert 'maxlength="6"' not in page

    def test_register_accepts_a_lower_case_x_and_full_width_id(self, client):
        from bphc.validators import id_check_char

        first17 = "11010519491231002"
        id_number = first17 + id_check_char(first17)
        assert id_number.endswith("X")
        _send(client, "13812345679", "register")
        wide_id = "".join(chr(ord(c) + 0xFEE0) for c in first17) + "x"
        response = client.post(reverse("accounts:register"), {
            "phone": "13812345679", "code": last_code("13812345679"), "password": "kind-words-2026",
            "password2": "kind-words-2026", "id_number": wide_id,
        })
        assert response.status_code == 302
        from accounts.models import User
        assert User.objects.get(phone="13812345679").id_number == id_number


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_away(settings):
    settings.CACHES = {"default": {
        "BACKEND": "bphc.cache.ResilientRedisCache", "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }}


@pytest.mark.django_db
class TestCacheAway:
    def test_codes_are_refused_with_the_busy_message_not_sent(self, client, make_user, redis_away, caplog):
        make_user("13812345678")
        response = _send(client, "13812345678")
        assert response.status_code == 400
        assert response.json()["message"] == "系统繁忙，暂时无法发送验证码，请稍后再试。"
        assert SmsMessage.objects.count() == 0
        assert "unavailable" in caplog.text

    def test_pages_and_a_signed_in_session_still_answer(self, person, redis_away):
        client = Client()
        client.force_login(person)
        assert client.get(reverse("home")).status_code == 200
        assert client.get(reverse("registrations:records")).status_code == 200
        assert client.get(reverse("accounts:center")).status_code == 200
