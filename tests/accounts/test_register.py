import pytest
from django.urls import reverse

from accounts.models import SmsCode, User
from tests.conftest import last_code

URL = "/accounts/register/"
VALID_ID = "11010519491231002X"


def _send(client, phone="13812345678", purpose="register"):
    return client.post(reverse("accounts:send_code", args=[purpose]), {"phone": phone})


def _form(phone="13812345678", code="", **extra):
    data = {"phone": phone, "code": code, "password": "Sunny-day-88", "password2": "Sunny-day-88"}
    data.update(extra)
    return data


@pytest.mark.django_db
class TestRegister:
    def test_the_page_has_the_manual_labels(self, client):
        page = client.get(URL).content.decode()
        for label in ("手机号", "获取验证码", "手机验证码", "密码", "确认密码", "姓名", "身份证号", "立即注册并完成"):
            assert label in page

    def test_it_registers_and_signs_in_with_a_code(self, client):
        assert _send(client).json()["sent"] is True
        code = last_code("13812345678")
        response = client.post(URL, _form(code=code, name="张三", id_number="11010519491231002x"))
        assert response.status_code == 302
        user = User.objects.get(phone="13812345678")
        assert user.name == "张三"
        assert user.id_number == VALID_ID  # lower-case x normalised
        assert user.check_password("Sunny-day-88")
        assert client.get(reverse("accounts:center")).status_code == 200

    def test_a_phone_with_spaces_and_country_code_is_normalised(self, client):
        _send(client, phone="+86 138 1234 5678")
        code = last_code("13812345678")
        client.post(URL, _form(phone="+86 138-1234-5678", code=code))
        assert User.objects.filter(phone="13812345678").exists()

    def test_sending_without_scripts_shows_the_form_again_with_a_countdown(self, client):
        response = client.post(URL, {"action": "send_code", "phone": "13812345678"})
        page = response.content.decode()
        assert "验证码已发送" in page
        assert 'data-countdown="60"' in page
        assert 'value="13812345678"' in page

    @pytest.mark.parametrize(
        ("data", "field", "message"),
        [
            ({"phone": "1381234567"}, "phone", "请输入正确的11位手机号码"),
            ({"phone": "12812345678"}, "phone", "请输入正确的11位手机号码"),
            ({"id_number": "110105194912310021"}, "id_number", "校验位不正确"),
            ({"id_number": "110105194913310020"}, "id_number", "出生日期不正确"),
            ({"password2": "Other-pass-99"}, "password2", "两次输入的密码不一致"),
            ({"code": "000000"}, "code", "验证码不正确"),
        ],
    )
    def test_bad_input_is_refused_inline_and_creates_nothing(self, client, data, field, message):
        _send(client)
        form = _form(code=last_code("13812345678"))
        form.update(data)
        response = client.post(URL, form)
        assert response.status_code == 400
        assert message in " ".join(response.context["form"].errors[field])
        assert not User.objects.exists()

    def test_a_second_account_for_the_same_phone_is_refused(self, client, make_user):
        make_user("13812345678")
        _send(client)
        # Only the phone's holder, with the code it received, learns it is registered (issue 12 item 7).
        response = client.post(URL, _form(code=last_code("13812345678")))
        assert "该手机号已注册" in response.content.decode()
        assert User.objects.count() == 1

    def test_a_second_account_for_the_same_id_number_is_refused(self, client, make_user):
        make_user("13700000000", id_number=VALID_ID)
        _send(client)
        response = client.post(URL, _form(code=last_code("13812345678"), id_number=VALID_ID))
        assert "该身份证号已被其他账号使用" in response.content.decode()
        assert User.objects.count() == 1

    def test_a_login_code_does_not_register(self, client, make_user):
        SmsCode.issue(phone="13812345678", purpose="login")
        _send(client, purpose="login")  # no account: nothing is delivered
        row, code = SmsCode.issue(phone="13812345678", purpose="login")
        response = client.post(URL, _form(code=code))
        assert response.status_code == 400
        assert not User.objects.exists()
