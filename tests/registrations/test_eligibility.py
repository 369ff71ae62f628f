"""The one eligibility function, table-tested: each reason alone, then together."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from filings.models import Filing
from registrations import eligibility as e
from rentals.models import Plan, Project, Unit

NOW = timezone.make_aware(dt.datetime(2026, 12, 10, 10, 0))


def _filing(**kw) -> Filing:
    values = dict(filing_no="GLH1", district="朝阳区", category="普通", unit_types=["一居室", "二居室"],
                  status=Filing.Status.VALID, valid_until=dt.date(2027, 6, 30))
    values.update(kw)
    return Filing(**values)


def _plan(**kw) -> Plan:
    values = dict(code="P1", mode=Plan.Mode.QUICK, opens_at=NOW - dt.timedelta(days=1),
                  closes_at=NOW + dt.timedelta(days=1), districts=[], categories=[])
    values.update(kw)
    return Plan(**values)


def _codes(*, filing=None, plan=None, unit_type="一居室", unit=None, offered=("一居室", "二居室"), active=False):
    plan = plan or _plan()
    project = Project(pk=1, plan=plan)
    reasons = e.refusals(filing=filing or _filing(), plan=plan, project=project, unit_type=unit_type, unit=unit,
                         now=NOW, offered_unit_types=set(offered), has_active_registration=active)
    assert all(r.message for r in reasons)
    return {r.code for r in reasons}


def _unit(**kw) -> Unit:
    values = dict(pk=7, project_id=1, unit_type="一居室", area=Decimal("40"), rent=Decimal("1500"), taken=False)
    values.update(kw)
    return Unit(**values)


REALTIME = dict(mode=Plan.Mode.REALTIME)

CASES = [
    ("eligible", {}, set()),
    ("not open yet", {"plan": _plan(opens_at=NOW + dt.timedelta(minutes=1))}, {e.NOT_OPEN_YET}),
    ("closed", {"plan": _plan(closes_at=NOW)}, {e.CLOSED}),
    ("filing 失效", {"filing": _filing(status=Filing.Status.INVALID)}, {e.FILING_INVALID}),
    ("filing expired", {"filing": _filing(valid_until=dt.date(2026, 12, 9))}, {e.FILING_INVALID}),
    ("filing valid to the last day", {"filing": _filing(valid_until=dt.date(2026, 12, 10))}, set()),
    ("district limited", {"plan": _plan(districts=["海淀区"])}, {e.DISTRICT}),
    ("district admitted", {"plan": _plan(districts=["海淀区", "朝阳区"])}, set()),
    ("category limited", {"plan": _plan(categories=["优先"])}, {e.CATEGORY}),
    ("unit type not qualified", {"unit_type": "三居室", "offered": ("三居室",)}, {e.UNIT_TYPE_NOT_QUALIFIED}),
    ("unit type not offered", {"unit_type": "二居室", "offered": ("一居室",)}, {e.UNIT_TYPE_NOT_OFFERED}),
    ("neither offered nor qualified", {"unit_type": "三居室"}, {e.UNIT_TYPE_NOT_OFFERED, e.UNIT_TYPE_NOT_QUALIFIED}),
    ("already registered", {"active": True}, {e.ALREADY_REGISTERED}),
    ("real-time free unit", {"plan": _plan(**REALTIME), "unit": _unit(), "unit_type": None}, set()),
    ("real-time unit taken", {"plan": _plan(**REALTIME), "unit": _unit(taken=True), "unit_type": None}, {e.UNIT_TAKEN}),
    ("real-time without unit", {"plan": _plan(**REALTIME), "unit_type": None}, {e.UNIT_REQUIRED}),
    ("real-time unit of another project", {"plan": _plan(**REALTIME), "unit": _unit(project_id=2)},
     {e.UNIT_NOT_IN_PROJECT}),
    ("real-time unit type not qualified",
     {"plan": _plan(**REALTIME), "unit": _unit(unit_type="三居室"), "offered": ("三居室",)},
     {e.UNIT_TYPE_NOT_QUALIFIED}),
    ("everything at once",
     {"plan": _plan(closes_at=NOW, districts=["海淀区"], categories=["优先"]),
      "filing": _filing(status=Filing.Status.INVALID), "unit_type": "三居室", "offered": ("二居室",), "active": True},
     {e.CLOSED, e.FILING_INVALID, e.DISTRICT, e.CATEGORY, e.UNIT_TYPE_NOT_OFFERED, e.UNIT_TYPE_NOT_QUALIFIED,
      e.ALREADY_REGISTERED}),
    ("taken unit in a closed plan for an expired filing",
     {"plan": _plan(closes_at=NOW, **REALTIME), "filing": _filing(valid_until=dt.date(2020, 1, 1)),
      "unit": _unit(taken=True)}, {e.CLOSED, e.FILING_INVALID, e.UNIT_TAKEN}),
]


@pytest.mark.parametrize(("kwargs", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_reason_is_returned(kwargs, expected):
    assert _codes(**kwargs) == expected


def test_the_district_message_names_both_districts():
    reasons = e.refusals(filing=_filing(), plan=_plan(districts=["海淀区"]), project=Project(pk=1), unit_type="一居室",
                         unit=None, now=NOW, offered_unit_types={"一居室"}, has_active_registration=False)
    assert "行政区域限制" in reasons[0].message
    assert "海淀区" in reasons[0].message and "朝阳区" in reasons[0].message


def test_choosable_unit_types_keep_the_vocabulary_order():
    filing = _filing(unit_types=["三居室", "一居室", "二居室"])
    assert e.choosable_unit_types(filing, {"二居室", "三居室", "四居室"}) == ["二居室", "三居室"]
