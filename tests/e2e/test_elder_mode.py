"""长辈版: the switch is remembered (reload, account on another phone, no scripts); 朗读; screenshots."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import request_code, visit_check
from tests.registrations.conftest import make_plan, make_project

pytestmark = pytest.mark.browser

PHONE = "13812345678"
ELDER = re.compile(r"\belder\b")

# A speech synthesiser with one Chinese voice that writes down what it is asked to say.
FAKE_SPEECH = """
  window.spoken = [];
  const synth = {
    getVoices: () => [{lang: "zh-CN", name: "普通话"}],
    speak: (u) => { window.spoken.push(u.text); window.lastUtterance = u; },
    cancel: () => { window.cancelled = true; },
    addEventListener: () => {}, onvoiceschanged: null,
  };
  Object.defineProperty(window, "speechSynthesis", {value: synth});
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
"""
NO_SPEECH = "Object.defineProperty(window, 'speechSynthesis', {value: undefined});"


def _switch(page: Page, name: str) -> None:
    page.get_by_role("group", name="显示版本").get_by_role("button", name=name).click()


@pytest.mark.parametrize("mode", ["standard"])
def test_the_switch_survives_a_reload_and_reaches_another_phone_through_the_account(
    page: Page, make_user, another_browser, mode
):
    make_user(PHONE)
    page.goto("/accounts/login/")
    page.get_by_label("手机号").fill(PHONE)
    page.get_by_label("手机验证码").fill(request_code(page, PHONE))
    page.get_by_role("button", name="立即登录").click()
    _switch(page, "长辈版")
    expect(page.locator("html")).to_have_class(ELDER)
    visit_check(page)
    page.reload()
    expect(page.locator("html")).to_have_class(ELDER)
    page.get_by_role("button", name="退出登录").click()
    expect(page.locator("html")).to_have_class(ELDER)  # the phone keeps it after the logout

    other = another_browser()  # a fresh browser, in 标准版
    other.goto("/accounts/login/?tab=password")  # the first code's resend wait is still running
    expect(other.locator("html")).not_to_have_class(ELDER)
    other.get_by_label("手机号").fill(PHONE)
    other.get_by_label("密码").fill(PASSWORD)
    other.get_by_role("button", name="登录", exact=True).click()
    expect(other).to_have_url(re.compile("/accounts/center/$"))
    expect(other.locator("html")).to_have_class(ELDER)
    _switch(other, "标准版")
    expect(other.locator("html")).not_to_have_class(ELDER)


@pytest.mark.parametrize("mode", ["standard"])
def test_the_switch_works_with_scripts_off(browser, live_server, screen, mode):
    from tests.e2e.conftest import SCREENS

    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, **SCREENS[screen])
    try:
        page = context.new_page()
        page.goto("/gzf/")
        _switch(page, "长辈版")
        expect(page).to_have_url(re.compile(r"/gzf/$"))
        expect(page.locator("html")).to_have_class(ELDER)
        _switch(page, "标准版")
        expect(page.locator("html")).not_to_have_class(ELDER)
    finally:
        context.close()


@pytest.fixture
def announced_plan(db):
    plan = make_plan("KS2026-09")
    plan.announcement = "本次配租面向本市已备案家庭。"
    plan.save()
    make_project(plan, "XM-KS-09", ("一居室",))
    return plan


@pytest.mark.parametrize("mode", ["elder"])
def test_the_announcement_is_read_aloud_in_chinese_and_can_be_stopped(page: Page, announced_plan, family, sign_in,
                                                                     mode):
    sign_in(family)
    page.add_init_script(FAKE_SPEECH)
    page.goto(f"/gzf/plans/{announced_plan.pk}/")
    announcement = page.locator("section.announcement")
    announcement.get_by_role("button", name="朗读", exact=True).click()
    spoken = page.evaluate("() => window.spoken")
    assert len(spoken) == 1 and "本次配租面向本市已备案家庭。" in spoken[0] and "朗读" not in spoken[0]
    assert page.evaluate("() => window.lastUtterance.lang") == "zh-CN"
    stop = announcement.get_by_role("button", name="停止朗读")
    expect(stop).to_be_enabled()
    stop.click()
    assert page.evaluate("() => window.cancelled") is True
    visit_check(page)


@pytest.mark.parametrize("mode", ["elder"])
def test_read_aloud_is_hidden_where_the_browser_cannot_speak(page: Page, announced_plan, family, sign_in, mode):
    sign_in(family)
    page.add_init_script(NO_SPEECH)
    page.goto(f"/gzf/plans/{announced_plan.pk}/")
    expect(page.get_by_role("button", name="朗读", exact=True)).to_have_count(0)


@pytest.mark.parametrize("mode", ["standard", "elder"])
def test_screenshots_of_the_plan_list_detail_notice_and_records(page: Page, announced_plan, family, sign_in, screen,
                                                                mode):
    if screen != "phone":
        pytest.skip("the screenshots are taken at 375 px")
    sign_in(family)
    out = ARTIFACTS / "screens"
    out.mkdir(parents=True, exist_ok=True)
    project = announced_plan.projects.get()
    for name, url in [("plans", "/gzf/plans/"), ("detail", f"/gzf/projects/{project.pk}/"),
                      ("notice", f"/gzf/plans/{announced_plan.pk}/"), ("records", "/center/records/")]:
        page.goto(url)
        visit_check(page)
        page.screenshot(path=str(out / f"{name}-{mode}.png"), full_page=True)
