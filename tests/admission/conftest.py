"""A real-time plan behind a waiting room, families, and a clock the tests move."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from admission import store
from admission.models import Room
from rentals.models import Plan
from tests.conftest import make_filing_row
from tests.registrations.conftest import make_plan, make_project, make_units


class Clock:
    def __init__(self) -> None:
        self.t = store.now()

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(store, "now", moved)
    return moved


def make_room_project(code: str = "SS-ROOM-01", *, opens_in_minutes: float = -60, per_minute: int = 6):
    plan = make_plan(code, Plan.Mode.REALTIME, opens_in_days=opens_in_minutes / 1440)
    project = make_project(plan, f"XM-{code}", ("一居室",))
    make_units(project, 8)
    Room.objects.filter(plan=plan).update(per_minute=per_minute)
    Room.objects.get(plan=plan).publish()
    return project


@pytest.fixture
def room_project(db, clock):
    """Open since an hour; admits 6 families a minute (one every 10 s, one at once when idle)."""
    return make_room_project()


def family_clients(make_user, n: int, start: int = 0) -> list[Client]:
    """n verified families, each signed in on its own Client."""
    clients = []
    for i in range(start, start + n):
        user = make_user(f"1370000{i:04d}", name=f"家庭{i}")
        make_filing_row(f"GLH2025{i:06d}", id_number=_id_number(i), account=user, bound_at=timezone.now())
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients


def _id_number(i: int) -> str:
    from bphc.validators import id_check_char

    day = dt.date(1970, 1, 1) + dt.timedelta(days=i)
    first17 = f"110105{day:%Y%m%d}{i % 1000:03d}"
    return first17 + id_check_char(first17)


def register_url(project) -> str:
    unit = project.units.order_by("pk").first()
    return f"/register/{project.pk}/?unit={unit.pk}"
