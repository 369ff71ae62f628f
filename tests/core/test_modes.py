"""The 长辈版 / 标准版 switch: a plain form, remembered by a cookie and on the account."""

import pytest

from bphc.modes import COOKIE


def test_the_switch_draws_the_page_in_elder_mode_and_remembers_it_in_a_cookie(client, db):
    response = client.post("/mode/", {"mode": "elder", "next": "/gzf/"})
    assert response.status_code == 302 and response["Location"] == "/gzf/"
    assert response.cookies[COOKIE].value == "elder"
    page = client.get("/gzf/").content.decode()
    assert '<html lang="zh-Hans" class="elder">' in page
    assert "计划列表" in page


def test_the_standard_mode_has_no_elder_class(client, db):
    page = client.get("/").content.decode()
    assert '<html lang="zh-Hans">' in page and "长辈版" in page


def test_a_signed_in_choice_is_kept_on_the_account_and_applied_on_another_phone(client, db, make_user):
    user = make_user("13812345678")
    client.force_login(user)
    client.post("/mode/", {"mode": "elder", "next": "/"})
    user.refresh_from_db()
    assert user.elder_mode is True
    other_phone = type(client)()
    other_phone.force_login(user)
    response = other_phone.get("/")
    assert 'class="elder"' in response.content.decode()
    assert response.cookies[COOKIE].value == "elder"  # so it outlasts the logout on that phone


def test_an_unknown_mode_changes_nothing_and_says_so(client, db):
    response = client.post("/mode/", {"mode": "huge", "next": "/"}, follow=True)
    assert "无法识别要切换的版本" in response.content.decode()
    assert COOKIE not in client.cookies


def test_an_outside_next_address_is_not_followed(client, db):
    response = client.post("/mode/", {"mode": "elder", "next": "https://example.com/"})
    assert response["Location"] == "/"


@pytest.mark.parametrize("method", ["get", "put"])
def test_only_a_post_switches(client, db, method):
    assert getattr(client, method)("/mode/").status_code == 405
