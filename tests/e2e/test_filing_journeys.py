"""Journey 16, 备案信息认证: a person binds the family's filing from the user centre, on a phone and a desktop."""

import re

import pytest
from playwright.sync_api import Page, expect

from filings.models import Filing
from tests.conftest import FAMILY_ID, make_filing_row
from tests.e2e.helpers import visit_check

pytestmark = pytest.mark.browser

FILING_NO = "GLH2024000009"
CODE = "AB12CD"
# Names all three fields (issue 14 item 3): a wrong 身份证号 reads like a wrong code.
WRONG_NUMBER_OR_CODE = (
    "备案编号、验证码或身份证号不正确，请核对备案通知单和申请人身份证后重新输入。只能认证本人（申请人）的备案。"
)
FILING_PAGE = re.compile(r"/filing/(#main)?$")


def _open_verification(page: Page) -> None:
    """个人中心 → 公租房备案家庭信息 → 去公租房备案家庭信息认证, as a person clicks through."""
    page.goto("/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="个人中心").click()
    expect(page.get_by_role("heading", name="个人中心", exact=True)).to_be_visible()
    visit_check(page)
    page.get_by_role("navigation", name="个人中心").get_by_role("link", name="公租房备案家庭信息").click()
    expect(page.get_by_role("heading", name="公租房备案家庭信息")).to_be_visible()
    expect(page.get_by_text("您还未进行公租房备案家庭认证。")).to_be_visible()
    visit_check(page)
    page.get_by_role("link", name="去公租房备案家庭信息认证").click()
    expect(page.get_by_role("heading", name="公租房备案家庭信息认证")).to_be_visible()
    visit_check(page)


def _submit(page: Page, filing_no: str, code: str, id_number: str = FAMILY_ID) -> None:
    page.get_by_label("备案编号").fill(filing_no)
    page.get_by_label("验证码").fill(code)
    page.get_by_label("申请人身份证号").fill(id_number)
    page.get_by_role("button", name="确定").click()


def test_a_person_verifies_the_filing_and_sees_its_facts_masked(page: Page, person, sign_in):
    make_filing_row(FILING_NO, code=CODE, applicant_name="赵敏")
    sign_in(person)
    _open_verification(page)

    # As typed from the paper notice on a phone: lower case is fine.
    _submit(page, FILING_NO.lower(), CODE.lower())

    expect(page).to_have_url(FILING_PAGE)
    expect(page.get_by_text("认证成功，您的账号已绑定公租房备案家庭信息。")).to_be_visible()
    facts = page.get_by_role("main").locator("dl.facts")
    expect(facts).to_contain_text(FILING_NO)
    expect(facts).to_contain_text("赵敏")
    expect(facts).to_contain_text("1101**********0016")
    expect(facts).to_contain_text("一居室、二居室")
    expect(page.get_by_role("main")).not_to_contain_text(FAMILY_ID)
    expect(page.get_by_role("link", name="去公租房备案家庭信息认证")).to_have_count(0)
    visit_check(page)
    assert Filing.objects.get(filing_no=FILING_NO).account == person


def test_each_refusal_is_said_in_words_a_family_understands(page: Page, person, other_family, sign_in):
    make_filing_row(FILING_NO, code=CODE)
    make_filing_row("GLH2024000010", code="EF34GH", id_number="110105198303030012", status=Filing.Status.INVALID)
    # other_family's filing (GLH2024000002) is bound to its account already; its code is the default.
    sign_in(person)
    _open_verification(page)
    alert = page.get_by_role("alert")

    # A wrong code and an unknown number read the same, so numbers cannot be probed.
    _submit(page, FILING_NO, "ZZ99ZZ")
    expect(alert).to_have_text(WRONG_NUMBER_OR_CODE)
    expect(page.get_by_label("备案编号")).to_have_value(FILING_NO)
    visit_check(page)
    _submit(page, "GLH2099999999", CODE)
    expect(alert).to_have_text(WRONG_NUMBER_OR_CODE)

    _submit(page, "GLH2024000010", "EF34GH", "110105198303030012")
    expect(alert).to_have_text("该备案已失效，不能认证。如有疑问，请联系保障房中心。")
    visit_check(page)

    _submit(page, "GLH2024000002", CODE, "110105198202020018")
    expect(alert).to_have_text(re.compile(r"^\s*该备案已被其他账号认证。"))
    visit_check(page)

    assert not Filing.objects.filter(account=person).exists()
    assert Filing.objects.get(filing_no="GLH2024000002").account == other_family


def test_a_verified_family_is_shown_its_filing_instead_of_the_form(page: Page, family, sign_in):
    sign_in(family)
    page.goto("/filing/verify/")
    expect(page).to_have_url(FILING_PAGE)
    expect(page.get_by_text("您的账号已完成公租房备案家庭认证。").first).to_be_visible()
    expect(page.get_by_role("main").locator("dl.facts")).to_contain_text("GLH2024000001")
    visit_check(page)
