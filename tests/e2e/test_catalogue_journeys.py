"""Journeys 3–5, 8 and 18: from the home page to a plan's projects and a project's details, on a phone and a desktop.

Who may see what: a stranger is asked to log in (and comes back), a person without a verified
filing is sent to verify it, a family sees the projects, filters them and opens their details.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from filings.models import Filing
from registrations.services import registration_create
from rentals.models import Plan
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import page_mode, request_code, visit_check
from tests.registrations.conftest import make_plan, make_project, make_units

pytestmark = pytest.mark.browser

QUICK_PLAN = "测试计划KS2026-01"
REALTIME_PLAN = "测试计划SS2026-01"


@pytest.fixture
def catalogue(db, other_family) -> dict:
    """A quick plan with three projects and a real-time plan (朝阳区 only) whose 1号楼1单元101室 is taken."""
    quick = make_plan("KS2026-01")
    make_project(quick, "XM-KS-01", ("一居室", "二居室", "三居室"))
    make_project(quick, "XM-KS-02", ("二居室", "三居室"), district="海淀区")
    make_project(quick, "XM-KS-03", ("三居室",))
    realtime = make_plan("SS2026-01", Plan.Mode.REALTIME, districts=["朝阳区"])
    project = make_project(realtime, "XM-SS-01", ("一居室",))
    units = make_units(project, 8)
    registration_create(filing=Filing.objects.get(account=other_family), actor=other_family, project=project,
                        unit=units[0], acknowledged=True)
    return {"quick": quick, "realtime": realtime, "realtime_project": project, "units": units}


def _plan_card(page: Page, name: str):
    return page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=name, exact=True))


def _open_plan(page: Page, name: str) -> None:
    """计划列表 → the plan's 点击查看."""
    _plan_card(page, name).get_by_role("link", name=re.compile("^点击查看")).click()


def _project_card(page: Page, name: str):
    return page.locator("li.project").filter(has=page.get_by_role("heading", name=name, exact=True))


def test_a_stranger_finds_the_plans_logs_in_and_comes_back_to_the_plan(page: Page, catalogue, family):
    page.goto("/")
    visit_check(page)
    nav = page.get_by_role("navigation", name="主导航")
    nav.get_by_text("多元业务").click()
    nav.get_by_role("link", name="公共租赁住房").click()
    expect(page.get_by_role("heading", name="公共租赁住房")).to_be_visible()
    visit_check(page)
    page.get_by_role("link", name=re.compile("^业务办理")).click()

    expect(page.get_by_role("heading", name="配租计划")).to_be_visible()
    expect(_plan_card(page, QUICK_PLAN)).to_contain_text("XM-KS-01家园、XM-KS-02家园、XM-KS-03家园")
    # Journey 18: whom a plan admits is stated before anyone registers.
    expect(_plan_card(page, REALTIME_PLAN)).to_contain_text("限定区域：朝阳区")
    visit_check(page)

    _open_plan(page, QUICK_PLAN)
    expect(page.get_by_role("alert")).to_contain_text("需要登录后再办理此业务")
    visit_check(page)
    page.get_by_role("link", name="去登录").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    visit_check(page)

    page.get_by_label("手机号").fill(family.phone)
    page.get_by_label("手机验证码").fill(request_code(page, family.phone))
    page.get_by_role("button", name="立即登录").click()

    expect(page).to_have_url(re.compile(rf"/gzf/plans/{catalogue['quick'].pk}/$"))
    expect(page.get_by_role("heading", name=QUICK_PLAN)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="共 3 个项目")).to_be_visible()
    visit_check(page)


def test_a_person_without_a_verified_filing_is_sent_to_verify_it(page: Page, catalogue, person, sign_in):
    sign_in(person)
    page.goto("/gzf/plans/")
    expect(page.get_by_text("查看项目和登记，需要先登录并完成公租房备案家庭认证。")).to_be_visible()
    _open_plan(page, REALTIME_PLAN)
    expect(page.get_by_role("alert")).to_contain_text("您还未进行公租房备案家庭认证，请前往个人中心进行认证")
    visit_check(page)
    page.get_by_role("link", name="去公租房备案家庭信息认证").click()
    expect(page.get_by_role("heading", name="公租房备案家庭信息认证")).to_be_visible()
    expect(page.get_by_label("备案编号")).to_be_visible()


def test_a_family_filters_the_projects_and_opens_a_quick_projects_detail(page: Page, catalogue, family, sign_in):
    sign_in(family)
    page.goto("/gzf/plans/")
    _open_plan(page, QUICK_PLAN)
    expect(page.get_by_role("heading", name=QUICK_PLAN)).to_be_visible()
    expect(page.get_by_role("heading", name="公告")).to_be_visible()
    projects = page.locator("li.project")
    expect(projects).to_have_count(3)
    visit_check(page)

    page.get_by_label("区域").select_option("海淀区")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_role("status").filter(has_text="共 3 个项目")).to_have_text(
        "共 3 个项目，符合筛选条件的 1 个。"
    )
    expect(projects).to_have_count(1)
    expect(_project_card(page, "XM-KS-02家园")).to_contain_text("海淀区")
    visit_check(page)

    page.get_by_role("link", name="清除筛选").click()
    expect(projects).to_have_count(3)
    page.get_by_label("户型").select_option("一居室")
    page.get_by_role("button", name="筛选").click()
    expect(projects).to_have_count(1)
    expect(page.get_by_label("户型")).to_have_value("一居室")
    card = _project_card(page, "XM-KS-01家园")
    expect(card).to_contain_text("一居室 10套")
    visit_check(page)

    card.get_by_role("link", name="去登记").click()
    expect(page.get_by_role("heading", name="XM-KS-01家园")).to_be_visible()
    offers = page.get_by_role("region", name="套型登记")
    for unit_type in ("一居室", "二居室", "三居室"):
        expect(offers.get_by_role("rowheader", name=unit_type)).to_be_visible()
    expect(page.get_by_role("link", name="立即登记")).to_be_visible()
    visit_check(page)
    # Back to the list keeps the family's filter.
    page.get_by_role("link", name="返回项目列表").click()
    expect(projects).to_have_count(1)
    expect(page.get_by_label("户型")).to_have_value("一居室")


def test_a_family_opens_a_real_time_projects_units_and_sees_the_taken_one(page: Page, catalogue, family, sign_in):
    sign_in(family)
    page.goto("/gzf/plans/")
    _open_plan(page, REALTIME_PLAN)
    expect(page.get_by_role("region", name="公告")).to_contain_text("朝阳区")
    card = _project_card(page, "XM-SS-01家园")
    expect(card).to_contain_text("7 套（共 8 套）")
    visit_check(page)

    card.get_by_role("link", name="查看详情 登记").click()
    expect(page.get_by_role("heading", name="XM-SS-01家园")).to_be_visible()
    units = page.get_by_role("region", name="房源")
    taken = units.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(r"1单元 101室")))
    expect(taken).to_contain_text("已登记")
    expect(taken.get_by_role("link")).to_have_count(0)
    expect(units.get_by_role("link", name="登记 1号楼1单元101室")).to_have_count(0)
    expect(units.get_by_role("link", name="登记 1号楼1单元102室")).to_be_visible()
    expect(units.get_by_role("link", name=re.compile("^登记 "))).to_have_count(7)
    visit_check(page)
    # No table makes the page scroll sideways, at 24 px on a 375 px phone either.
    assert page.evaluate(
        "() => [...document.querySelectorAll('.table-wrap')].every(w => w.scrollWidth <= w.clientWidth)")
    # Looked at by hand: in 长辈版 on a phone the unit table is one labelled block per unit.
    page.screenshot(path=str(ARTIFACTS / f"units-{page_mode(page)}-{page.viewport_size['width']}.png"), full_page=True)

    page.get_by_label("只看可选房源").check()
    page.get_by_role("button", name="筛选").click()
    expect(units.get_by_role("row").filter(has_text="已登记")).to_have_count(0)
    expect(units.get_by_role("link", name=re.compile("^登记 "))).to_have_count(7)
    visit_check(page)

