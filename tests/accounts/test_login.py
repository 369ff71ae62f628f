import pytest
from django.urls import reverse

from accounts.models import SmsCode
from tests.conftest import PASSWORD, last_code

URL = "/accounts/login/"


def _code_for(client, phone):
    client.post(reverse("accounts:send_code", args=["login"]), {"phone": phone})
    return last_code(phone)


@pytest.mark.django_db
class TestLogin:
    def test_it_signs_in_with_phone_and_code(self, client, make_user):
        user = make_user("13812345678")
        code = _code_for(client, "13812345678")
        response = client.post(URL, {"tab": "code", "phone": "13812345678", "code": code})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)

    def test_the_page_shows_the_manual_button_and_a_password_tab(self, client):
        page = client.get(URL).content.decode()
        assert "立即登录" in page and "密码登录" in page
        assert "立即登录" not in client.get(URL + "?tab=password").content.decode().split("<form")[1]

    def test_it_signs_in_with_password(self, client, make_user):
        make_user("13812345678")
        response = client.post(URL, {"tab": "password", "phone": "13812345678", "password": PASSWORD})
        assert response.status_code == 302

    def test_a_wrong_password_is_refused_in_chinese(self, client, make_user):
        make_user("13812345678")
        response = client.post(URL, {"tab": "password", "phone": "13812345678", "password": "nope"})
        assert response.status_code == 400
        assert "手机号或密码不正确" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_a_code_for_a_phone_without_account_does_not_sign_in(self, client):
        _, code = SmsCode.issue(phone="13812345678", purpose="login")
        response = client.post(URL, {"tab": "code", "phone": "13812345678", "code": code})
        assert response.status_code == 400
        assert "_auth_user_id" not in client.session

    def test_next_is_honoured_for_same_site_targets(self, client, make_user):
        make_user("13812345678")
        code = _code_for(client, "13812345678")
        response = client.post(URL, {"tab": "code", "phone": "13812345678", "code": code, "next": "/gzf/"})
        assert response["Location"] == "/gzf/"

    def test_next_to_another_site_is_ignored(self, client, make_user):
        make_user("13812345678")
        code = _code_for(client, "13812345678")
        response = client.post(
            URL, {"tab": "code", "phone": "13812345678", "code": code, "next": "https://evil.example/"}
        )
        assert response["Location"] == reverse("accounts:center")

    def test_login_rotates_the_session(self, client, make_user):
        make_user("13812345678")
        client.get(URL)
        client.session.save()
        before = client.session.session_key
        client.post(URL, {"tab": "password", "phone": "13812345678", "password": PASSWORD})
        assert client.session.session_key != before

    def test_too_many_password_tries_are_limited(self, client, make_user, settings):
        settings.LOGIN_RATE_PER_PHONE = "3/h"
        make_user("13812345678")
        for _ in range(3):
            client.post(URL, {"tab": "password", "phone": "13812345678", "password": "nope"})
        response = client.post(URL, {"tab": "password", "phone": "13812345678", "password": PASSWORD})
        assert "尝试次数过多" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_logout_needs_post_and_signs_out(self, person_client):
        assert person_client.get("/accounts/logout/").status_code == 405
        response = person_client.post("/accounts/logout/")
        assert response.status_code == 302
        assert person_client.get(reverse("accounts:center")).status_code == 302


@pytest.mark.django_db
class TestCenter:
    def test_it_needs_sign_in(self, stranger):
        response = stranger.get(reverse("accounts:center"))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")

    def test_it_shows_phone_and_id_masked(self, client, make_user):
        user = make_user("13812345678", id_number="11010519491231002X")
        client.force_login(user)
        page = client.get(reverse("accounts:center")).content.decode()
        assert "138****5678" in page
        assert "1101**********002X" in page
        assert "13812345678" not in page
        assert "11010519491231002X" not in page

    def test_the_header_shows_the_avatar_when_signed_in(self, person_client, stranger):
        assert "个人中心" in person_client.get("/").content.decode()
        page = stranger.get("/").content.decode()
        assert "登录" in page and "注册" in page and "avatar" not in page
