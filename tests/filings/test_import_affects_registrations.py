"""A filings import that turns a registered family's filing 失效, or takes away the unit type it
registered for, names those registrations; they stay active for a clerk to decide (issue 14 item 22)."""

import pytest
from django.utils import timezone

from accounts.models import AuditLog, User
from filings.models import Filing
from registrations.models import Registration
from registrations.services import registration_create
from tests.registrations.conftest import make_plan, make_project

from .test_import_filings import row, run_import, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(tmp_path):
    """Two bound families from one file, each with an active 二居室 registration."""
    run_import(write_csv(tmp_path, [row(1), row(2)], name="first.csv"))
    project = make_project(make_plan("KS-F"), "XM-F")
    made = []
    for n, filing in enumerate(Filing.objects.order_by("filing_no"), start=1):
        user = User.objects.create_user(f"1391111000{n}", "pw-2026-kind")
        Filing.objects.filter(pk=filing.pk).update(account=user, bound_at=timezone.now())
        filing.refresh_from_db()
        made.append(registration_create(filing=filing, actor=user, project=project, unit_type="二居室",
                                        acknowledged=True)[0])
    return made


def test_turning_a_registered_filing_invalid_names_the_registration(tmp_path, registered):
    first, second = registered
    out, _ = run_import(write_csv(tmp_path, [row(1, 状态="失效"), row(2)], name="second.csv"))

    assert f"登记编号 {first.number}" in out and "GLH2026000001" in out and "已改为失效" in out
    assert second.number not in out
    # Nothing is cancelled silently: the clerk decides.
    assert Registration.objects.get(pk=first.pk).is_active
    audit = AuditLog.objects.get(action="导入备案", details__file="second.csv")
    assert audit.details["registrations_to_review"] == [first.number]


def test_removing_the_registered_unit_type_names_the_registration(tmp_path, registered):
    first, second = registered
    out, _ = run_import(write_csv(tmp_path, [row(1), row(2, 可选套型="一居室")], name="second.csv"))

    assert f"登记编号 {second.number}" in out and "不再包含所登记的二居室" in out
    assert first.number not in out
    assert Registration.objects.get(pk=second.pk).is_active


def test_a_dry_run_names_them_too_and_changes_nothing(tmp_path, registered):
    first, _ = registered
    out, _ = run_import(write_csv(tmp_path, [row(1, 状态="失效"), row(2)], name="second.csv"), "--dry-run")
    assert f"登记编号 {first.number}" in out
    assert Filing.objects.get(filing_no="GLH2026000001").status == Filing.Status.VALID


def test_changes_that_leave_registrations_as_they_were_name_none(tmp_path, registered):
    out, _ = run_import(write_csv(tmp_path, [row(1, 可选套型="二居室;三居室"), row(2, 申请人姓名="改名")],
                                  name="second.csv"))
    assert "登记编号" not in out and "更新 2" in out
