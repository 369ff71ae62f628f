"""Plans for the registration tests: one quick and one real-time, open now."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from rentals.models import Offer, Plan, Project, Unit


def make_plan(code: str, mode: str = Plan.Mode.QUICK, *, opens_in_days: float = -1, closes_in_days: float = 10,
              cancel_in_days: float | None = None, **extra) -> Plan:
    now = timezone.now()
    return Plan.objects.create(
        code=code, name=f"测试计划{code}", mode=mode,
        opens_at=now + dt.timedelta(days=opens_in_days), closes_at=now + dt.timedelta(days=closes_in_days),
        cancel_deadline=None if cancel_in_days is None else now + dt.timedelta(days=cancel_in_days),
        notice="一、登记不等于配租。\n二、请如实填写信息。", announcement="本次计划面向已备案家庭。",
        is_published=True, **extra,
    )


def make_project(plan: Plan, code: str, unit_types=("一居室", "二居室"), district: str = "朝阳区") -> Project:
    project = Project.objects.create(plan=plan, code=code, name=f"{code}家园", district=district, address="测试路1号")
    for ut in unit_types:
        Offer.objects.create(project=project, unit_type=ut, count=10, area_min=Decimal("40"), area_max=Decimal("45"),
                             rent_min=Decimal("1500"), rent_max=Decimal("1800"))
    return project


def make_units(project: Project, n: int, unit_type: str = "一居室") -> list[Unit]:
    return Unit.objects.bulk_create(
        Unit(project=project, building="1", entrance="1", floor=1 + i // 4, room=f"{1 + i // 4}{i % 4 + 1:02d}",
             unit_type=unit_type, area=Decimal("42.5"), rent=Decimal("1650"), orientation="南")
        for i in range(n)
    )


@pytest.fixture
def quick_project(db) -> Project:
    return make_project(make_plan("KS2026-01"), "XM-KS-01", ("一居室", "二居室", "三居室"))


@pytest.fixture
def realtime_project(db) -> Project:
    project = make_project(make_plan("SS2026-01", Plan.Mode.REALTIME), "XM-SS-01", ("一居室",))
    make_units(project, 8)
    return project
