import re

import pytest

from rentals.models import Plan

from .conftest import closed_and_upcoming
from .workbook import load, plan_row, project_row

pytestmark = pytest.mark.django_db
URL = "/gzf/plans/"


def test_the_module_page_leads_to_the_plan_list(stranger):
    page = stranger.get("/gzf/").content.decode()
    assert f'href="{URL}"' in page and "业务办理" in page


def test_it_shows_each_published_plan_with_its_mode_window_state_and_projects(stranger, quick_plan, realtime_plan):
    page = stranger.get(URL).content.decode()

    assert "快速配租测试计划" in page and "实时配租测试计划" in page
    assert "快速配租" in page and "实时配租" in page
    assert "登记中" in page
    assert "朝阳家园" in page and "海淀家园" in page and "丰台实时家园" in page
    assert page.count("点击查看") >= 2
    assert f'href="/gzf/plans/{quick_plan.pk}/"' in page


def test_the_window_is_shown_in_beijing_time(stranger, tmp_path):
    load(tmp_path, [plan_row(opens="2026-12-01 09:00", closes="2026-12-31 17:00")], [project_row()])
    page = stranger.get(URL).content.decode()
    assert "2026-12-01 09:00 至 2026-12-31 17:00" in re.sub(r"<[^>]+>", "", page)
    assert 'datetime="2026-12-01T09:00:00+08:00"' in page


def test_a_restricted_plan_says_whom_it_admits(stranger, tmp_path):
    load(tmp_path, [plan_row("HD", districts="海淀区", categories="优先")], [project_row("HD")])
    assert "限定区域：海淀区；限定类别：优先" in stranger.get(URL).content.decode()


def test_drafts_never_show(stranger, tmp_path):
    load(tmp_path, [plan_row("DRAFT", name="草稿计划")], [project_row("DRAFT")], publish=False)
    page = stranger.get(URL).content.decode()
    assert "草稿计划" not in page
    assert "目前没有发布的配租计划" in page


def test_open_plans_come_first_and_each_state_is_labelled(stranger, quick_plan, tmp_path):
    closed_and_upcoming(tmp_path)
    page = stranger.get(URL).content.decode()
    assert page.index("快速配租测试计划") < page.index("未开始计划") < page.index("已截止计划")
    assert "未开始" in page and "已截止" in page


def test_it_answers_only_get(stranger):
    assert stranger.post(URL).status_code == 405


@pytest.mark.parametrize("plans", [2, 30])
def test_it_uses_a_fixed_number_of_queries(stranger, family_client, tmp_path, plans, django_assert_max_num_queries):
    rows = [plan_row(f"P{i:02d}") for i in range(plans)]
    projects = [project_row(f"P{i:02d}", f"X{i:02d}{j}") for i in range(plans) for j in range(3)]
    load(tmp_path, rows, projects)
    assert Plan.objects.published().count() == plans

    with django_assert_max_num_queries(2):
        assert stranger.get(URL).status_code == 200
    # A signed-in family adds the look-ups of its user and filing (the gate).
    with django_assert_max_num_queries(4):
        assert family_client.get(URL).status_code == 200


def test_the_plans_come_as_the_orm_lists_them(db):
    import datetime as dt

    from django.utils import timezone

    from bphc.statements import read_all

    now = timezone.now()
    for code, opens, published in (("B", 1, True), ("A", 1, True), ("C", 3, True), ("D", 2, False), ("E", -2, True)):
        Plan.objects.create(code=code, name=f"计划{code}", mode=Plan.Mode.QUICK,
                            opens_at=now - dt.timedelta(days=opens), closes_at=now + dt.timedelta(days=9),
                            is_published=published)
    listed = Plan.published_list()
    orm = list(Plan.objects.published())
    assert [p.code for p in listed] == [p.code for p in orm] == ["E", "A", "B", "C"]  # newest window first, then code
    fields = [f.attname for f in Plan._meta.concrete_fields]
    assert [[getattr(p, f) for f in fields] for p in listed] == [[getattr(p, f) for f in fields] for p in orm]
    assert read_all((Plan,), f"FROM {Plan._meta.db_table} WHERE id = %s", [2**70]) == []
