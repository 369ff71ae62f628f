"""How a plan is going: the one computation behind `plan_stats` and the admin dashboard."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncHour
from django.utils import timezone

from rentals.models import Offer, Plan, Unit
from rentals.vocab import UNIT_TYPE_ORDER

from .models import Registration

HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Row:
    """One project × unit type."""

    project_code: str
    project_name: str
    unit_type: str
    offered: int  # 套数 the plan announced
    units: int  # 房源 loaded (real-time plans)
    free_units: int
    registrations: int  # active

    @property
    def ratio(self) -> float | None:
        """Active registrations per flat offered (the competition a family faces)."""
        base = self.units or self.offered
        return self.registrations / base if base else None


@dataclass(frozen=True)
class Hour:
    start: dt.datetime  # local time, on the hour
    count: int


@dataclass(frozen=True)
class PlanStats:
    plan: Plan
    computed_at: dt.datetime
    rows: list[Row]
    per_hour: list[Hour]
    cancelled: int
    by_channel: dict[str, int] = field(default_factory=dict)

    @property
    def registrations(self) -> int:
        return sum(r.registrations for r in self.rows)

    @property
    def offered(self) -> int:
        return sum(r.offered for r in self.rows)

    @property
    def units(self) -> int:
        return sum(r.units for r in self.rows)

    @property
    def free_units(self) -> int:
        return sum(r.free_units for r in self.rows)

    @property
    def created(self) -> int:
        """Every registration made, including those cancelled since (what the chart adds up to)."""
        return sum(h.count for h in self.per_hour)

    @property
    def peak(self) -> Hour | None:
        return max(self.per_hour, key=lambda h: h.count, default=None)


def _hours(plan: Plan, counts: dict[dt.datetime, int], now: dt.datetime) -> list[Hour]:
    tz = timezone.get_current_timezone()
    start = timezone.localtime(plan.opens_at, tz).replace(minute=0, second=0, microsecond=0)
    end = timezone.localtime(min(now, plan.closes_at), tz)
    if counts:
        end = max(end, max(counts))
    hours = []
    at = start
    while at <= end:
        hours.append(Hour(at, counts.get(at, 0)))
        at = timezone.localtime(at + HOUR, tz)
    return hours


def plan_stats(plan: Plan, now: dt.datetime | None = None) -> PlanStats:
    """Registrations by project × unit type against what is offered, and per hour since opening."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    registrations = Registration.objects.filter(plan=plan).order_by()

    cells: dict[tuple[int, str], dict] = {}
    names: dict[int, tuple[str, str]] = {}

    def cell(project_id: int, unit_type: str) -> dict:
        return cells.setdefault((project_id, unit_type), {"offered": 0, "units": 0, "free": 0, "active": 0})

    for o in Offer.objects.filter(project__plan=plan).values("project_id", "unit_type", "count"):
        cell(o["project_id"], o["unit_type"])["offered"] = o["count"]
    units = (
        Unit.objects.filter(project__plan=plan).order_by().values("project_id", "unit_type")
        .annotate(n=Count("pk"), free=Count("pk", filter=Q(taken=False)))
    )
    for u in units:
        c = cell(u["project_id"], u["unit_type"])
        c["units"], c["free"] = u["n"], u["free"]
    active = registrations.filter(status=Registration.Status.ACTIVE)
    for r in active.values("project_id", "unit_type").annotate(n=Count("pk")):
        cell(r["project_id"], r["unit_type"])["active"] = r["n"]
    for p in plan.projects.values("pk", "code", "name"):
        names[p["pk"]] = (p["code"], p["name"])

    rows = sorted(
        (
            Row(project_code=names[pid][0], project_name=names[pid][1], unit_type=ut, offered=c["offered"],
                units=c["units"], free_units=c["free"], registrations=c["active"])
            for (pid, ut), c in cells.items()
        ),
        key=lambda r: (r.project_code, UNIT_TYPE_ORDER.get(r.unit_type, 99)),
    )
    per_hour = {
        timezone.localtime(h["hour"], tz): h["n"]
        for h in registrations.annotate(hour=TruncHour("created_at", tzinfo=tz)).values("hour").annotate(n=Count("pk"))
    }
    by_channel = dict(active.values_list("channel").annotate(n=Count("pk")))
    cancelled = registrations.filter(status=Registration.Status.CANCELLED).count()
    return PlanStats(
        plan=plan, computed_at=now, rows=rows, per_hour=_hours(plan, per_hour, now), cancelled=cancelled,
        by_channel=by_channel,
    )
