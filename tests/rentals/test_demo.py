from io import StringIO

import pytest
from openpyxl import load_workbook

from demo import make_plans
from rentals import demo
from rentals.models import Plan, Project, Unit

pytestmark = pytest.mark.django_db


def test_the_demo_plans_cover_every_state_and_restriction():
    demo.load(StringIO())

    plans = {p.code: p for p in Plan.objects.published()}
    assert len(plans) == 5
    states = {code: (p.mode, p.state_label()) for code, p in plans.items()}
    assert states["GZF-2026-KS04"] == (Plan.Mode.QUICK, "登记中")
    assert states["GZF-2026-SS02"] == (Plan.Mode.REALTIME, "登记中")
    assert states["GZF-2027-YX01"][1] == "未开始"
    assert states["GZF-2026-KS03"][1] == "已截止"
    assert plans["GZF-2026-HD01"].districts == ["海淀区"] and plans["GZF-2026-HD01"].is_open()
    assert plans["GZF-2027-YX01"].categories == ["优先"]
    assert Project.objects.count() >= 12
    assert Project.objects.values("district").distinct().count() >= 6
    assert Unit.objects.filter(project__plan__code="GZF-2026-SS02").count() >= 300


def test_loading_the_demo_twice_changes_nothing():
    demo.load(StringIO())
    before = list(Unit.objects.values_list("pk", "rent", "taken")), list(Plan.objects.values_list("opens_at"))

    out = StringIO()
    demo.load(out)

    assert "新建1" not in out.getvalue() and "更新1" not in out.getvalue()
    assert (list(Unit.objects.values_list("pk", "rent", "taken")), list(Plan.objects.values_list("opens_at"))) == before


def test_the_shipped_workbooks_are_what_the_generator_writes(tmp_path):
    written = make_plans.main(tmp_path)

    assert sorted(p.name for p in written) == sorted(p.name for p in demo.PLAN_DIR.glob("*.xlsx"))
    for path in written:
        fresh, shipped = load_workbook(path), load_workbook(demo.PLAN_DIR / path.name)
        for name in ("计划", "项目", "房源"):
            assert list(fresh[name].values) == list(shipped[name].values), f"{path.name} {name}"
