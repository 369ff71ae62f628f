"""seed_demo's 摇号 plan: closed, drawn and published, so the demo has a 公示 at once."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from results import demo
from results.models import Draw, Position

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_published_lottery_and_a_second_run_changes_nothing(settings):
    settings.DEBUG = True  # seed_demo refuses to run with DEBUG off (issue 12 item 11)
    call_command("seed_demo", stdout=StringIO())
    draw = Draw.objects.get(plan__code=demo.CODE)
    assert draw.is_published and draw.lottery and Position.objects.filter(draw=draw).count() == 8
    html = Client().get(f"/gongshi/{demo.CODE}/").content.decode()
    assert "张*" in html and demo.SEED in html

    family = Client()
    family.force_login(User.objects.get(phone="13800000001"))
    assert "顺序号 " in family.get("/center/records/").content.decode()

    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "已公示，未变" in out.getvalue() and Draw.objects.count() == 1
