"""The results journey: register, the window closes, the operator freezes, draws and publishes, the family sees it."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import Page, expect

from accounts.models import SmsMessage, User
from registrations.models import Registration
from results.models import Position
from tests.e2e.conftest import _add_session, _new_context, _new_page
from tests.e2e.helpers import visit_check
from tests.notifications.jobs import run_jobs
from tests.registrations.conftest import make_project
from tests.results.conftest import PUBLIC_VALUE, SEED, close, lottery_plan, register

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "results"


def _shot(page: Page, name: str, screen: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{screen}.png"), full_page=True)


@pytest.fixture
def desk(browser, live_server):
    """desk(user): the operator's page on a desktop screen, whatever screen the family uses."""
    contexts = []

    def _open(user):
        context = _new_context(browser, "desktop", live_server)
        contexts.append(context)
        _add_session(context, user, live_server)
        return _new_page(context)

    yield _open
    for context in contexts:
        context.close()


def test_family_registers_operator_draws_and_publishes_family_sees_its_position(
        page: Page, family, sign_in, another_browser, desk, screen):
    plan = lottery_plan()
    project = make_project(plan, "YH-01")
    for n in range(1, 6):
        register(project, n, name="欧阳娜娜" if n == 2 else "王芳", category="优先" if n == 3 else "普通")

    sign_in(family)
    page.goto(f"/gzf/projects/{project.pk}/")
    page.get_by_role("link", name="立即登记").click()
    page.get_by_role("radio", name="一居室").check()
    page.get_by_role("button", name="确认").click()
    page.get_by_label("我已经仔细阅读登记告知书").check()
    page.get_by_role("button", name="确认登记").click()
    expect(page.get_by_role("heading", name="登记成功")).to_be_visible()
    mine = Registration.objects.get(filing__account=family)

    close(plan)
    # Live-server tests flush the database, and with it the roles' groups: grant the permissions.
    manager = User.objects.create_user("13900000202", "x", name="计划管理员乙", is_staff=True)
    manager.user_permissions.set(Permission.objects.filter(content_type__app_label="results", codename__in=[
        "freeze_plan", "draw_plan", "publish_results", "view_resultplan"]))
    operator = desk(manager)
    operator.goto(f"/admin/results/resultplan/{plan.pk}/change/")
    operator.get_by_role("button", name="冻结登记名单").click()
    expect(operator.get_by_text("已冻结名单：6 户")).to_be_visible()
    operator.get_by_label("种子").fill(SEED)
    operator.get_by_label("公开值").fill(PUBLIC_VALUE)
    operator.get_by_role("button", name="摇号").click()
    expect(operator.get_by_text("已排序：6 户获得顺序号")).to_be_visible()
    operator.get_by_role("button", name="发布公示").click()
    expect(operator.get_by_text("已发布公示")).to_be_visible()
    _shot(operator, "admin", "desktop")

    position = Position.objects.get(registration=mine)
    page.goto("/center/records/")
    expect(page.get_by_text(f"顺序号 {position.number}")).to_be_visible()
    expect(page.get_by_text("本项目一居室共 6 户登记，房源 10 套")).to_be_visible()
    visit_check(page)
    _shot(page, "records", screen)
    run_jobs()  # the notification worker sends the 公示 notice, as `make run`'s worker does
    assert SmsMessage.objects.filter(phone=family.phone, text__contains=f"顺序号为{position.number}").exists()

    page.get_by_role("link", name="查看公示").click()
    expect(page.get_by_role("heading", name="如何自己核对")).to_be_visible()
    rows = page.locator("table.order tbody tr")
    expect(rows).to_have_count(6)
    expect(page.locator("table.order")).to_contain_text("欧阳**")
    expect(page.locator("table.order")).not_to_contain_text("欧阳娜娜")
    expect(rows.nth(position.number - 1)).to_contain_text(mine.number)
    visit_check(page)
    _shot(page, "public", screen)

    public = another_browser()  # nobody signed in
    public.goto(f"/gongshi/{plan.code}/")
    expect(public.locator("table.order tbody tr")).to_have_count(6)
    expect(public.get_by_text("python3 verify_draw.py")).to_be_visible()
