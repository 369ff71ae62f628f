"""The audit log in the admin: browsable by actor, action and date; never editable."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditLog

pytestmark = pytest.mark.django_db

AUDIT = "/admin/accounts/auditlog/"


@pytest.fixture
def rows(clerk, plan_manager):
    audit_record(actor=clerk, action="现场修改手机号", reason="原手机号停用")
    audit_record(actor=plan_manager, action="发布配租计划")
    old = audit_record(actor=clerk, action="现场协助登记", reason="短信验证码确认（138****5678）")
    AuditLog.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))


def test_the_auditor_filters_by_actor(auditor_client, rows):
    page = auditor_client.get(AUDIT, {"actor_label": "计划老王"}).content.decode()
    assert "发布配租计划" in page and "原手机号停用" not in page


def test_the_auditor_filters_by_action(auditor_client, rows):
    page = auditor_client.get(AUDIT, {"action": "现场修改手机号"}).content.decode()
    assert "原手机号停用" in page and "短信验证码确认" not in page


def test_the_auditor_filters_by_date(auditor_client, rows):
    today = timezone.localdate()
    page = auditor_client.get(AUDIT, {"created_at__year": today.year, "created_at__month": today.month,
                                      "created_at__day": today.day}).content.decode()
    assert "原手机号停用" in page and "短信验证码确认" not in page


def test_a_row_opens_read_only_even_for_a_superuser(rows):
    from accounts.models import User

    from .conftest import client_for

    admin = client_for(User.objects.create_superuser("13900000199", "x-pass-2026"))
    row = AuditLog.objects.get(action="发布配租计划")
    page = admin.get(f"{AUDIT}{row.pk}/change/").content.decode()
    assert "发布配租计划" in page and 'name="_save"' not in page
    assert admin.get(f"{AUDIT}add/").status_code == 403
    assert admin.get(f"{AUDIT}{row.pk}/delete/").status_code == 403
    assert admin.post(AUDIT, {"action": "delete_selected", "_selected_action": [row.pk]}).status_code in (200, 302)
    assert AuditLog.objects.filter(pk=row.pk).exists()
