"""The waiting room's shared state in Redis: places, the admission clock, passes.

Every app server reads and writes the same keys, and each change is one atomic Redis command
(HSETNX, INCR, ZADD, SADD) or a WATCH/MULTI transaction, so two tabs, two phones or two
servers never give one family two places. Nothing here touches the database: the waiting
page reads only this store and the session. Any Redis failure is raised as `StoreDown`, and
the callers answer with a clear page, never by letting everyone through.

Keys, per plan (`bphc:room:<plan id>:…`):
  cfg      hash   the plan's room settings, copied from the database (`publish`)
  places   hash   account id → the place (token, arrival time, before opening or not)
  pre      zset   families who arrived before opening, all with score 0, member
                  "SHA-256(seed:token):token" — so Redis's own order is the published formula
  post     zset   account id → arrival number (INCR seq): first come, first served
  clock    hash   base_count, base_time, rate, paused: admitted(t) = base_count +
                  rate × (t − base_time) / 60, rebased whenever the rate or pause changes,
                  and capped at two seconds' worth beyond the line when the room is idle
  debt     int    re-admissions of expired passes, each costing one admission
  passes   hash   account id → when its pass ends
  adm:<b>  int    first admissions in the 10-second bucket b (the measured rate)
  notify / notified   sets of account ids asking for / already sent the SMS
"""

import hashlib
import hmac
import json
import math
import threading
import time
from dataclasses import dataclass

import redis
from django.conf import settings

PASS_SECONDS = 15 * 60
# Admissions an idle room holds in hand: two seconds' worth (at least one), so a family
# arriving at a quiet room goes straight on; as many go in the moment the plan opens. More
# would let a crowd in at once: the opening burst is what the room is there to spread.
BURST_SECONDS = 2


def burst(rate: int) -> int:
    return max(1, rate * BURST_SECONDS // 60)
MEASURE_SECONDS = 180
BUCKET_SECONDS = 10
MEASURE_AT_LEAST = 10


class StoreDown(Exception):
    """The shared store cannot be read or written."""


_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def client() -> redis.Redis:
    url = settings.ADMISSION_STORE_URL
    with _lock:
        found = _clients.get(url)
        if found is None:
            if url.startswith("memory:"):
                # Development and the SQLite tests: one process, so an in-process Redis will do
                # (admission.E001 refuses it with DEBUG off).
                import fakeredis

                found = fakeredis.FakeRedis(server=_memory_server(), decode_responses=True)
            else:
                timeout = settings.ADMISSION_STORE_TIMEOUT
                found = redis.Redis.from_url(url, decode_responses=True, socket_timeout=timeout,
                                             socket_connect_timeout=timeout)
            _clients[url] = found
    return found


_server = None


def _memory_server():
    global _server
    if _server is None:
        import fakeredis

        _server = fakeredis.FakeServer()
    return _server


def now() -> float:
    """The room's clock (tests move it)."""
    return time.time()


def _key(plan_id: int, name: str) -> str:
    return f"bphc:room:{plan_id}:{name}"


def place_token(plan_id: int, user_id: int) -> str:
    """The family's public place token: fixed by the account before the seed is revealed."""
    message = f"room-place:{plan_id}:{user_id}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:16]


def order_key(seed: str, token: str) -> str:
    """Pre-opening arrivals are ordered by this, ascending: SHA-256(seed + ":" + token), hex."""
    return hashlib.sha256(f"{seed}:{token}".encode()).hexdigest()


def _guarded(function):
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (redis.RedisError, OSError) as exc:
            raise StoreDown(type(exc).__name__) from exc

    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


@dataclass(frozen=True)
class Config:
    plan_id: int
    name: str
    opens: float
    room_opens: float
    closes: float
    enabled: bool
    seed: str
    commitment: str
    version: str

    def active(self, t: float) -> bool:
        return self.enabled and self.room_opens <= t < self.closes

    @classmethod
    def from_hash(cls, plan_id: int, data: dict) -> "Config | None":
        if not data:
            return None
        return cls(plan_id=plan_id, name=data["name"], opens=float(data["opens"]),
                   room_opens=float(data["room_opens"]), closes=float(data["closes"]),
                   enabled=data["enabled"] == "1", seed=data["seed"], commitment=data["commitment"],
                   version=data["version"])


@dataclass(frozen=True)
class Status:
    """What the waiting page tells one family."""

    place: dict | None
    rank: int | None  # 0-based position in the whole queue; None before opening for early arrivals
    admitted_count: int
    pass_until: float | None
    waiting: int
    pre_count: int
    opened: bool
    paused: bool
    rate: int
    measured_rate: float | None
    subscribed: bool

    @property
    def ahead(self) -> int | None:
        """Families in front of this one that are still waiting."""
        if self.rank is None:
            return None
        return max(0, self.rank - self.admitted_count)

    @property
    def admitted(self) -> bool:
        return self.rank is not None and self.rank < self.admitted_count

    @property
    def wait_rate(self) -> float:
        return self.measured_rate or float(self.rate)

    @property
    def wait_minutes(self) -> int | None:
        if self.ahead is None or self.paused or self.wait_rate <= 0:
            return None
        return max(1, math.ceil(self.ahead / self.wait_rate))


def admitted_count(clock: dict, debt: int, opens: float, t: float) -> int:
    """How many places, in queue order, are admitted at time t."""
    if t < opens or not clock:
        return 0
    base, since = int(clock["base_count"]), float(clock["base_time"])
    flowing = 0 if clock.get("paused") == "1" else int(max(0.0, t - since) * int(clock["rate"]) / 60)
    return max(0, base + flowing - debt)


@_guarded
def publish(config: Config, *, rate: int, paused: bool) -> None:
    """Copy the plan's room settings into the store; rebase the clock if they changed."""
    store = client()
    store.hset(_key(config.plan_id, "cfg"), mapping={
        "name": config.name, "opens": repr(config.opens), "room_opens": repr(config.room_opens),
        "closes": repr(config.closes), "enabled": "1" if config.enabled else "0", "seed": config.seed,
        "commitment": config.commitment, "version": config.version,
    })
    forget_seen()
    _rebase(config.plan_id, opens=config.opens, rate=rate, paused=paused, t=now())


def _rebase(plan_id: int, *, opens: float, rate: int, paused: bool, t: float, cap: int | None = None) -> None:
    """Freeze what is admitted so far as the new base, then flow at `rate` (or not, if paused)."""
    clock_key, debt_key = _key(plan_id, "clock"), _key(plan_id, "debt")

    def change(pipe: redis.client.Pipeline) -> None:
        clock = pipe.hgetall(clock_key)
        debt = int(pipe.get(debt_key) or 0)
        if t < opens:
            base, since = burst(rate), opens
        elif not clock:
            base, since = burst(rate), t
        else:
            base, since = admitted_count(clock, debt, opens, t) + debt, t
            if cap is not None:
                base = min(base, cap + debt)
        pipe.multi()
        pipe.hset(clock_key, mapping={"base_count": base, "base_time": repr(since), "rate": rate,
                                      "paused": "1" if paused else "0"})

    client().transaction(change, clock_key, debt_key)


# The room of a project's plan (and of a plan, for the 公告's box) as this process last read it,
# for a second at most: the two reads (project → plan, the plan's settings) were a twentieth of a
# guarded page's app CPU in the rush. A change reaches every server within the second; this
# process's own at once (`publish` and `remember_project` forget what was seen). Only settings
# are kept: places, the clock and passes are read from the store on every request.
SEEN_SECONDS = 1.0
_seen: dict[tuple[str, int], tuple[float, Config]] = {}


def forget_seen() -> None:
    _seen.clear()


def _seen_or_read(key, read) -> Config | None:
    t = time.monotonic()
    seen = _seen.get(key)
    if seen is not None and t - seen[0] < SEEN_SECONDS:
        return seen[1]
    found = read()
    if found is not None:
        _seen[key] = (t, found)
    return found


@_guarded
def config_of_project(project_id: int) -> Config | None:
    """The room of the project's plan, or None if the store does not know the project or its plan yet."""
    def read() -> Config | None:
        plan_id = plan_of_project(project_id)
        return config(plan_id) if plan_id is not None else None

    return _seen_or_read(("project", project_id), read)


@_guarded
def config_seen(plan_id: int) -> Config | None:
    """`config(plan_id)`, as this process read it less than SEEN_SECONDS ago (the 公告's room box)."""
    return _seen_or_read(("plan", plan_id), lambda: config(plan_id))


@_guarded
def plan_of_project(project_id: int) -> int | None:
    found = client().hget("bphc:room:projects", project_id)
    return int(found) if found is not None else None


@_guarded
def remember_project(project_id: int, plan_id: int) -> None:
    client().hset("bphc:room:projects", project_id, plan_id)
    forget_seen()


@_guarded
def config(plan_id: int) -> Config | None:
    return Config.from_hash(plan_id, client().hgetall(_key(plan_id, "cfg")))


@_guarded
def join(config: Config, user_id: int, *, masked_phone: str) -> dict:
    """The family's place in the plan's line: the one it has, or a new one at the back."""
    store, plan_id, t = client(), config.plan_id, now()
    places = _key(plan_id, "places")
    found = store.hget(places, user_id)
    if found is not None:
        return json.loads(found)
    token = place_token(plan_id, user_id)
    place = {"token": token, "at": t, "pre": t < config.opens, "masked_phone": masked_phone}
    if not place["pre"]:
        # A number drawn by a tab that loses the race below is never used: ranks count members.
        place["seq"] = store.incr(_key(plan_id, "seq"))
    if not store.hsetnx(places, user_id, json.dumps(place)):
        return json.loads(store.hget(places, user_id))
    if place["pre"]:
        store.zadd(_key(plan_id, "pre"), {f"{order_key(config.seed, token)}:{token}": 0})
    else:
        _bank_nothing(store, config, t)
        store.zadd(_key(plan_id, "post"), {str(user_id): place["seq"]})
    return place


def _bank_nothing(store: redis.Redis, config: Config, t: float) -> None:
    """An idle room does not save up admissions: rebase so a newcomer after a quiet spell waits its turn."""
    plan_id = config.plan_id
    clock = store.hgetall(_key(plan_id, "clock"))
    debt = int(store.get(_key(plan_id, "debt")) or 0)
    total = store.zcard(_key(plan_id, "pre")) + store.zcard(_key(plan_id, "post"))
    rate = int(clock.get("rate") or 0)
    if clock and admitted_count(clock, debt, config.opens, t) > total + burst(rate):
        _rebase(plan_id, opens=config.opens, rate=rate, paused=clock.get("paused") == "1", t=t,
                cap=total + burst(rate))


def _rank(store: redis.Redis, config: Config, user_id: int, place: dict, pre_count: int, t: float) -> int | None:
    if place["pre"]:
        if t < config.opens:
            return None
        member = f"{order_key(config.seed, place['token'])}:{place['token']}"
        return store.zrank(_key(config.plan_id, "pre"), member)
    rank = store.zrank(_key(config.plan_id, "post"), str(user_id))
    # A place written a moment ago by another tab may not be in the line yet: the back, for now.
    return pre_count + (rank if rank is not None else store.zcard(_key(config.plan_id, "post")))


@_guarded
def status(config: Config, user_id: int) -> Status:
    store, plan_id, t = client(), config.plan_id, now()
    bucket = int(t // BUCKET_SECONDS)
    buckets = [_key(plan_id, f"adm:{b}") for b in range(bucket - MEASURE_SECONDS // BUCKET_SECONDS, bucket)]
    pipe = store.pipeline(transaction=False)
    pipe.hget(_key(plan_id, "places"), user_id)
    pipe.hget(_key(plan_id, "passes"), user_id)
    pipe.hgetall(_key(plan_id, "clock"))
    pipe.get(_key(plan_id, "debt"))
    pipe.zcard(_key(plan_id, "pre"))
    pipe.zcard(_key(plan_id, "post"))
    pipe.sismember(_key(plan_id, "notify"), user_id)
    pipe.mget(buckets)
    found, pass_until, clock, debt, pre_count, post_count, subscribed, counts = pipe.execute()
    place = json.loads(found) if found is not None else None
    rank = _rank(store, config, user_id, place, pre_count, t) if place else None
    admitted = admitted_count(clock, int(debt or 0), config.opens, t)
    total = pre_count + post_count
    return Status(
        place=place, rank=rank, admitted_count=admitted,
        pass_until=float(pass_until) if pass_until is not None else None,
        waiting=max(0, total - admitted), pre_count=pre_count, opened=t >= config.opens,
        paused=clock.get("paused") == "1", rate=int(clock.get("rate") or 0),
        measured_rate=_measured(counts, config.opens, t), subscribed=bool(subscribed),
    )


def _measured(counts: list, opens: float, t: float) -> float | None:
    """First admissions per minute over the last three minutes (or since opening), once there are enough."""
    admitted = sum(int(c or 0) for c in counts)
    span = min(MEASURE_SECONDS, t - opens)
    if admitted < MEASURE_AT_LEAST or span < 20:
        return None  # too few to measure: the page says it estimates from the set rate
    return admitted * 60 / span


@_guarded
def admit(config: Config, user_id: int) -> float:
    """The end of the family's pass: its first one, the one it holds, or after expiry a new one.

    A new pass after an expired one keeps the family's place (it is still ahead of everyone
    waiting) and costs the line one admission, so the rate holds.
    """
    store, plan_id, t = client(), config.plan_id, now()
    passes = _key(plan_id, "passes")
    if store.hsetnx(passes, user_id, repr(t + PASS_SECONDS)):
        bucket = _key(plan_id, f"adm:{int(t // BUCKET_SECONDS)}")
        store.incr(bucket)
        store.expire(bucket, MEASURE_SECONDS * 3)
        return t + PASS_SECONDS

    def renew(pipe: redis.client.Pipeline) -> float:
        until = float(pipe.hget(passes, user_id))
        if until > t:
            return until
        pipe.multi()
        pipe.hset(passes, user_id, repr(t + PASS_SECONDS))
        pipe.incr(_key(plan_id, "debt"))
        return t + PASS_SECONDS

    return store.transaction(renew, passes, value_from_callable=True)


@_guarded
def subscribe(plan_id: int, user_id: int) -> None:
    client().sadd(_key(plan_id, "notify"), user_id)


@_guarded
def unsubscribe(plan_id: int, user_id: int) -> None:
    client().srem(_key(plan_id, "notify"), user_id)


@_guarded
def set_rate(config: Config, *, rate: int, paused: bool) -> None:
    _rebase(config.plan_id, opens=config.opens, rate=rate, paused=paused, t=now())


@_guarded
def due_notifications(config: Config) -> list[int]:
    """Subscribers whose turn has come and who have not been sent the SMS; each returned once."""
    store, plan_id = client(), config.plan_id
    waiting = store.sdiff(_key(plan_id, "notify"), _key(plan_id, "notified"))
    due = []
    for user_id in sorted(int(u) for u in waiting):
        if status(config, user_id).admitted and store.sadd(_key(plan_id, "notified"), user_id):
            due.append(user_id)
    return due


@_guarded
def live(config: Config) -> dict:
    """The operator's figures: waiting, admitted, rate (set and measured), paused."""
    store, plan_id, t = client(), config.plan_id, now()
    clock = store.hgetall(_key(plan_id, "clock"))
    debt = int(store.get(_key(plan_id, "debt")) or 0)
    total = store.zcard(_key(plan_id, "pre")) + store.zcard(_key(plan_id, "post"))
    admitted = min(total, admitted_count(clock, debt, config.opens, t))
    bucket = int(t // BUCKET_SECONDS)
    counts = store.mget([_key(plan_id, f"adm:{b}") for b in range(bucket - MEASURE_SECONDS // BUCKET_SECONDS, bucket)])
    return {"total": total, "admitted": admitted, "waiting": total - admitted,
            "rate": int(clock.get("rate") or 0), "paused": clock.get("paused") == "1",
            "measured": _measured(counts, config.opens, t), "passes": store.hlen(_key(plan_id, "passes"))}


@_guarded
def pre_order(config: Config) -> list[str]:
    """The pre-opening arrivals' tokens in queue order (published once the seed is revealed)."""
    members = client().zrange(_key(config.plan_id, "pre"), 0, -1)
    return [member.split(":", 1)[1] for member in members]
