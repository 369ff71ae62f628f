import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import SmsMessage
from notifications.models import Notification, PlanReminder
from rentals.models import Plan

from .conftest import make_plan, make_project
from .jobs import run_jobs

pytestmark = pytest.mark.django_db
BOX = "开放登记时短信提醒我"


@pytest.fixture
def upcoming(db) -> Plan:
    plan = make_plan("KS2027-01", opens_in_days=2)
    make_project(plan, "XM-KS-09", ("一居室",))
    return plan


def _remind(client: Client, plan: Plan, on: bool = True):
    return client.post(f"/notifications/plans/{plan.pk}/remind/", {"remind": "on"} if on else {})


def test_a_family_ticks_the_box_and_gets_one_sms_when_the_plan_opens(family_client, family, upcoming, make_user):
    assert BOX in family_client.get(f"/gzf/plans/{upcoming.pk}/").content.decode()
    response = _remind(family_client, upcoming)
    assert response.status_code == 302
    page = family_client.get(response["Location"]).content.decode()
    assert "已订阅" in page and 'name="remind" checked' in page

    call_command("notifications_due")  # not open yet: nothing
    run_jobs()
    assert not SmsMessage.objects.exists()

    Plan.objects.filter(pk=upcoming.pk).update(opens_at=timezone.now() - dt.timedelta(minutes=1))
    call_command("notifications_due")
    call_command("notifications_due")  # cron runs again a minute later
    run_jobs()
    texts = list(SmsMessage.objects.filter(phone=family.phone).values_list("text", flat=True))
    assert len(texts) == 1 and "已开放登记" in texts[0] and upcoming.name in texts[0]
    notification = Notification.objects.get(purpose="plan_opened")
    assert notification.about == upcoming and notification.status == Notification.Status.SENT


def test_each_of_several_subscribers_gets_exactly_one(upcoming, family, other_family):
    for user in (family, other_family):
        client = Client()
        client.force_login(user)
        assert _remind(client, upcoming).status_code == 302
    Plan.objects.filter(pk=upcoming.pk).update(opens_at=timezone.now() - dt.timedelta(minutes=1))
    call_command("notifications_due")
    call_command("notifications_due")
    run_jobs()
    assert sorted(SmsMessage.objects.values_list("phone", flat=True)) == sorted([family.phone, other_family.phone])


def test_unticking_cancels_the_reminder(family_client, upcoming):
    _remind(family_client, upcoming)
    _remind(family_client, upcoming, on=False)
    assert not PlanReminder.objects.exists()


def test_an_open_plan_or_one_the_family_does_not_qualify_for_offers_no_box(family_client, quick_project):
    assert BOX not in family_client.get(f"/gzf/plans/{quick_project.plan_id}/").content.decode()
    response = _remind(family_client, quick_project.plan)
    assert "只能为尚未开放" in family_client.get(response["Location"]).content.decode()
    other_district = make_plan("KS2027-02", opens_in_days=2, districts=["海淀区"])
    make_project(other_district, "XM-KS-10", ("一居室",), district="海淀区")
    assert BOX not in family_client.get(f"/gzf/plans/{other_district.pk}/").content.decode()
    _remind(family_client, other_district)
    assert not PlanReminder.objects.exists()


def test_reminding_needs_a_signed_in_family_and_a_post(stranger, family_client, upcoming):
    assert _remind(stranger, upcoming).status_code == 302
    assert family_client.get(f"/notifications/plans/{upcoming.pk}/remind/").status_code == 405
    assert not PlanReminder.objects.exists()
