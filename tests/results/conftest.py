"""Plans with registrations, closed and ready to freeze, built through registration_create."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import User
from registrations.services import registration_create
from rentals.models import Plan
from results.draw import sha256_hex
from tests.conftest import make_filing_row
from tests.registrations.conftest import make_plan, make_project, realtime_project  # noqa: F401  (fixture)

VECTORS = Path(__file__).with_name("vectors")
SEED = (VECTORS / "seed.txt").read_text(encoding="utf-8")
PUBLIC_VALUE = (VECTORS / "public_value.txt").read_text(encoding="utf-8")
VALUE_NAME = "2027年1月5日 中国福利彩票双色球开奖号码"


def lottery_plan(code: str = "YH2026-01", **extra) -> Plan:
    return make_plan(code, ordering=Plan.Ordering.LOTTERY, seed_commitment=sha256_hex(SEED),
                     public_value_name=VALUE_NAME, **extra)


def close(plan: Plan) -> Plan:
    """Move the window into the past, as the clock would."""
    now = timezone.now()
    Plan.objects.filter(pk=plan.pk).update(opens_at=now - dt.timedelta(days=20), closes_at=now - dt.timedelta(hours=1))
    plan.refresh_from_db()
    return plan


def register(project, n: int, *, name: str = "王芳", category: str = "普通", unit_type: str = "一居室",
             phone: str = "", year: int | None = None):
    """Registration number n of a new family (filing TST…n) in `project`."""
    filing = make_filing_row(f"TST2026{n:06d}", applicant_name=name, id_number=f"1101051980010{n:05d}",
                             category=category, phone=phone, filing_year=year)
    actor = User.objects.create_user(f"137{n:08d}")
    registration, _ = registration_create(filing=filing, actor=actor, project=project, unit_type=unit_type,
                                          acknowledged=True)
    return registration


@pytest.fixture
def staff(make_user) -> User:
    return make_user("13900009999", name="计划管理员甲", is_staff=True)


@pytest.fixture
def closed_lottery(db):
    """A 摇号 plan, two projects, six families (two 优先), closed."""
    plan = lottery_plan()
    p1, p2 = make_project(plan, "YH-01"), make_project(plan, "YH-02")
    register(p1, 1, name="王芳", phone="13800000101")
    register(p1, 2, name="欧阳娜娜", category="优先")
    register(p1, 3, name="李雷", unit_type="二居室")
    register(p2, 4, name="韩梅梅")
    register(p2, 5, name="张伟", category="优先")
    register(p1, 6, name="赵敏")
    return close(plan)
