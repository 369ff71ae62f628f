"""忘记密码 (issue 14 item 19): a family that forgot its password resets it with an SMS code."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditLog, SmsMessage, User
from tests.conftest import PASSWORD, last_code

URL = "/accounts/password/reset/"
NEW = "xin-mima-2026"


def _send(client: Client, phone: str):
    return client.post(reverse("accounts:send_code", args=["reset"]), {"phone": phone})


def _reset(client: Client, phone: str, code: str, password: str = NEW, password2: str | None = None):
    return client.post(URL, {"phone": phone, "code": code, "password": password, "password2": password2 or password})


@pytest.mark.django_db
class TestPasswordReset:
    def test_the_login_page_leads_to_it(self, client):
        page = client.get("/accounts/login/?tab=password").content.decode()
        assert URL in page and "忘记密码" in page

    def test_a_family_resets_its_password_with_the_code_and_signs_in_with_the_new_one(self, client, make_user):
        user = make_user("13812345678")
        elsewhere = Client()
        elsewhere.force_login(user)
        assert _send(client, user.phone).json()["sent"] is True
        response = _reset(client, user.phone, last_code(user.phone))
        assert response.status_code == 302 and response["Location"] == "/accounts/login/?tab=password"
        user.refresh_from_db()
        assert user.check_password(NEW) and not user.check_password(PASSWORD)
        # The session on the other phone ended with the old password.
        assert elsewhere.get("/accounts/center/").status_code == 302
        assert AuditLog.objects.filter(action="重设密码", target_id=str(user.pk)).exists()
        login = client.post("/accounts/login/", {"tab": "password", "phone": user.phone, "password": NEW})
        assert login.status_code == 302

    def test_a_wrong_code_changes_nothing(self, client, make_user):
        user = make_user("13812345678")
        _send(client, user.phone)
        response = _reset(client, user.phone, "000000" if last_code(user.phone) != "000000" else "111111")
        assert response.status_code == 400 and "验证码" in response.content.decode()
        user.refresh_from_db()
        assert user.check_password(PASSWORD)

    def test_mismatched_passwords_keep_the_code_for_the_next_try(self, client, make_user):
        user = make_user("13812345678")
        _send(client, user.phone)
        code = last_code(user.phone)
        response = _reset(client, user.phone, code, NEW, "something-else-1")
        assert "两次输入的密码不一致" in response.content.decode()
        assert _reset(client, user.phone, code).status_code == 302

    def test_a_phone_without_an_account_reads_like_a_wrong_code(self, client, db):
        assert _send(client, "13800009999").json()["sent"] is True  # the same answer
        assert not SmsMessage.objects.exists()
        response = _reset(client, "13800009999", "123456")
        assert response.status_code == 400 and "验证码" in response.content.decode()
        assert not User.objects.exists()

    def test_a_staff_account_is_never_reset_by_sms(self, client, make_user):
        clerk = make_user("13700000001", is_staff=True)
        _send(client, clerk.phone)
        assert not SmsMessage.objects.filter(phone=clerk.phone).exists()
        response = _reset(client, clerk.phone, "123456")
        assert response.status_code == 400
        clerk.refresh_from_db()
        assert clerk.check_password(PASSWORD)
