"""现场修改手机号: a clerk changes an account's phone after checking the ID card."""

import pytest

from accounts.models import AuditLog, SmsMessage, User
from tests.notifications.jobs import run_jobs

from .conftest import staff

pytestmark = pytest.mark.django_db


def url(user: User) -> str:
    return f"/admin/accounts/user/{user.pk}/phone/"


def change(client, user: User, **data):
    data = {"phone": "13766667777", "new_phone_check": "in_hand", "id_checked": "on",
            "reason": "本人到窗口办理，原手机号已停用", **data}
    return client.post(url(user), {k: v for k, v in data.items() if v is not None})


def test_the_account_page_offers_it_to_a_clerk(clerk_client, family):
    page = clerk_client.get(f"/admin/accounts/user/{family.pk}/change/").content.decode()
    assert url(family) in page


def test_it_changes_the_phone_tells_the_old_one_and_audits(clerk_client, clerk, family,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = change(clerk_client, family)
    run_jobs()  # the notice goes through the queue
    assert response["Location"] == f"/admin/accounts/user/{family.pk}/change/"
    family.refresh_from_db()
    assert family.phone == "13766667777"
    sms = SmsMessage.objects.get()
    assert sms.phone == "13922223333" and "137****7777" in sms.text
    audit = AuditLog.objects.get(action="现场修改手机号")
    assert audit.actor == clerk and audit.reason == "本人到窗口办理，原手机号已停用"
    assert audit.details["old"] == "139****3333" and audit.details["new"] == "137****7777"
    assert "13922223333" not in str(audit.details)


def test_the_family_then_signs_in_with_the_new_phone(clerk_client, family):
    change(clerk_client, family)
    assert User.objects.filter(phone="13766667777").get() == family
    assert not User.objects.filter(phone="13922223333").exists()


@pytest.mark.parametrize(("data", "message"), [
    ({"phone": "13933334444"}, "该手机号已绑定其他账号，不能使用。"),
    ({"phone": "13922223333"}, "新手机号与原手机号相同。"),
    ({"phone": "12345"}, "请输入正确的11位手机号码。"),
    ({"reason": " "}, "请填写修改原因。"),
    ({"id_checked": None}, "请先核验本人身份证原件"),
])
def test_bad_input_is_named_and_nothing_changes(clerk_client, family, other_family, data, message):
    response = change(clerk_client, family, **data)
    assert response.status_code == 400 and message in response.content.decode()
    family.refresh_from_db()
    assert family.phone == "13922223333"
    assert not AuditLog.objects.exists() and not SmsMessage.objects.exists()


def test_a_clerk_cannot_change_a_staff_accounts_phone(clerk_client, plan_manager):
    response = change(clerk_client, plan_manager)
    assert response.status_code == 302
    plan_manager.refresh_from_db()
    assert plan_manager.phone == "13900000102" and not AuditLog.objects.exists()


def test_a_superuser_can_change_a_staff_accounts_phone(plan_manager):
    from .conftest import client_for

    admin = User.objects.create_superuser("13900000199", "x-pass-2026")
    change(client_for(admin), plan_manager)
    plan_manager.refresh_from_db()
    assert plan_manager.phone == "13766667777"


def test_staff_without_the_permission_get_403_and_others_the_login(auditor_client, bare_staff_client,
                                                                   family_client, stranger, family):
    for client in (auditor_client, bare_staff_client):
        assert change(client, family).status_code == 403
    for client in (family_client, stranger):
        assert change(client, family)["Location"].startswith("/admin/login/")
    family.refresh_from_db()
    assert family.phone == "13922223333"


def test_the_account_list_shows_phones_masked(clerk_client, family, other_family):
    page = clerk_client.get("/admin/accounts/user/").content.decode()
    assert "139****3333" in page and "13922223333" not in page and "13933334444" not in page


def test_an_unknown_account_is_404(clerk_client, db):
    staff("13900000105", None)
    assert clerk_client.get("/admin/accounts/user/999999/phone/").status_code == 404
