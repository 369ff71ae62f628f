import datetime as dt
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import SmsCode, SmsMessage


def _send(client, phone="13812345678", purpose="login", **extra):
    return client.post(reverse("accounts:send_code", args=[purpose]), {"phone": phone}, **extra)


@pytest.mark.django_db
class TestCodes:
    def test_a_code_is_six_digits_stored_only_as_a_hash(self):
        row, code = SmsCode.issue(phone="13812345678", purpose="login")
        assert len(code) == 6 and code.isdigit()
        assert code not in row.code_hash
        assert row.expires_at - row.created_at == dt.timedelta(minutes=5)

    def test_the_right_code_works_once(self):
        _, code = SmsCode.issue(phone="13812345678", purpose="login")
        assert SmsCode.verify(phone="13812345678", purpose="login", code=code) is None
        assert SmsCode.verify(phone="13812345678", purpose="login", code=code) is not None

    def test_an_expired_code_fails(self):
        _, code = SmsCode.issue(phone="13812345678", purpose="login", now=timezone.now() - dt.timedelta(minutes=6))
        assert "过期" in SmsCode.verify(phone="13812345678", purpose="login", code=code)

    def test_a_code_for_another_purpose_fails(self):
        _, code = SmsCode.issue(phone="13812345678", purpose="cancel")
        assert SmsCode.verify(phone="13812345678", purpose="login", code=code) is not None

    def test_a_code_for_another_phone_fails(self):
        _, code = SmsCode.issue(phone="13812345678", purpose="login")
        assert SmsCode.verify(phone="13812345679", purpose="login", code=code) is not None

    def test_the_sixth_try_fails_even_with_the_right_code(self):
        _, code = SmsCode.issue(phone="13812345678", purpose="login")
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            assert "不正确" in SmsCode.verify(phone="13812345678", purpose="login", code=wrong)
        assert "次数过多" in SmsCode.verify(phone="13812345678", purpose="login", code=code)

    def test_a_resend_within_sixty_seconds_is_refused(self, client, make_user):
        make_user("13812345678")
        assert _send(client).json()["sent"] is True
        again = _send(client)
        assert again.status_code == 400
        assert "60秒后" in again.json()["message"]
        assert SmsMessage.objects.count() == 1

    def test_registered_and_unregistered_phones_get_the_same_answer(self, client, make_user):
        make_user("13812345678")
        known = _send(client, phone="13812345678")
        unknown = _send(client, phone="13812345679")
        assert known.status_code == unknown.status_code == 200
        assert known.json() == unknown.json()
        assert list(SmsMessage.objects.values_list("phone", flat=True)) == ["13812345678"]

    def test_the_text_carries_the_sign_and_how_long_it_is_valid(self, client, make_user):
        make_user("13812345678")
        _send(client)
        text = SmsMessage.objects.get().text
        assert text.startswith("【北京保障房中心】")
        assert "5分钟内有效" in text

    def test_the_daily_cap_per_phone_holds(self, client, settings, make_user):
        settings.SMS_DAILY_PER_PHONE = "2/d"
        settings.SMS_RESEND_SECONDS = 0  # cache.add with timeout 0 expires at once
        make_user("13812345678")
        assert _send(client).status_code == 200
        assert _send(client).status_code == 200
        third = _send(client)
        assert "上限" in third.json()["message"]
        assert SmsMessage.objects.count() == 2

    def test_the_daily_cap_per_ip_holds_across_phones(self, client, settings):
        settings.SMS_DAILY_PER_IP = "3/d"
        answers = [_send(client, phone=f"1381234567{i}", purpose="register") for i in range(5)]
        assert [a.status_code for a in answers] == [200, 200, 200, 400, 400]

    def test_a_malformed_phone_gets_a_chinese_message(self, client):
        response = _send(client, phone="12345")
        assert response.status_code == 400
        assert "手机号" in response.json()["message"]

    def test_an_unknown_purpose_is_not_found(self, client):
        assert _send(client, purpose="bogus").status_code == 404

    def test_sending_needs_post(self, client):
        assert client.get(reverse("accounts:send_code", args=["login"])).status_code == 405


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level races need PostgreSQL")
def test_twenty_concurrent_wrong_guesses_count_at_most_five():
    row, code = SmsCode.issue(phone="13812345678", purpose="login")
    wrong = "000000" if code != "000000" else "111111"
    barrier = threading.Barrier(20)

    def guess() -> None:
        try:
            barrier.wait()
            SmsCode.verify(phone="13812345678", purpose="login", code=wrong)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    row.refresh_from_db()
    assert row.attempts == 5
    assert "次数过多" in SmsCode.verify(phone="13812345678", purpose="login", code=code)
