"""Journeys 6, 7, 9–14: register (quick and real-time), the refusals, the records, print, PDF and cancel.

Each on a phone and a desktop; the catalogue journeys cover the way from the home page to a
project's detail page, so these start there.
"""

import re
import subprocess

import pytest
from playwright.sync_api import Page, expect

from filings.models import Filing
from registrations.models import Registration
from registrations.services import registration_create
from rentals.models import Plan, Project, Unit
from tests.e2e.helpers import request_code, tab_to, visit_check
from tests.registrations.conftest import make_plan, make_project, make_units

pytestmark = pytest.mark.browser

ACK = "我已经仔细阅读登记告知书"
ACK_REQUIRED = "请先阅读告知书，并勾选“我已经仔细阅读登记告知书”。"
ONE_PER_PLAN = "您已登记过本计划中的房源，本计划每户限登记一次。如需更换，请先取消原登记。"
UNIT_TAKEN = "该房源已被其他家庭登记，请选择其他房源。"


@pytest.fixture
def quick_project(db) -> Project:
    """An open quick plan's project offering 一居室, 二居室, 三居室; the family qualifies for the first two."""
    return make_project(make_plan("KS2026-01"), "XM-KS-01", ("一居室", "二居室", "三居室"))


@pytest.fixture
def realtime_project(db) -> Project:
    """An open real-time plan's project with eight free 一居室 units (1号楼1单元101室 …)."""
    project = make_project(make_plan("SS2026-01", Plan.Mode.REALTIME), "XM-SS-01", ("一居室",))
    make_units(project, 8)
    return project


def _register_button(page: Page):
    return page.get_by_role("button", name="确认登记")


def _reasons(page: Page):
    return page.get_by_role("alert").get_by_role("listitem")


def _registration(account, **filters) -> Registration:
    return Registration.objects.select_related("plan").get(filing=Filing.objects.get(account=account), **filters)


def _register_directly(family, project, **target) -> Registration:
    """A registration made as the pages make it, for the journeys that start after one exists."""
    registration, _ = registration_create(
        filing=Filing.objects.get(account=family), actor=family, project=project, acknowledged=True, **target
    )
    return registration


def test_quick_plan_choose_read_the_notice_register_and_the_three_ways_on(page: Page, quick_project, family,
                                                                          sign_in):
    sign_in(family)
    page.goto(f"/gzf/projects/{quick_project.pk}/")
    page.get_by_role("link", name="立即登记").click()

    # The family qualifies for 一居室 and 二居室 of the three offered: it chooses one.
    expect(page.get_by_role("heading", name="选择套型")).to_be_visible()
    expect(page.get_by_role("radio")).to_have_count(2)
    expect(page.get_by_role("radio", name="三居室")).to_have_count(0)
    visit_check(page)
    page.get_by_role("radio", name="二居室").check()
    page.get_by_role("button", name="确认").click()

    expect(page.get_by_role("heading", name="本次计划的告知书")).to_be_visible()
    expect(page.get_by_role("region", name="告知书全文")).to_contain_text("一、登记不等于配租。")
    expect(page.get_by_role("main").locator("dl.facts")).to_contain_text("二居室")
    button, tick = _register_button(page), page.get_by_label(ACK)
    expect(button).to_be_disabled()
    visit_check(page)
    tick.check()
    expect(button).to_be_enabled()
    tick.uncheck()
    expect(button).to_be_disabled()

    # The server checks the tick, not only the page: a button forced on is refused.
    button.evaluate("b => { b.disabled = false; }")
    button.click()
    expect(page.get_by_role("alert")).to_have_text(ACK_REQUIRED)
    expect(tick).to_have_accessible_description(ACK_REQUIRED)
    expect(button).to_be_disabled()
    visit_check(page)
    assert not Registration.objects.exists()

    tick.check()
    button.click()
    expect(page.get_by_role("heading", name="登记成功")).to_be_visible()
    registration = _registration(family)
    assert registration.unit_type == "二居室"
    expect(page.get_by_text(f"登记编号：{registration.number}")).to_be_visible()
    visit_check(page)

    # The three ways on, each followed and come back from.
    page.get_by_role("link", name="打印").click()
    expect(page.get_by_role("heading", name="打印预览")).to_be_visible()
    expect(page.locator("article.receipt")).to_have_count(1)
    expect(page.locator("article.receipt")).to_contain_text(registration.number)
    visit_check(page)
    page.go_back()
    page.get_by_role("main").get_by_role("link", name="个人中心", exact=True).click()
    expect(page.get_by_role("heading", name="业务记录")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(registration.number)
    visit_check(page)
    page.go_back()
    # Issue 14 item 13: 继续选择项目 leads to the plan list, not back into this plan.
    page.get_by_role("link", name="继续选择项目").click()
    expect(page).to_have_url(re.compile(r"/gzf/plans/$"))
    expect(page.get_by_text(registration.plan.name).first).to_be_visible()
    visit_check(page)

    # Journey 10: one registration per family per plan, said before any unit type is chosen.
    page.goto(f"/gzf/plans/{registration.plan_id}/")
    expect(page.get_by_role("status", name="您的登记情况")).to_contain_text("您已登记本计划")
    page.get_by_role("link", name="去登记").click()
    page.get_by_role("link", name="立即登记").click()
    expect(page.get_by_role("heading", name="登记失败")).to_be_visible()
    expect(_reasons(page)).to_have_text([ONE_PER_PLAN])
    visit_check(page)
    assert Registration.objects.count() == 1


def test_a_district_limited_plan_says_why_it_refuses(page: Page, family, sign_in):
    project = make_project(make_plan("KS2026-09", districts=["海淀区", "西城区"]), "XM-KS-09", ("一居室",))
    sign_in(family)
    page.goto(f"/gzf/projects/{project.pk}/")
    page.get_by_role("link", name="立即登记").click()
    expect(page.get_by_role("heading", name="登记失败")).to_be_visible()
    expect(_reasons(page)).to_have_text(
        ["行政区域限制：本计划仅限备案区为海淀区、西城区的家庭登记，您的备案区为朝阳区。"]
    )
    visit_check(page)
    page.get_by_role("link", name="继续选择项目").click()
    expect(page.get_by_role("heading", name="测试计划KS2026-09")).to_be_visible()


def test_real_time_a_family_takes_a_unit_and_another_family_can_no_longer(
    page: Page, realtime_project, family, other_family, sign_in, another_browser
):
    unit = Unit.objects.get(project=realtime_project, room="102")
    detail = f"/gzf/projects/{realtime_project.pk}/"
    unit_link = f"登记 {unit.label}"
    # The other family opens the same unit's notice first, and is still reading it.
    other = another_browser(other_family)
    other.goto(detail)
    other.get_by_role("link", name=unit_link).click()
    expect(other.get_by_role("heading", name="本次计划的告知书")).to_be_visible()

    sign_in(family)
    page.goto(detail)
    page.get_by_role("link", name=unit_link).click()
    expect(page.get_by_role("main").locator("dl.facts")).to_contain_text(f"{unit.label}，1层，一居室")
    visit_check(page)
    page.get_by_label(ACK).check()
    _register_button(page).click()
    expect(page.get_by_role("heading", name="登记成功")).to_be_visible()
    registration = _registration(family)
    expect(page.get_by_text(f"登记编号：{registration.number}")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(unit.label)
    visit_check(page)

    # Too late for the other family: the unit went while it read.
    other.get_by_label(ACK).check()
    _register_button(other).click()
    expect(other.get_by_role("heading", name="登记失败")).to_be_visible()
    expect(_reasons(other)).to_have_text([UNIT_TAKEN])
    visit_check(other)
    other.get_by_role("link", name="重新选择房源").click()
    row = other.get_by_role("row").filter(has=other.get_by_role("rowheader", name=re.compile(rf"{unit.room}室")))
    expect(row).to_contain_text("已登记")
    expect(row.get_by_role("link")).to_have_count(0)
    expect(other.get_by_role("link", name=unit_link)).to_have_count(0)
    visit_check(other)
    # Nor does the address of the unit's registration page help.
    other.goto(f"/register/{realtime_project.pk}/?unit={unit.pk}")
    expect(_reasons(other)).to_have_text([UNIT_TAKEN])
    visit_check(other)
    assert not Registration.objects.filter(filing__account=other_family).exists()


def test_records_show_more_print_both_and_download_the_pdf(page: Page, quick_project, realtime_project, family,
                                                           sign_in, tmp_path):
    quick = _register_directly(family, quick_project, unit_type="一居室")
    realtime = _register_directly(family, realtime_project, unit=realtime_project.units.get(room="101"))
    sign_in(family)
    page.goto("/")
    # The avatar, top right → 个人中心 → 业务记录.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="个人中心").click()
    page.get_by_role("navigation", name="个人中心").get_by_role("link", name="业务记录").click()
    expect(page.get_by_role("heading", name="业务记录")).to_be_visible()
    expect(page.locator("li.record")).to_have_count(2)
    visit_check(page)

    page.get_by_role("link", name=re.compile(rf"^查看更多\s*（{realtime.number}）$")).click()
    expect(page.get_by_role("heading", name="项目登记详情")).to_be_visible()
    facts = page.get_by_role("main").locator("dl.facts")
    expect(facts).to_contain_text(realtime.number)
    expect(facts).to_contain_text("1号楼1单元101室（一居室）")
    expect(facts).to_contain_text("陈静（1101**********0016）")
    visit_check(page)
    page.get_by_role("link", name="返回业务记录").click()

    page.get_by_label(f"选择登记 {quick.number}").check()
    page.get_by_label(f"选择登记 {realtime.number}").check()
    page.get_by_role("button", name="打印").click()
    expect(page.get_by_role("heading", name="打印预览")).to_be_visible()
    receipts = page.locator("article.receipt")
    expect(receipts).to_have_count(2)
    expect(receipts.locator(".receipt-number")).to_have_text([quick.number, realtime.number])
    expect(page.get_by_role("img", name="回执真伪查验二维码")).to_have_count(2)
    visit_check(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="下载PDF").click()
    pdf = tmp_path / "receipts.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    assert quick.number in text and realtime.number in text
    assert "公共租赁住房登记回执" in text, text[:500]


def test_cancel_with_an_sms_code_and_the_unit_is_free_again(page: Page, realtime_project, family, sign_in):
    unit = realtime_project.units.get(room="101")
    registration = _register_directly(family, realtime_project, unit=unit)
    sign_in(family)
    page.goto("/center/records/")
    page.get_by_label(f"选择登记 {registration.number}").check()
    page.get_by_role("button", name="取消").click()

    expect(page.get_by_role("heading", name="取消登记")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(registration.number)
    expect(page.get_by_role("main")).to_contain_text("所选房源将立即释放给其他家庭")
    visit_check(page)
    page.get_by_label("手机验证码").fill(request_code(page, family.phone))
    visit_check(page)
    page.get_by_role("button", name="确认取消").click()

    expect(page.get_by_role("heading", name="业务记录")).to_be_visible()
    expect(page.get_by_text(f"已取消登记：{registration.number}。")).to_be_visible()
    record = page.locator("li.record").filter(has_text=registration.number)
    expect(record).to_contain_text("已取消")
    visit_check(page)

    page.goto(f"/gzf/projects/{realtime_project.pk}/")
    expect(page.get_by_role("link", name=f"登记 {unit.label}")).to_be_visible()
    visit_check(page)


def test_the_registration_journey_works_with_the_keyboard_alone(page: Page, quick_project, family, sign_in):
    sign_in(family)
    page.goto(f"/gzf/projects/{quick_project.pk}/")
    keys = page.keyboard

    tab_to(page, page.get_by_role("link", name="立即登记"))
    keys.press("Enter")
    expect(page.get_by_role("heading", name="选择套型")).to_be_visible()
    tab_to(page, page.get_by_role("radio", name="一居室"))
    keys.press("ArrowDown")
    expect(page.get_by_role("radio", name="二居室")).to_be_checked()
    expect(page.get_by_role("radio", name="二居室")).to_be_focused()
    keys.press("Tab")
    expect(page.get_by_role("button", name="确认")).to_be_focused()
    keys.press("Enter")

    expect(page.get_by_role("heading", name="本次计划的告知书")).to_be_visible()
    tick, button = page.get_by_label(ACK), _register_button(page)
    # The notice itself can be reached and scrolled from the keyboard, then the tick.
    tab_to(page, page.get_by_role("region", name="告知书全文"))
    keys.press("Tab")
    expect(tick).to_be_focused()
    expect(button).to_be_disabled()
    keys.press("Space")
    expect(tick).to_be_checked()
    expect(button).to_be_enabled()
    keys.press("Tab")
    expect(button).to_be_focused()
    keys.press("Enter")

    expect(page.get_by_role("heading", name="登记成功")).to_be_visible()
    assert _registration(family).unit_type == "二居室"
    tab_to(page, page.get_by_role("link", name="打印"))
    keys.press("Enter")
    expect(page.get_by_role("heading", name="打印预览")).to_be_visible()


def test_back_after_registering_shows_the_familys_own_flat_and_the_plan_list_is_next(
    page: Page, realtime_project, family, sign_in
):
    # Issue 14 items 11 and 13.
    sign_in(family)
    unit = realtime_project.units.first()
    registration = _register_directly(family, realtime_project, unit=unit)
    page.goto(f"/register/{realtime_project.pk}/?unit={unit.pk}")
    expect(page.get_by_role("heading", name="登记成功")).to_be_visible()
    expect(page.get_by_text(registration.number)).to_be_visible()
    expect(page.get_by_text("登记失败")).to_have_count(0)
    visit_check(page)
    page.get_by_role("link", name="继续选择项目").click()
    expect(page).to_have_url(re.compile(r"/gzf/plans/$"))


def test_a_cancelled_registration_reads_cancelled_on_its_page_and_receipt(page: Page, quick_project, family,
                                                                          sign_in):
    # Issue 14 item 12.
    from registrations.services import registration_cancel

    sign_in(family)
    registration = _register_directly(family, quick_project, unit_type="一居室")
    registration_cancel(registration=registration, actor=family)
    page.goto(f"/registrations/{registration.pk}/success/")
    expect(page.get_by_role("heading", name="已取消")).to_be_visible()
    expect(page.get_by_role("heading", name="登记成功")).to_have_count(0)
    visit_check(page)
    page.get_by_role("link", name="打印").click()
    expect(page.get_by_text("本回执作废")).to_be_visible()
    visit_check(page)


def test_the_project_pages_say_up_front_that_the_family_has_registered(page: Page, quick_project, family, sign_in):
    # Issue 14 item 14.
    sign_in(family)
    registration = _register_directly(family, quick_project, unit_type="一居室")
    for url in (f"/gzf/plans/{quick_project.plan_id}/", f"/gzf/projects/{quick_project.pk}/"):
        page.goto(url)
        expect(page.get_by_role("status", name="您的登记情况")).to_contain_text("您已登记本计划")
        expect(page.get_by_role("status", name="您的登记情况")).to_contain_text(registration.number)
        visit_check(page)


def test_a_district_limited_plan_says_why_before_any_button(page: Page, family, sign_in, db):
    sign_in(family)
    project = make_project(make_plan("HD-01", districts=["海淀区"]), "XM-HD-01")
    page.goto(f"/gzf/projects/{project.pk}/")
    expect(page.get_by_role("status", name="您的登记情况")).to_contain_text("您不符合本计划的申请条件")
    expect(page.get_by_role("status", name="您的登记情况")).to_contain_text("海淀区")
    visit_check(page)


def test_the_help_page_gives_the_hotline_places_and_questions(page: Page, settings, db):
    # Issue 14 item 20.
    from guide.models import AssistPlace

    settings.BPHC_HOTLINE = "010-96105"
    AssistPlace.objects.create(name="朝阳区保障房服务大厅", address="朝阳区测试路8号", hours="工作日 9:00–17:00")
    page.goto("/gzf/")
    page.get_by_role("link", name=re.compile("帮助")).click()
    expect(page.get_by_role("heading", name="帮助", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="010-96105")).to_be_visible()
    expect(page.get_by_text("工作日 9:00–17:00")).to_be_visible()
    expect(page.get_by_role("heading", name="备案家庭如何重设手机号？")).to_be_visible()
    visit_check(page)


def test_buildings_written_the_natural_way_read_once_in_the_browser(page: Page, family, sign_in, db, request):
    # Issue 14 item 18: 楼号 and 单元 as operators' sheets write them, as a family sees them.
    from decimal import Decimal

    from tests.e2e.conftest import ARTIFACTS

    doubled = re.compile(r"号楼号楼|栋号楼|座号楼|单元单元|楼号楼")
    project = make_project(make_plan("SS-LH-01", Plan.Mode.REALTIME), "XM-LH-01", ("一居室",))
    for i, building in enumerate(("1号楼", "2栋", "东区3号楼", "A座"), start=1):
        Unit(project=project, building=building, entrance="1单元", floor=1, room=f"{i}01", unit_type="一居室",
             area=Decimal("42.5"), rent=Decimal("1650"), orientation="南").save()
    sign_in(family)
    page.goto(f"/gzf/projects/{project.pk}/")
    tabs = page.get_by_role("navigation", name="楼号")
    for label in ("1号楼", "2号楼", "东区3号楼", "A座"):
        expect(tabs.get_by_role("link", name=re.compile(f"^{label} "))).to_be_visible()
    tabs.get_by_role("link", name=re.compile("^东区3号楼 ")).click()
    expect(page.get_by_role("heading", name="东区3号楼", exact=True)).to_be_visible()
    expect(page.get_by_role("table").last).to_contain_text("1单元")
    assert doubled.findall(page.inner_text("body")) == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = re.sub(r"[^\w-]+", "-", request.node.name.removeprefix("test_")).strip("-")
    page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=True)
    page.get_by_role("table").last.get_by_role("link", name=re.compile("登记")).first.click()
    expect(page.get_by_text("东区3号楼1单元301室").first).to_be_visible()
    assert doubled.findall(page.inner_text("body")) == []
    visit_check(page)
