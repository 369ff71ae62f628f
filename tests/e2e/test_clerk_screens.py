"""The counter in Chromium at 1280 px: assisted registration ends with a receipt (issue 14 items 6
and 9), the screens are readable at arm's length (issue 17 item 5), and the filings list fits.

The family watches the counter's screen with the clerk, so every assisted screen is measured:
the smallest text in the page's content and the smallest target.
"""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from registrations.models import Registration
from rentals.models import Plan, Unit
from tests.clerks.conftest import CLERK, staff
from tests.conftest import make_filing_row
from tests.e2e.conftest import ARTIFACTS
from tests.registrations.conftest import make_plan, make_project, make_units

pytestmark = pytest.mark.browser

MIN_TEXT_PX, MIN_TARGET_PX = 18, 44
MEASURE = """() => {
  const seen = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const content = document.querySelector('#content');
  let text = 1e9, textAt = '', target = 1e9, targetAt = '';
  for (const el of content.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (own && seen(el)) { const px = parseFloat(getComputedStyle(el).fontSize);
      if (px < text) { text = px; textAt = el.outerHTML.slice(0, 80); } }
  }
  for (const el of content.querySelectorAll('a, button, select, textarea, input:not([type=hidden])')) {
    if (!seen(el)) continue;
    let box = el;
    if (el.type === 'checkbox' || el.type === 'radio')
      box = el.closest('label') || document.querySelector(`label[for="${el.id}"]`) || el;
    const h = Math.min(box.getBoundingClientRect().height, box.getBoundingClientRect().width);
    if (h < target) { target = h; targetAt = el.outerHTML.slice(0, 80); }
  }
  return {text, textAt, target, targetAt};
}"""


def measure(page: Page, name: str) -> dict:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"clerk-{name}.png"), full_page=True)
    figures = page.evaluate(MEASURE)
    assert figures["text"] >= MIN_TEXT_PX, figures
    assert figures["target"] >= MIN_TARGET_PX - 0.5, figures
    print(f"{name}: smallest text {figures['text']}px, smallest target {figures['target']:.1f}px")
    return figures


@pytest.fixture
def desktop_only(screen: str) -> None:
    if screen != "desktop":
        pytest.skip("the counter is a desktop monitor at 1280 px")


@pytest.fixture
def clerk(db):
    # A live-server test flushes the tables, and with them the roles the migration made.
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    # The custom ones are not in any Meta (see registrations/migrations/0002), so not recreated.
    for app, model, codename in [("registrations", "registration", "assist_registration"),
                                 ("registrations", "registration", "cancel_on_behalf"),
                                 ("accounts", "user", "change_phone_onsite")]:
        Permission.objects.get_or_create(codename=codename, defaults={
            "name": codename, "content_type": ContentType.objects.get_by_natural_key(app, model)})
    group, _ = Group.objects.get_or_create(name=CLERK)
    group.permissions.set(Permission.objects.filter(codename__in=[
        "view_filing", "view_registration", "assist_registration", "cancel_on_behalf", "view_user",
        "change_phone_onsite", "search_by_id_number", "view_plan", "view_project", "view_unit",
    ]))
    return staff("13900000301", CLERK, "窗口小李")


def test_a_walk_in_without_a_phone_leaves_with_a_printed_receipt(desktop_only, page: Page, sign_in, clerk):
    plan = make_plan("KS2026-01")
    project = make_project(plan, "XM-KS-01", ("一居室", "二居室", "三居室"))
    make_project(make_plan("HD2026-01", districts=["海淀区"]), "XM-HD-01", district="海淀区")
    filing = make_filing_row("GLH2026009002", applicant_name="牛大爷", id_number="110105199001010010", phone="")
    sign_in(clerk)

    page.goto("/admin/")
    page.get_by_role("link", name="现场协助登记").first.click()
    page.get_by_label("备案编号").fill("GLH2026009002")
    page.get_by_label("身份证号（读卡或按身份证原件输入）").fill(filing.id_number)
    page.get_by_role("button", name="查询并核对").click()
    expect(page.get_by_text("✓ 一致")).to_be_visible()
    measure(page, "1-lookup")

    page.get_by_role("link", name="下一步：选择计划与房源").click()
    plan_select = page.get_by_label("配租计划")
    assert "测试计划HD2026-01" not in plan_select.inner_text()  # eligibility decides what is offered
    plan_select.select_option(str(plan.pk))
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("项目").select_option(str(project.pk))
    page.get_by_role("button", name="下一步").click()
    options = page.get_by_label("套型").inner_text()
    assert "一居室" in options and "三居室" not in options
    page.get_by_label("套型").select_option("二居室")
    page.get_by_role("button", name="下一步").click()
    page.get_by_text("家庭已阅读告知书").click()
    measure(page, "2-choose")
    page.get_by_role("button", name="下一步：家庭确认").click()

    page.get_by_text("已核验身份证原件及备案通知单原件").click()
    measure(page, "3-confirm")
    page.get_by_role("button", name="确认登记").click()
    registration = Registration.objects.get(filing=filing)
    expect(page.get_by_text(f"登记编号 {registration.number}")).to_be_visible()
    receipt = page.get_by_role("link", name="打印登记回执")
    expect(receipt).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "clerk-4-registered.png"), full_page=True)
    pdf = page.request.get(receipt.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")


def test_the_unit_picker_is_grouped_by_building_with_floor_and_orientation(desktop_only, page: Page, sign_in,
                                                                           clerk):
    project = make_project(make_plan("SS2026-01", Plan.Mode.REALTIME), "XM-SS-01", ("一居室", "二居室"))
    make_units(project, 6)
    filing = make_filing_row("GLH2026009003", applicant_name="马秀兰", id_number="110105199001010029", phone="")
    Unit.objects.create(project=project, building="2", entrance="1", floor=9, room="999", unit_type="三居室",
                        area=Decimal("88"), rent=Decimal("3000"), orientation="东")
    sign_in(clerk)
    page.goto("/admin/registrations/registration/assist/")
    page.get_by_label("备案编号").fill(filing.filing_no)
    page.get_by_label("身份证号（读卡或按身份证原件输入）").fill(filing.id_number)
    page.get_by_role("button", name="查询并核对").click()
    page.get_by_role("link", name="下一步：选择计划与房源").click()
    page.get_by_label("配租计划").select_option(str(project.plan_id))
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("项目").select_option(str(project.pk))
    page.get_by_role("button", name="下一步").click()
    groups = page.locator("select[name=unit] optgroup")
    expect(groups).to_have_count(1)
    assert groups.first.get_attribute("label") == "1号楼"
    first = page.locator("select[name=unit] option").nth(1).inner_text()
    assert first.startswith("1层 · 1号楼1单元101室 · 朝南 · 一居室 · 42.5㎡")
    assert "999室" not in page.locator("select[name=unit]").inner_text()  # a 三居室 the family may not take
    measure(page, "2-units")


def test_the_filings_list_shows_its_last_columns_at_1280(desktop_only, page: Page, sign_in, clerk):
    from tests.clerks.conftest import id_number

    for i in range(3):
        make_filing_row(f"GLH20260091{i:02d}", applicant_name="欧阳长名字", id_number=id_number(700 + i),
                        phone="13812345678")
    sign_in(clerk)
    page.goto("/admin/filings/filing/")
    page.screenshot(path=str(ARTIFACTS / "clerk-filings-list.png"), full_page=True)
    last = page.locator("#result_list thead th").last
    expect(last).to_contain_text("认证锁定")  # the last column since the per-filing lockout
    # Inside the list's own scroll box, not merely inside the window.
    right = last.evaluate("el => el.getBoundingClientRect().right")
    box = page.locator("#changelist .results").evaluate("el => el.getBoundingClientRect().right")
    assert right <= box + 1, (right, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
