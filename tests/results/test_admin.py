"""排序与公示 in the admin: 计划管理员 freezes, draws and publishes; other roles cannot."""

import pytest

from accounts.models import AuditLog
from results.models import Draw
from tests.clerks.conftest import AUDITOR, CLERK, PLAN_MANAGER, client_for, staff
from tests.results.conftest import PUBLIC_VALUE, SEED


@pytest.fixture
def manager(db):
    return staff("13900000202", PLAN_MANAGER, "计划管理员乙")


def _url(plan, step: str = "") -> str:
    return f"/admin/results/resultplan/{plan.pk}/" + (f"{step}/" if step else "change/")


def test_a_plan_manager_freezes_draws_and_publishes(closed_lottery, manager):
    client = client_for(manager)
    assert "冻结登记名单" in client.get(_url(closed_lottery)).content.decode()
    client.post(_url(closed_lottery, "freeze"))
    page = client.get(_url(closed_lottery)).content.decode()
    assert "已冻结名单：6 户" in page and "摇号" in page
    wrong = client.post(_url(closed_lottery, "draw"), {"seed": "wrong", "public_value": PUBLIC_VALUE}, follow=True)
    assert "种子与发布时公布的种子哈希不符" in wrong.content.decode() and not Draw.objects.exists()
    client.post(_url(closed_lottery, "draw"), {"seed": SEED, "public_value": PUBLIC_VALUE})
    assert "发布公示" in client.get(_url(closed_lottery)).content.decode()
    client.post(_url(closed_lottery, "publish"))
    assert Draw.objects.get().is_published
    actions = AuditLog.objects.filter(actor=manager).values_list("action", flat=True)
    assert {"冻结登记名单", "排序", "发布公示"} <= set(actions)


def test_the_draw_form_needs_both_values(closed_lottery, manager):
    client = client_for(manager)
    client.post(_url(closed_lottery, "freeze"))
    response = client.post(_url(closed_lottery, "draw"), {"seed": SEED})
    assert response.status_code == 400 and not Draw.objects.exists()


@pytest.mark.parametrize("role", [CLERK, AUDITOR])
def test_other_roles_cannot_take_the_steps(closed_lottery, role):
    client = client_for(staff("13900000303", role))
    assert client.post(_url(closed_lottery, "freeze")).status_code == 403
    assert not closed_lottery.__class__.objects.get(pk=closed_lottery.pk).is_frozen


def test_the_steps_refuse_a_get(closed_lottery, manager):
    assert client_for(manager).get(_url(closed_lottery, "freeze")).status_code == 405
