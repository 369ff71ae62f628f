import datetime as dt

import pytest

from rentals.models import Plan

from .workbook import SHANGHAI, load, plan_row, project_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(tmp_path) -> Plan:
    """Opens 2026-12-01 09:00 and closes 2026-12-31 17:00, Beijing time (01:00 and 09:00 UTC)."""
    load(tmp_path, [plan_row(opens="2026-12-01 09:00", closes="2026-12-31 17:00")], [project_row()])
    return Plan.objects.get()


def beijing(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize("moment, label", [
    (beijing(2026, 12, 1, 8, 59, 59), "未开始"),
    (beijing(2026, 12, 1, 9, 0, 0), "登记中"),
    (beijing(2026, 12, 31, 16, 59, 59), "登记中"),
    (beijing(2026, 12, 31, 17, 0, 0), "已截止"),
    # The same instants seen from UTC: the window is Beijing's, not the server's.
    (dt.datetime(2026, 12, 1, 0, 59, 59, tzinfo=dt.UTC), "未开始"),
    (dt.datetime(2026, 12, 1, 1, 0, 0, tzinfo=dt.UTC), "登记中"),
    (dt.datetime(2026, 12, 31, 9, 0, 0, tzinfo=dt.UTC), "已截止"),
])
def test_the_state_at_the_window_edges(plan, moment, label):
    assert plan.state_label(moment) == label
    assert plan.is_open(moment) is (label == "登记中")


def test_cancelling_defaults_to_the_registration_deadline(plan):
    assert plan.cancel_deadline is None
    assert plan.can_cancel(beijing(2026, 12, 31, 16, 59)) is True
    assert plan.can_cancel(beijing(2026, 12, 31, 17, 0)) is False


def test_a_separate_cancel_deadline_is_kept(tmp_path):
    load(tmp_path, [plan_row(opens="2026-12-01 09:00", closes="2026-12-31 17:00", cancel="2027-01-05 12:00")],
         [project_row()])
    plan = Plan.objects.get()
    assert plan.can_cancel(beijing(2027, 1, 5, 11, 59)) is True
    assert plan.can_cancel(beijing(2027, 1, 5, 12, 0)) is False


def test_the_restrictions_read_as_words(tmp_path):
    load(tmp_path, [plan_row("A", districts="海淀区", categories="优先"), plan_row("B")],
         [project_row("A", "X1"), project_row("B", "X2")])
    assert Plan.objects.get(code="A").restriction_words() == {"限定区域": "海淀区", "限定类别": "优先"}
    assert Plan.objects.get(code="B").restriction_words() == {"限定区域": "不限", "限定类别": "不限"}


def test_publishing_names_the_window_rule_the_admin_and_the_import_use(plan):
    # An impossible window cannot be saved (the constraint), but it must not be published
    # either, and in the same words the admin form and the importer give.
    plan.cancel_deadline = plan.opens_at
    assert "取消截止时间应晚于登记开始时间" in plan.publish_problems()
    plan.cancel_deadline, plan.closes_at = None, plan.opens_at
    assert "登记截止时间应晚于登记开始时间" in plan.publish_problems()
    plan.closes_at = None
    assert "登记时间窗口不完整" in plan.publish_problems()
