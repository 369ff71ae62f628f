"""The page frame drawn once per process (bphc/templatetags/drawn.py) never carries one request's
words into another's page: each family's header is its own, each page its own title and form."""

import re

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import Client

from bphc.modes import COOKIE, ELDER

pytestmark = pytest.mark.django_db


def _header(html: str) -> str:
    return html[html.index("<header"):html.index("</header>")]


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_two_families_each_see_their_own_name_phone_and_token(make_user):
    first, second = make_user("13911110001", name="王芳"), make_user("13911110002", name="李强")
    one, two = _signed_in(first), _signed_in(second)
    page_one, page_two = one.get("/gzf/plans/").content.decode(), two.get("/gzf/plans/").content.decode()
    assert '<span class="avatar-icon" aria-hidden="true">王</span>' in page_one and "（139****0001）" in page_one
    assert '<span class="avatar-icon" aria-hidden="true">李</span>' in page_two and "（139****0002）" in page_two
    assert "李" not in _header(page_one) and "0002" not in page_one
    tokens = [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1) for page in (page_one, page_two)]
    assert tokens[0] != tokens[1]
    # Each token is the one its own session accepts: the header's 长辈版 button works for both.
    for client, token, user in ((one, tokens[0], first), (two, tokens[1], second)):
        client.handler.enforce_csrf_checks = True
        response = client.post("/mode/", {"csrfmiddlewaretoken": token, "mode": "elder", "next": "/gzf/plans/"})
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.elder_mode is True


def test_each_page_keeps_its_own_title_styles_and_return_address(family_client):
    plans = family_client.get("/gzf/plans/?x=1").content.decode()
    home = family_client.get("/").content.decode()
    assert "<title>配租计划" in plans and '<input type="hidden" name="next" value="/gzf/plans/?x=1">' in plans
    assert "<title>配租计划" not in home and '<input type="hidden" name="next" value="/">' in home


def test_signed_out_standard_and_elder_frames_are_drawn_apart(family_client):
    elder = Client()
    elder.cookies[COOKIE] = ELDER
    signed_in = family_client.get("/").content.decode()
    signed_out = Client().get("/").content.decode()
    elder_page = elder.get("/").content.decode()
    assert 'class="avatar"' in signed_in and "登录" not in _header(signed_in)
    assert 'class="avatar"' not in signed_out and "登录" in _header(signed_out) and 'class="elder"' not in signed_out
    assert 'class="elder"' in elder_page and 'aria-pressed="true">长辈版' in elder_page
    assert "业务记录" not in _header(elder_page)  # signed out: the 长辈版 nav has no records link


def test_a_block_outside_a_fresh_part_is_refused():
    with pytest.raises(TemplateSyntaxError, match="must be inside a {% fresh %}"):
        Template("{% load drawn %}{% drawn_once %}<title>{% block title %}{% endblock %}</title>{% enddrawn_once %}")


def test_a_part_drawn_in_a_loop_and_a_key_that_is_not_a_plain_value_are_refused():
    looped = Template("{% load drawn %}{% drawn_once %}{% for i in items %}{% fresh %}{{ i }}{% endfresh %}"
                      "{% endfor %}{% enddrawn_once %}")
    with pytest.raises(TemplateSyntaxError, match="drawn twice"):
        looped.render(Context({"items": [1, 2]}))
    keyed = Template("{% load drawn %}{% drawn_once thing %}x{% enddrawn_once %}")
    with pytest.raises(TypeError, match="key must be"):
        keyed.render(Context({"thing": object()}))


def test_what_is_outside_the_fresh_parts_is_kept_per_key_and_the_fresh_parts_drawn_every_time():
    stretch = Template("{% load drawn %}{% drawn_once flag %}{{ kept }}|{% fresh %}{{ fresh }}{% endfresh %}"
                       "{% enddrawn_once %}")
    assert stretch.render(Context({"flag": True, "kept": "a", "fresh": "1"})) == "a|1"
    assert stretch.render(Context({"flag": True, "kept": "b", "fresh": "2"})) == "a|2"
    assert stretch.render(Context({"flag": False, "kept": "c", "fresh": "<3>"})) == "c|&lt;3&gt;"
