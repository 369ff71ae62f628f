"""Staff in their roles, walk-in families, and plans for the clerks' and operators' tests."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.models import User
from bphc.validators import id_check_char
from registrations.services import registration_create
from tests.conftest import PASSWORD, make_filing_row
from tests.registrations.conftest import (  # noqa: F401  (fixtures used by these tests)
    make_plan,
    make_project,
    make_units,
    quick_project,
    realtime_project,
)
from tests.staff import sign_in_staff

CLERK, PLAN_MANAGER, AUDITOR = "窗口工作人员", "计划管理员", "审计"
WALK_IN_ID = "110105199001010010"
WALK_IN_PHONE = "13812345678"


def staff(phone: str, role: str | None, name: str = "") -> User:
    user = User.objects.create_user(phone, PASSWORD, name=name or f"{role or '无角色'}甲", is_staff=True)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def client_for(user: User) -> Client:
    return sign_in_staff(Client(), user)


@pytest.fixture
def clerk(db) -> User:
    return staff("13900000101", CLERK, "窗口小李")


@pytest.fixture
def clerk_client(clerk) -> Client:
    return client_for(clerk)


@pytest.fixture
def plan_manager(db) -> User:
    return staff("13900000102", PLAN_MANAGER, "计划老王")


@pytest.fixture
def manager_client(plan_manager) -> Client:
    return client_for(plan_manager)


@pytest.fixture
def auditor(db) -> User:
    return staff("13900000103", AUDITOR, "审计小赵")


@pytest.fixture
def auditor_client(auditor) -> Client:
    return client_for(auditor)


@pytest.fixture
def bare_staff_client(db) -> Client:
    """Staff with no role: gets into the admin, may do nothing there."""
    return client_for(staff("13900000104", None))


def id_number(serial: int) -> str:
    """A distinct, checksum-valid 身份证号 for the n-th made-up family."""
    first17 = f"11010519850101{serial:03d}"
    return first17 + id_check_char(first17)


@pytest.fixture
def walk_in(db):
    """A filing never bound to an account, with a phone on the filing (朝阳区, 一居室/二居室)."""
    return make_filing_row("GLH2026009001", applicant_name="马秀兰", id_number=WALK_IN_ID, phone=WALK_IN_PHONE)


@pytest.fixture
def walk_in_no_phone(db):
    """A filing never bound, without a phone: the clerk checks the papers instead of an SMS."""
    return make_filing_row("GLH2026009002", applicant_name="牛大爷", id_number=id_number(902), phone="")


def rush(plan, projects, count: int, hours: list[int], actor: User, first: int = 0) -> list:
    """`count` families register, the i-th at plan.opens_at + hours[i % len(hours)] hours (+ i seconds).

    Families take the projects in turn; on a quick plan each project's 一居室 and 二居室 alternate.
    `first` numbers the made-up families, so that a second rush makes new ones.
    """
    import datetime as dt

    made = []
    for i in range(count):
        n = first + i
        filing = make_filing_row(f"GLH2027{n:06d}", id_number=id_number(n), applicant_name=f"家庭{n}")
        project = projects[i % len(projects)]
        now = plan.opens_at + dt.timedelta(hours=hours[i % len(hours)], seconds=i)
        if plan.is_realtime:
            unit = project.units.filter(taken=False).first()
            registration, _ = registration_create(filing=filing, actor=actor, project=project, unit=unit,
                                                  acknowledged=True, now=now)
        else:
            unit_type = ("一居室", "二居室")[(i // len(projects)) % 2]
            registration, _ = registration_create(filing=filing, actor=actor, project=project,
                                                  unit_type=unit_type, acknowledged=True, now=now)
        made.append(registration)
    return made
