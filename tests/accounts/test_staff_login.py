import pytest

from accounts.models import SmsMessage
from tests.conftest import PASSWORD, last_code

URL = "/admin/login/"


@pytest.fixture
def clerk(make_user):
    return make_user("13700000001", name="窗口小王", is_staff=True, is_superuser=True)


@pytest.mark.django_db
class TestStaffLogin:
    def test_a_password_alone_does_not_open_the_admin(self, client, clerk):
        response = client.post(URL, {"phone": clerk.phone, "password": PASSWORD})
        assert "验证码已发送至您的手机 137****0001" in response.content.decode()
        assert "_auth_user_id" not in client.session
        assert client.get("/admin/").status_code == 302

    def test_password_then_the_code_sent_to_the_staff_phone_signs_in(self, client, clerk):
        client.post(URL, {"phone": clerk.phone, "password": PASSWORD})
        assert SmsMessage.objects.get().phone == clerk.phone
        response = client.post(URL, {"step": "code", "code": last_code(clerk.phone), "next": "/admin/"})
        assert response["Location"] == "/admin/"
        assert client.get("/admin/").status_code == 200

    def test_a_wrong_code_keeps_the_door_shut(self, client, clerk):
        client.post(URL, {"phone": clerk.phone, "password": PASSWORD})
        response = client.post(URL, {"step": "code", "code": "000000"})
        assert response.status_code == 400
        assert "验证码不正确" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_the_code_step_needs_the_password_step_first(self, client, clerk):
        response = client.post(URL, {"step": "code", "code": "123456"})
        assert response.status_code == 400
        assert "_auth_user_id" not in client.session

    def test_a_family_account_cannot_sign_in_to_the_admin(self, client, family):
        response = client.post(URL, {"phone": family.phone, "password": PASSWORD})
        assert "不是工作人员" in response.content.decode()
        assert not SmsMessage.objects.exists()

    def test_a_wrong_password_sends_nothing(self, client, clerk):
        response = client.post(URL, {"phone": clerk.phone, "password": "nope"})
        assert response.status_code == 400
        assert not SmsMessage.objects.exists()

    def test_the_admin_redirects_strangers_to_this_login(self, client):
        response = client.get("/admin/registrations/registration/")
        assert response["Location"].startswith("/admin/login/?next=")
        assert "工作人员登录" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
class TestTheFamilyFormsRefuseStaff:
    """The hole the review found: a staff password (or a family login code) on the family
    login opened a session that /admin/ accepted, skipping the staff SMS step."""

    def test_the_family_password_form_refuses_a_staff_account(self, client, clerk):
        response = client.post("/accounts/login/", {"tab": "password", "phone": clerk.phone, "password": PASSWORD})
        assert response.status_code == 400
        assert "工作人员账号请从工作人员登录入口" in response.content.decode()
        assert "_auth_user_id" not in client.session
        assert client.get("/admin/")["Location"].startswith("/admin/login/")

    def test_the_family_code_form_refuses_a_staff_account(self, client, clerk):
        client.post("/accounts/code/login/", {"phone": clerk.phone})
        response = client.post("/accounts/login/", {"tab": "code", "phone": clerk.phone,
                                                    "code": last_code(clerk.phone)})
        assert response.status_code == 400
        assert "工作人员账号请从工作人员登录入口" in response.content.decode()
        assert "_auth_user_id" not in client.session
        assert client.get("/admin/")["Location"].startswith("/admin/login/")

    def test_a_staff_session_made_any_other_way_gets_the_staff_sign_in(self, client, clerk):
        client.force_login(clerk)
        response = client.get("/admin/")
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
        # The sign-in page asks for the password again instead of waving the session through.
        assert "密码" in client.get(response["Location"]).content.decode()

    def test_the_second_factor_belongs_to_the_one_who_passed_it(self, client, clerk, make_user):
        other = make_user("13700000002", is_staff=True, is_superuser=True)
        client.post(URL, {"phone": clerk.phone, "password": PASSWORD})
        client.post(URL, {"step": "code", "code": last_code(clerk.phone)})
        assert client.get("/admin/").status_code == 200
        client.force_login(other)  # a new login flushes the session, the flag with it
        assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
class TestStaffSignInsAreAudited:
    """Issue 12 item 11: success, failure and lockout of the staff sign-in in the audit log."""

    def _actions(self):
        from accounts.models import AuditLog

        return list(AuditLog.objects.order_by("id").values_list("action", "reason"))

    def test_a_success_is_recorded_with_who_and_from_where(self, client, clerk):
        from accounts.models import AuditLog

        client.post(URL, {"phone": clerk.phone, "password": PASSWORD})
        client.post(URL, {"step": "code", "code": last_code(clerk.phone)}, REMOTE_ADDR="198.51.100.7")
        row = AuditLog.objects.get(action="工作人员登录")
        assert row.actor == clerk and row.details == {"phone": "137****0001", "ip": "198.51.100.7"}

    def test_a_wrong_password_and_a_wrong_code_are_recorded(self, client, clerk):
        client.post(URL, {"phone": clerk.phone, "password": "nope"})
        client.post(URL, {"phone": clerk.phone, "password": PASSWORD})
        client.post(URL, {"step": "code", "code": "000000"})
        assert self._actions() == [("工作人员登录失败", "手机号或密码不正确"), ("工作人员登录失败", "短信验证码不正确")]

    def test_a_lockout_is_recorded(self, client, clerk, settings):
        settings.LOGIN_RATE_PER_PHONE = "2/h"
        for _ in range(3):
            client.post(URL, {"phone": clerk.phone, "password": "nope"})
        assert self._actions()[-1] == ("工作人员登录锁定", "尝试次数过多")
        assert "13700000001" not in str(self._actions())
