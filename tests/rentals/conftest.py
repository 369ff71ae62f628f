import pytest

from rentals.models import Plan, Project, Unit

from .workbook import load, plan_row, project_row, units_for, when


@pytest.fixture
def quick_plan(db, tmp_path) -> Plan:
    """A published quick plan open now: 朝阳区 (一居室, 二居室) and 海淀区 (二居室, 三居室)."""
    load(tmp_path, [plan_row("KS01", name="快速配租测试计划", districts="朝阳区", categories="普通")], [
        project_row("KS01", "XM001", name="朝阳家园", unit_type="一居室", count=20, rent="1800-2100"),
        project_row("KS01", "XM001", name="朝阳家园", unit_type="二居室", count=10, area="58-62", rent="2900-3100"),
        project_row("KS01", "XM002", name="海淀家园", district="海淀区", unit_type="二居室", count=5, area=60,
                    rent=3000),
        project_row("KS01", "XM002", name="海淀家园", district="海淀区", unit_type="三居室", count=2, area=85,
                    rent=4200),
    ], name="quick.xlsx")
    return Plan.objects.get(code="KS01")


@pytest.fixture
def realtime_plan(db, tmp_path) -> Plan:
    """A published real-time plan open now: one project, twelve 一居室 over buildings 1, 2 and 10; one taken."""
    load(tmp_path, [plan_row("SS01", name="实时配租测试计划", mode="实时配租")],
         [project_row("SS01", "XM101", name="丰台实时家园", district="丰台区", count=12)],
         units_for("XM101", 12, buildings=3), name="realtime.xlsx")
    Unit.objects.filter(building="3").update(building="10")
    Unit.objects.filter(building="1", room="101").update(taken=True)
    return Plan.objects.get(code="SS01")


@pytest.fixture
def realtime_project(realtime_plan) -> Project:
    return realtime_plan.projects.get()


def closed_and_upcoming(tmp_path) -> None:
    load(tmp_path, [
        plan_row("OLD", name="已截止计划", opens=when(days=-30), closes=when(days=-2)),
        plan_row("NEW", name="未开始计划", opens=when(days=3), closes=when(days=30)),
    ], [project_row("OLD", "XM301", name="旧项目"), project_row("NEW", "XM302", name="新项目")], name="others.xlsx")
