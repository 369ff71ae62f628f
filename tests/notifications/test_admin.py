import pytest
from django.db import transaction

from accounts.models import AuditLog, SmsMessage
from accounts.sms import SmsError
from notifications.models import Notification
from registrations.services import registration_create
from tests.clerks.conftest import AUDITOR, CLERK, PLAN_MANAGER, client_for, staff

from .jobs import run_jobs

pytestmark = pytest.mark.django_db
LIST = "/admin/notifications/notification/"


@pytest.fixture
def failed(family, quick_project, monkeypatch, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 1

    def refuse(*args, **kwargs):
        raise SmsError("FailedOperation.PhoneNumberInBlacklist")

    with monkeypatch.context() as patch:
        patch.setattr("notifications.services.send_sms", refuse)
        registration, _ = registration_create(
            filing=family.filing, actor=family, project=quick_project, unit_type="一居室", acknowledged=True
        )
        run_jobs()
    notification = Notification.objects.get()
    assert notification.status == Notification.Status.FAILED
    settings.NOTIFICATION_MAX_ATTEMPTS = 5
    return notification


def test_the_registration_page_shows_its_notifications_and_their_status(failed):
    clerk = staff("13900000101", CLERK, "窗口小李")
    page = client_for(clerk).get(f"/admin/registrations/registration/{failed.about_id}/change/").content.decode()
    assert "短信通知及发送状态" in page and "发送失败" in page and "FailedOperation.PhoneNumberInBlacklist" in page


def test_the_list_filters_by_status_and_purpose(failed, family):
    with transaction.atomic():
        from notifications.services import notification_enqueue

        notification_enqueue(phone=family.phone, purpose="phone_changed", params={"when": "x", "new_phone": "y"})
    client = client_for(staff("13900000103", AUDITOR, "审计小赵"))
    page = client.get(LIST, {"status__exact": "failed"}).content.decode()
    assert "登记成功" in page and "手机号变更</td>" not in page
    page = client.get(LIST, {"purpose__exact": "phone_changed"}).content.decode()
    assert "手机号变更</td>" in page and "发送失败</td>" not in page


def test_a_clerk_resends_a_failed_one_and_it_is_audited(failed, family):
    clerk = staff("13900000101", CLERK, "窗口小李")
    response = client_for(clerk).post(LIST, {"action": "resend", "_selected_action": [str(failed.pk)]})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == Notification.Status.PENDING and failed.attempts == 0
    audit = AuditLog.objects.get(action="重新发送短信通知")
    assert audit.actor == clerk and audit.target_id == str(failed.pk)
    run_jobs()
    failed.refresh_from_db()
    assert failed.status == Notification.Status.SENT
    assert SmsMessage.objects.filter(phone=family.phone).count() == 1


def test_resend_needs_its_permission(failed):
    for who in (staff("13900000103", AUDITOR, "审计小赵"), staff("13900000102", PLAN_MANAGER, "计划老王")):
        client_for(who).post(LIST, {"action": "resend", "_selected_action": [str(failed.pk)]})
    failed.refresh_from_db()
    assert failed.status == Notification.Status.FAILED
    assert not AuditLog.objects.filter(action="重新发送短信通知").exists()


def test_a_sent_one_is_not_resent(family, quick_project):
    registration_create(filing=family.filing, actor=family, project=quick_project, unit_type="一居室",
                        acknowledged=True)
    run_jobs()
    sent = Notification.objects.get()
    clerk = staff("13900000101", CLERK, "窗口小李")
    client_for(clerk).post(LIST, {"action": "resend", "_selected_action": [str(sent.pk)]})
    run_jobs()
    assert SmsMessage.objects.count() == 1 and not AuditLog.objects.filter(action="重新发送短信通知").exists()
