"""Issue 19: a family waits in the room on a phone, sees its place fall, is admitted and registers."""

import re

import pytest
from playwright.sync_api import Page, expect

from admission import store
from tests.admission.conftest import Clock, family_clients, make_room_project, register_url
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import visit_check

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("screen", ["phone"])
def test_a_family_waits_sees_its_place_fall_is_admitted_and_registers(
    page: Page, family, sign_in, make_user, monkeypatch, mode
):
    clock = Clock()
    monkeypatch.setattr(store, "now", clock)  # the live server runs in this process: one clock
    project = make_room_project()  # admits one family every 10 s, one at once when idle
    for client in family_clients(make_user, 3):  # one goes straight in, two wait ahead of us
        client.get(register_url(project))
    sign_in(family)
    unit = project.units.order_by("pk").first()

    page.goto(f"/gzf/plans/{project.plan_id}/")
    expect(page.get_by_role("heading", name="排队登记")).to_be_visible()  # the seed's SHA-256 on the 公告
    page.get_by_role("link", name="查看详情 登记").click()  # the project: its unit table is behind the room
    expect(page).to_have_url(re.compile(rf"/room/{project.plan_id}/\?next="))
    ahead = page.locator(".room-ahead")
    expect(ahead).to_have_text("2")
    expect(page.get_by_text("离开本页不会失去位置。")).to_be_visible()
    expect(page.get_by_label(re.compile("轮到我时短信通知我"))).to_be_visible()
    visit_check(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"room-waiting-{mode}-375.png"), full_page=True)

    clock.advance(10)  # one more admitted; the page refreshes itself (no script needed)
    expect(ahead).to_have_text("1")
    page.screenshot(path=str(ARTIFACTS / f"room-waiting-fell-{mode}-375.png"), full_page=True)

    clock.advance(20)  # our turn: the next refresh goes on to the unit table
    page.get_by_role("link", name=f"登记 {unit.label}").click()
    expect(page.get_by_role("heading", name="本次计划的告知书")).to_be_visible()
    page.get_by_label("我已经仔细阅读登记告知书").check()
    page.get_by_role("button", name="确认登记").click()
    expect(page.get_by_role("heading", name="登记成功")).to_be_visible()
    visit_check(page)
    page.screenshot(path=str(ARTIFACTS / f"room-registered-{mode}-375.png"), full_page=True)


@pytest.mark.parametrize("screen", ["phone"])
@pytest.mark.parametrize("mode", ["standard"])
def test_the_room_unavailable_page_is_clear(page: Page, family, sign_in, make_user, settings, mode):
    project = make_room_project()
    sign_in(family)
    settings.ADMISSION_STORE_URL = "redis://127.0.0.1:8857/0"  # nothing listens there
    page.goto(register_url(project))
    expect(page.get_by_role("heading", name="排队系统暂时不可用")).to_be_visible()
    expect(page.get_by_text("您的排队位置不会丢失")).to_be_visible()
    visit_check(page)
    page.screenshot(path=str(ARTIFACTS / "room-unavailable-standard-375.png"), full_page=True)
