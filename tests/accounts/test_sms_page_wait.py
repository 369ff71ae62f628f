"""The code pages keep the resend wait the server enforces, and say how long a code lives."""

import re

import pytest
from django.urls import reverse

from tests.conftest import last_code

URL = "/accounts/register/"
PHONE = "13812345678"


def _button(page: str) -> str:
    return re.search(r'<button[^>]*class="[^"]*send-code[^"]*"[^>]*>[^<]*</button>', page).group(0)


def _wrong_confirmation(code: str) -> dict:
    return {"phone": PHONE, "code": code, "password": "Sunny-day-88", "password2": "Sunny-day-89"}


@pytest.mark.django_db
class TestPageWait:
    def test_a_form_error_after_a_code_keeps_the_wait_on_the_button(self, client):
        assert client.post(reverse("accounts:send_code", args=["register"]), {"phone": PHONE}).json()["sent"]
        page = client.post(URL, _wrong_confirmation(last_code(PHONE))).content.decode()
        button = _button(page)
        wait = int(re.search(r'data-countdown="(\d+)"', button).group(1))
        assert 55 <= wait <= 60
        # Without scripts the button itself says how long to wait.
        assert f">{wait}秒后可重新获取</button>" in button
        assert f"请{wait}秒后再重新获取验证码。" in page

    def test_the_no_script_send_renders_the_wait_too(self, client):
        page = client.post(URL, {"phone": PHONE, "action": "send_code"}).content.decode()
        assert re.search(r'data-countdown="(5\d|60)"', _button(page))

    def test_a_fresh_page_offers_the_button_and_says_how_long_a_code_lives(self, client, settings):
        settings.SMS_RESEND_SECONDS = 90
        page = client.get(URL).content.decode()
        button = _button(page)
        assert 'data-countdown="0"' in button and 'data-resend="90"' in button
        assert ">获取验证码</button>" in button
        assert "验证码5分钟内有效。" in page
        assert re.search(r'id="id_code_countdown" aria-live="polite"', page)

    def test_another_phone_has_no_wait(self, client):
        client.post(reverse("accounts:send_code", args=["register"]), {"phone": PHONE})
        page = client.post(URL, dict(_wrong_confirmation("123456"), phone="13900001111")).content.decode()
        assert 'data-countdown="0"' in _button(page)
