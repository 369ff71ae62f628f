"""The page checks themselves: each must catch the problem it exists for."""

import pytest
from playwright.sync_api import Page

from tests.e2e.helpers import assert_accessible, assert_no_sideways_scroll, assert_on_screen, visit_check

pytestmark = pytest.mark.browser

PAGE = (
    '<!doctype html><html lang="zh-Hans"><head><title>检查</title></head>'
    "<body><main><h1>检查</h1>{}</main></body></html>"
)


def test_the_axe_check_fails_on_an_unlabelled_field_and_says_where(page: Page):
    page.set_content(PAGE.format('<form><input type="text" name="phone"></form>'))
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    assert "label" in str(failure.value) and 'name="phone"' in str(failure.value)


def test_the_axe_check_fails_on_faint_text(page: Page):
    page.set_content(PAGE.format('<p style="color:#bbb;background:#fff">请携带身份证原件</p>'))
    with pytest.raises(AssertionError, match="color-contrast"):
        assert_accessible(page)


def test_the_axe_check_passes_a_sound_page(page: Page):
    page.set_content(PAGE.format('<form><label for="p">手机号</label><input id="p" type="tel"></form>'))
    assert_accessible(page)


def test_the_sideways_check_names_the_element_that_is_too_wide(page: Page, screen: str):
    page.set_content(PAGE.format('<table id="wide" style="width:1400px"><tr><td>房源</td></tr></table>'))
    with pytest.raises(AssertionError, match="scrolls sideways") as failure:
        assert_no_sideways_scroll(page)
    assert 'id="wide"' in str(failure.value)


def test_the_on_screen_check_catches_a_menu_opened_off_the_edge(page: Page):
    page.set_content(PAGE.format('<a href="#" style="position:absolute;left:-60px">公共租赁住房</a>'))
    with pytest.raises(AssertionError, match="outside"):
        assert_on_screen(page, page.get_by_role("link", name="公共租赁住房"))


def test_the_script_check_catches_an_inline_style_the_csp_refuses(page: Page):
    page.goto("/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">红字</p>')")
    with pytest.raises(AssertionError, match="Content Security Policy"):
        visit_check(page)
    page.script_errors.clear()  # the fixture would fail the test at teardown otherwise
