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


class TestReadable:
    """Issue 14 item 24: Beijing time everywhere, short reasons in the list, details in words."""

    def test_the_title_and_breadcrumbs_are_in_beijing_time_like_the_time_column(self, auditor_client, clerk):
        row = audit_record(actor=clerk, action="现场修改手机号")
        AuditLog.objects.filter(pk=row.pk).update(created_at=dt.datetime(2026, 12, 1, 16, 30, tzinfo=dt.UTC))
        page = auditor_client.get(f"{AUDIT}{row.pk}/change/").content.decode()
        assert "2026-12-02 00:30" in page and "2026-12-01 16:30" not in page

    def test_a_long_reason_is_cut_in_the_list_and_whole_on_its_page(self, auditor_client, clerk):
        reason = "家庭到窗口申请取消，" * 12
        row = audit_record(actor=clerk, action="协助取消登记", reason=reason)
        listing = auditor_client.get(AUDIT).content.decode()
        assert reason[:40] + "…" in listing and f">{reason}<" not in listing
        assert reason.strip() in auditor_client.get(f"{AUDIT}{row.pk}/change/").content.decode()

    def test_details_read_as_words_not_json(self, auditor_client, plan_manager):
        row = audit_record(actor=plan_manager, action="导出登记名单", details={"rows": 4, "full_id": False})
        page = auditor_client.get(f"{AUDIT}{row.pk}/change/").content.decode()
        assert "<strong>行数</strong>：4" in page and "<strong>完整身份证号</strong>：否" in page
        assert "&quot;rows&quot;" not in page and '"rows"' not in page


class TestCommandLine:
    """Imports and exports name the operating-system user and the command, not 系统."""

    def test_an_import_names_the_os_user_and_the_command(self, monkeypatch):
        import getpass
        import sys

        monkeypatch.setattr(getpass, "getuser", lambda: "ops-zhang")
        monkeypatch.setattr(sys, "argv", ["manage.py", "import_plans", "plans-2026.xlsx"])
        row = audit_record(actor=None, action="导入配租计划", reason="plans-2026.xlsx")
        assert row.actor_label == "命令行（ops-zhang）：import_plans"
        assert row.details == {"os_user": "ops-zhang", "command": "manage.py import_plans plans-2026.xlsx"}

    def test_a_labelled_import_keeps_its_label_and_gains_the_user(self, monkeypatch):
        import getpass
        import sys

        monkeypatch.setattr(getpass, "getuser", lambda: "ops-zhang")
        monkeypatch.setattr(sys, "argv", ["manage.py", "import_filings", "f.xlsx"])
        row = audit_record(actor=None, actor_label="运营（import_filings 命令）", action="导入备案")
        assert row.actor_label == "运营（import_filings 命令），操作系统用户 ops-zhang"
        assert row.details["command"] == "manage.py import_filings f.xlsx"

    def test_an_export_names_them_too(self, monkeypatch, tmp_path, quick_project):
        import getpass

        from django.core.management import call_command

        monkeypatch.setattr(getpass, "getuser", lambda: "ops-li")
        call_command("export_registrations", "KS2026-01", "--output", str(tmp_path / "x.xlsx"))
        row = AuditLog.objects.get(action="导出登记名单")
        assert row.actor_label == "命令行（ops-li）：export_registrations"
        assert row.details["os_user"] == "ops-li" and "export_registrations" in row.details["command"]

    def test_a_staff_members_row_is_not_touched(self, clerk, monkeypatch):
        import sys

        monkeypatch.setattr(sys, "argv", ["manage.py", "import_plans", "x"])
        row = audit_record(actor=clerk, action="现场协助登记")
        assert row.actor_label == "窗口小李" and row.details == {}
