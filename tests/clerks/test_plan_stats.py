"""plan_stats: one computation of how a plan is going, printed by the command."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from registrations.services import registration_cancel
from registrations.stats import plan_stats

from .conftest import make_project, rush
from .rushes import open_on_the_hour

pytestmark = pytest.mark.django_db


def test_a_quick_plan_counts_by_project_and_unit_type_against_the_offer(quick_project, clerk):
    plan = open_on_the_hour(quick_project)
    second = make_project(plan, "XM-KS-02", ("一居室", "二居室"))
    made = rush(plan, [quick_project, second], 8, [0, 0, 0, 2], clerk)
    registration_cancel(registration=made[0], actor=clerk)

    stats = plan_stats(plan)
    table = {(r.project_code, r.unit_type): (r.offered, r.registrations) for r in stats.rows}
    assert table == {
        ("XM-KS-01", "一居室"): (10, 1), ("XM-KS-01", "二居室"): (10, 2), ("XM-KS-01", "三居室"): (10, 0),
        ("XM-KS-02", "一居室"): (10, 2), ("XM-KS-02", "二居室"): (10, 2),
    }
    assert stats.registrations == 7 and stats.cancelled == 1 and stats.created == 8
    assert stats.offered == 50 and stats.units == 0 and stats.free_units == 0
    assert [(r.project_code, r.unit_type) for r in stats.rows][:3] == [
        ("XM-KS-01", "一居室"), ("XM-KS-01", "二居室"), ("XM-KS-01", "三居室")]


def test_hours_run_from_the_opening_to_now_with_empty_hours_as_zero(quick_project, clerk):
    plan = open_on_the_hour(quick_project, hours_ago=30)
    rush(plan, [quick_project], 7, [0, 0, 0, 1, 1, 5, 5], clerk)
    stats = plan_stats(plan)
    counts = [h.count for h in stats.per_hour]
    assert counts[:7] == [3, 2, 0, 0, 0, 2, 0]
    assert sum(counts) == 7 and len(counts) in (31, 32)
    assert stats.per_hour[0].start == plan.opens_at
    assert stats.peak.count == 3 and stats.peak.start == plan.opens_at


def test_a_real_time_plan_counts_units_and_free_units(realtime_project, clerk):
    plan = open_on_the_hour(realtime_project)
    rush(plan, [realtime_project], 3, [0], clerk)
    stats = plan_stats(plan)
    (row,) = stats.rows
    assert (row.unit_type, row.offered, row.units, row.free_units, row.registrations) == ("一居室", 10, 8, 5, 3)
    assert row.ratio == pytest.approx(3 / 8)


def test_a_plan_not_yet_open_has_no_hours(db):
    from .conftest import make_plan

    plan = make_plan("YX2027-01", opens_in_days=3)
    make_project(plan, "XM-YX-01")
    stats = plan_stats(plan)
    assert stats.per_hour == [] and stats.registrations == 0 and stats.peak is None


def test_the_command_prints_the_summary_the_table_and_the_busy_hours(quick_project, clerk):
    plan = open_on_the_hour(quick_project)
    rush(plan, [quick_project], 4, [0, 0, 3], clerk)
    out = StringIO()
    call_command("plan_stats", "KS2026-01", stdout=out)
    text = out.getvalue()
    assert "测试计划KS2026-01（KS2026-01） · 快速配租 · 登记中" in text
    assert "有效登记 4 条，已取消 0 条，套数 30" in text
    assert "XM-KS-01  XM-KS-01家园  一居室  10  2  0.20" in text
    assert f"{timezone.localtime(plan.opens_at):%Y-%m-%d %H}:00  3" in text
    assert "高峰" in text


def test_the_command_on_a_real_time_plan_shows_free_units(realtime_project, clerk):
    open_on_the_hour(realtime_project)
    rush(realtime_project.plan, [realtime_project], 2, [0], clerk)
    out = StringIO()
    call_command("plan_stats", "SS2026-01", stdout=out)
    assert "房源 8 套，剩余可选 6 套" in out.getvalue()
    assert "XM-SS-01  XM-SS-01家园  一居室  10  8  6  2  0.25" in out.getvalue()


def test_an_unknown_plan_is_a_clear_error(quick_project):
    with pytest.raises(CommandError, match="未找到计划编号为“KS1999-01”的配租计划"):
        call_command("plan_stats", "KS1999-01", stdout=StringIO())


def test_the_plan_code_is_found_whatever_its_case(quick_project):
    out = StringIO()
    call_command("plan_stats", quick_project.plan.code.lower(), stdout=out)
    assert f"（{quick_project.plan.code}）" in out.getvalue()
