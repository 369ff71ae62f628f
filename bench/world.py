"""The bench's data: two open plans, their units, and families already signed in.

Runs inside the bench process after django.setup(), against the bench's own database.
Rows are made in bulk through the models; sessions are encoded by Django's own SessionStore
with the keys django.contrib.auth.login() writes, so the servers read them as real logins.
"""

import datetime as dt
import random
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.backends.db import SessionStore as DbStore
from django.core.cache import caches
from django.db import connection
from django.utils import timezone

BATCH = 2000
RT_TYPES = ("一居室", "二居室")
QUICK_TYPES = ("一居室", "二居室", "三居室")


@dataclass(slots=True)
class Family:
    """One family of the rush and what it saw and got."""

    user_id: int
    kind: str  # "realtime" or "quick"
    cookies: dict[str, str]
    plan_id: int = 0
    project_path: str = ""
    detail_path: str = ""
    notice_path: str = ""
    form: dict[str, str] = field(default_factory=dict)
    floor_token: str = ""
    choices: list[str] = field(default_factory=list)
    tries: int = 0
    registration_id: int | None = None
    outcome: str = ""


@dataclass
class World:
    realtime_plan_id: int
    quick_plan_id: int
    families: list[Family]
    units: int


def build(*, units: int, families: int, realtime_share: float, projects: int, per_building: int,
          seed: int) -> World:
    """Make the plans, units, families, filings and signed-in sessions; return who rushes."""
    from accounts.models import User
    from filings.models import Filing
    from rentals.models import Plan

    rng = random.Random(seed)
    now = timezone.now()
    realtime = _plan("BENCH-SS", "基准测试实时配租计划", Plan.Mode.REALTIME, now)
    quick = _plan("BENCH-KS", "基准测试快速配租计划", Plan.Mode.QUICK, now)
    _room_off(realtime)
    _realtime_projects(realtime, units=units, projects=projects, per_building=per_building)
    _quick_projects(quick, projects=projects)

    first = _next_id(User)
    users = [User(id=first + n, phone=f"17{n:09d}", password=f"!bench{n}", name="基准", date_joined=now)
             for n in range(families)]
    _copy(User, users)
    kinds = ["realtime" if rng.random() < realtime_share else "quick" for _ in users]
    first = _next_id(Filing)
    filings = [
        Filing(id=first + n, filing_no=f"BENCH{n:08d}", code_hash="bench", applicant_name="基准",
               id_number="110105198001010016", district="朝阳区", family_size=2, category="普通",
               unit_types=list(RT_TYPES) if kind == "realtime" else [rng.choice(QUICK_TYPES)],
               status=Filing.Status.VALID, valid_until=dt.date(2099, 12, 31), account=user, bound_at=now)
        for n, (user, kind) in enumerate(zip(users, kinds, strict=True))
    ]
    _copy(Filing, filings)
    keys = _sessions(users)
    cookie = settings.SESSION_COOKIE_NAME
    rush = [Family(user_id=u.pk, kind=k, cookies={cookie: key}) for u, k, key in zip(users, kinds, keys, strict=True)]
    for family in rush:
        family.plan_id = realtime.pk if family.kind == "realtime" else quick.pk
    # A live database has statistics (autovacuum gathers them soon after any big load).
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return World(realtime_plan_id=realtime.pk, quick_plan_id=quick.pk, families=rush, units=units)


def _plan(code: str, name: str, mode: str, now: dt.datetime):
    from rentals.models import Plan

    return Plan.objects.create(
        code=code, name=name, mode=mode, opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=2),
        notice="一、登记不等于配租。\n二、请如实填写信息。\n三、每户限登记一次。", announcement="面向已备案家庭。",
        is_published=True, published_at=now,
    )


def _room_off(plan) -> None:
    """The rush and the fault runs measure the pages themselves, every family let straight on;
    the waiting room in front of them (on by default for a real-time plan) is measured by
    bench/overload.py, which switches it on."""
    from admission.models import Room

    room = Room.objects.for_plan(plan)
    room.enabled = False
    room.save()
    room.publish()


def _realtime_projects(plan, *, units: int, projects: int, per_building: int) -> None:
    """`units` flats over `projects` estates, `per_building` to a building (2 entrances, 4 to a floor)."""
    from rentals.models import Offer, Project, Unit

    per_entrance = max(4, per_building // 2)
    for p in range(projects):
        n = units // projects + (1 if p < units % projects else 0)
        project = Project.objects.create(plan=plan, code=f"BENCH-SS-{p + 1:02d}", name=f"实时{p + 1}号家园",
                                         district="朝阳区", address=f"基准路{p + 1}号")
        rows = []
        for i in range(n):
            k = i % per_building
            floor = (k % per_entrance) // 4 + 1
            rows.append(Unit(
                project=project, building=str(i // per_building + 1), entrance=str(k // per_entrance + 1),
                floor=floor, room=f"{floor}{k % 4 + 1:02d}", unit_type=RT_TYPES[k % 2],
                area=Decimal("42.50") if k % 2 == 0 else Decimal("58.00"),
                rent=Decimal("1650") if k % 2 == 0 else Decimal("2200"), orientation="南",
            ))
        Unit.objects.bulk_create(rows, batch_size=BATCH)
        for t, unit_type in enumerate(RT_TYPES):
            Offer.objects.create(project=project, unit_type=unit_type, count=sum(1 for r in rows if r.unit_type ==
                                 unit_type), area_min=Decimal("40") + 15 * t, area_max=Decimal("45") + 15 * t,
                                 rent_min=Decimal("1500") + 500 * t, rent_max=Decimal("1800") + 500 * t)


def _quick_projects(plan, *, projects: int) -> None:
    from rentals.models import Offer, Project

    for p in range(projects):
        project = Project.objects.create(plan=plan, code=f"BENCH-KS-{p + 1:02d}", name=f"快速{p + 1}号家园",
                                         district="海淀区", address=f"测试街{p + 1}号")
        for t, unit_type in enumerate(QUICK_TYPES):
            Offer.objects.create(project=project, unit_type=unit_type, count=100, area_min=Decimal("40") + 15 * t,
                                 area_max=Decimal("45") + 15 * t, rent_min=Decimal("1500") + 500 * t,
                                 rent_max=Decimal("1800") + 500 * t)


def _next_id(model) -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {connection.ops.quote_name(model._meta.db_table)}")
        return cur.fetchone()[0]


def _copy(model, objs: list) -> None:
    """Insert through COPY, each value prepared by its model field (so encrypted fields stay
    encrypted); ten times faster than bulk_create at 50,000 rows. Moves the id sequence on."""
    fields = model._meta.concrete_fields
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cur:
        with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
        if model._meta.pk.column == "id":
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{model._meta.db_table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))")


def _sessions(users) -> list[str]:
    """One signed-in session per user, as login() would leave it; returns the session keys."""
    model = DbStore.get_model_class()
    expires = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    backend = settings.AUTHENTICATION_BACKENDS[0]
    store = SessionStore()
    keys, rows, cached = [], [], {}
    for user in users:
        key = secrets.token_hex(16)  # 32 characters of [0-9a-f], as valid as Django's own keys
        data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: backend, HASH_SESSION_KEY: user.get_session_auth_hash()}
        rows.append(model(session_key=key, session_data=store.encode(data), expire_date=expires))
        cached[store.cache_key_prefix + key] = data
        keys.append(key)
    _copy(model, rows)
    # login() saves the session to the database and to the cache (cached_db): a family signed in
    # before the rush has its session in Redis, so its first page reads no session row.
    cache, items = caches[settings.SESSION_CACHE_ALIAS], list(cached.items())
    for start in range(0, len(items), 5000):
        cache.set_many(dict(items[start:start + 5000]), settings.SESSION_COOKIE_AGE)
    return keys
