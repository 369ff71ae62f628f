"""Overload at opening, without and with the waiting room: `python -m bench.overload`; see bench/README.md.

Each run has its own database, the same signed-in families and two gunicorn app servers
(bench/stack.py, bench/world.py, bench/client.py, reused as they are). First the stack's
capacity is measured (families through the real-time journey per second, closed loop, room
off); then families arrive open-loop at `--overload` times that capacity, `--pre-share` of
them before the plan opens, and go through the journey: the project's unit table, a unit's
告知书, 确认登记, 登记成功, pressing again a second after an error. The same arrivals are run
twice: without the room and with it (admitting `--rate-share` of the measured capacity).
"""

import argparse
import asyncio
import math
import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import stack
from .client import ClientError, Server, request
from .rush import HIDDEN_RE, RESULTS_DIR, SUCCESS_RE, TAB_RE, TAKEN, TOKEN_RE, UNIT_RE, bench_env

NOT_YET = "登记尚未开始".encode()
JOURNEY = ("detail", "notice", "register", "success")
PORTS = range(8840, 8860)  # the bench's own range on this machine


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.overload", description=__doc__.splitlines()[0])
    p.add_argument("--families", type=int, default=600, help="families that arrive in each run")
    p.add_argument("--units", type=int, default=720, help="real-time units (the calibration's come on top)")
    p.add_argument("--overload", type=float, default=5.0, help="arrival rate as a multiple of measured capacity")
    p.add_argument("--pre-share", type=float, default=0.5,
                   help="share of families arriving before opening (half: 300 of 600, so that a fair "
                        "draw's ρ spreads ±0.058)")
    p.add_argument("--rate-share", type=float, default=0.6, help="room admission rate / measured capacity")
    p.add_argument("--calibrate", type=int, default=80, help="families of the capacity measurement")
    p.add_argument("--calibrate-concurrency", type=int, default=8)
    p.add_argument("--patience", type=float, default=120.0,
                   help="seconds a family keeps pressing after errors before it gives up (waiting in the room "
                        "is not counted: the page tells it the wait)")
    p.add_argument("--run-limit", type=float, default=150.0, help="seconds a run's arrivals may take in all")
    p.add_argument("--tries", type=int, default=8, help="units a family tries before giving up")
    p.add_argument("--servers", type=int, default=2)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--room-pool", type=int, default=8,
                   help="threads of the waiting page's own gunicorn (one process, gthread), to which /room/ "
                        "goes as nginx's `location /room/` sends it (deploy/nginx/bphc.conf); 0: the waiting "
                        "page shares the app servers' workers")
    p.add_argument("--room-pool-nice", type=int, default=10,
                   help="the nice of the waiting page's pool (its session's, which autogroup scheduling weighs)")
    p.add_argument("--projects", type=int, default=4)
    p.add_argument("--per-building", type=int, default=48)
    p.add_argument("--request-timeout", type=float, default=30.0)
    p.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bphc_bench_overload"))
    p.add_argument("--cache-url", default=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/9"),
                   help="a Redis database the bench may flush (the room's store too)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--out", type=Path, default=RESULTS_DIR)
    p.add_argument("--run-dir", type=Path, default=None)
    p.add_argument("--keep-db", action="store_true")
    return p.parse_args(argv)


@dataclass
class Record:
    user_id: int
    arrive: float = 0.0  # seconds from the run's start
    pre: bool = False
    admitted: float | None = None  # when the unit table with its 登记 links first came back
    registered: float | None = None
    outcome: str = ""


class Stats:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = {}
        self.status: dict[str, Counter] = {}

    def record(self, name: str, seconds: float, status: str) -> None:
        self.latency.setdefault(name, []).append(seconds)
        self.status.setdefault(name, Counter())[status] += 1


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def spearman(xs: list[float], ys: list[float]) -> float | None:
    """Spearman's rank correlation (ties share their average rank)."""
    if len(xs) < 3:
        return None

    def ranks(values):
        order = sorted(range(len(values)), key=values.__getitem__)
        out = [0.0] * len(values)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
                j += 1
            for k in range(i, j + 1):
                out[order[k]] = (i + j) / 2
            i = j + 1
        return out

    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx, vy = sum((a - mx) ** 2 for a in rx), sum((b - my) ** 2 for b in ry)
    return cov / (vx * vy) ** 0.5 if vx and vy else None


class Crowd:
    """Families on the journey, each its own coroutine (open loop), round robin over the servers."""

    def __init__(self, args, servers: list[Server], projects: list[int], seed: int,
                 room_server: Server | None = None) -> None:
        self.args, self.servers, self.projects, self.room_server = args, servers, projects, room_server
        self.rng = random.Random(seed)
        self.stats = Stats()
        self.turn = 0
        self.t0 = 0.0

    def now(self) -> float:
        return time.monotonic() - self.t0

    async def hit(self, name: str, family, method: str, path: str, form: dict | None = None):
        if self.room_server is not None and path.startswith("/room/"):
            server = self.room_server
        else:
            server = self.servers[self.turn % len(self.servers)]
            self.turn += 1
        started = time.perf_counter()
        try:
            response = await request(server, method, path, cookies=family.cookies, form=form,
                                     timeout=self.args.request_timeout)
        except ClientError as exc:
            self.stats.record(name, time.perf_counter() - started, f"error:{exc}")
            return None
        family.cookies.update(response.cookies())
        self.stats.record(name, response.seconds, str(response.status))
        return response

    async def wait_in_room(self, family, record: Record, location: str) -> None:
        """Follow the waiting page's own Refresh header until it sends the family on."""
        while self.now() < self.args.run_limit:
            response = await self.hit("waiting", family, "GET", location)
            if response is not None and response.status == 302:
                return
            refresh = float(response.header("refresh") or 5) if response is not None else 5.0
            await asyncio.sleep(refresh)

    async def journey(self, family, record: Record) -> None:
        await asyncio.sleep(max(0.0, record.arrive - self.now()))
        project = self.rng.choice(self.projects)
        path, tries, give_up = f"/gzf/projects/{project}/", 0, record.arrive + self.args.patience
        while self.now() < min(give_up, self.args.run_limit):
            response = await self.hit("detail", family, "GET", path)
            if response is not None and response.status == 302 and response.header("location").startswith("/room/"):
                await self.wait_in_room(family, record, response.header("location"))
                give_up = self.now() + self.args.patience
                continue
            if response is None or response.status != 200:
                await asyncio.sleep(1.0)  # an error: press again a second later
                continue
            units = [u.decode() for u in UNIT_RE.findall(response.body)]
            if not units:
                if NOT_YET in response.body:
                    await asyncio.sleep(5.0)  # before opening: reload now and then
                    continue
                tabs = [n.decode() for n, free, _ in TAB_RE.findall(response.body) if int(free)]
                tabs = [n for n in tabs if not path.endswith(f"?building={n}")]
                if tabs:  # this building is full: another with free units
                    path = f"/gzf/projects/{project}/?building={self.rng.choice(tabs)}"
                    continue
                record.outcome = "told no unit is left"
                return
            if record.admitted is None:
                record.admitted = self.now()
            done = await self.claim(family, record, project, units[int(len(units) * self.rng.random() ** 3)])
            if done:
                return
            tries += 1
            if tries >= self.args.tries:
                record.outcome = "gave up after taken units"
                return
        record.outcome = record.outcome or "gave up"

    async def claim(self, family, record: Record, project: int, unit: str) -> bool:
        """The 告知书 and 确认登记; True when registered."""
        notice_path = f"/register/{project}/?unit={unit}"
        response = await self.hit("notice", family, "GET", notice_path)
        token = TOKEN_RE.search(response.body) if response is not None and response.status == 200 else None
        if token is None:
            await asyncio.sleep(0 if response is not None and TAKEN in response.body else 1.0)
            return False
        form = {"csrfmiddlewaretoken": token.group(1).decode(), "acknowledged": "on"}
        form.update({k.decode(): v.decode() for k, v in HIDDEN_RE.findall(response.body)})
        response = await self.hit("register", family, "POST", notice_path, form=form)
        if response is None or response.status not in (302, 409):
            await asyncio.sleep(1.0)
            return False
        match = SUCCESS_RE.match(response.header("location")) if response.status == 302 else None
        if match is None:
            return False
        record.registered = self.now()
        record.outcome = "registered"
        await self.hit("success", family, "GET", response.header("location"))
        return True


async def calibrate(args, crowd: Crowd, families: list) -> float:
    """Families per second through the journey, closed loop: the stack's capacity."""
    todo = iter(families)
    records = [Record(f.user_id) for f in families]
    by_id = {r.user_id: r for r in records}
    crowd.t0 = time.monotonic()
    started = time.perf_counter()

    async def worker() -> None:
        for family in todo:
            await crowd.journey(family, by_id[family.user_id])

    await asyncio.gather(*(worker() for _ in range(args.calibrate_concurrency)))
    seconds = time.perf_counter() - started
    return sum(1 for r in records if r.outcome == "registered") / seconds


def run(args, *, room: bool, capacity: float | None) -> dict:
    """Fresh database and servers; measure capacity; the overload, with or without the room."""
    import datetime as dt

    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connections

    from admission import store
    from admission.models import Room
    from registrations.models import Registration
    from rentals.models import Plan, Project

    from . import world as world_mod

    connections.close_all()
    stack.recreate_database(args.database_url)
    call_command("migrate", verbosity=0, interactive=False)
    cache.clear()
    world = world_mod.build(units=args.units + args.calibrate, families=args.families + args.calibrate,
                            realtime_share=1.0, projects=args.projects, per_building=args.per_building,
                            seed=args.seed)
    plan = Plan.objects.get(pk=world.realtime_plan_id)
    projects = list(Project.objects.filter(plan=plan).values_list("pk", flat=True))
    room_row = Room.objects.for_plan(plan)
    room_row.enabled = False
    room_row.save()
    room_row.publish()
    connections.close_all()
    calibration, families = world.families[: args.calibrate], world.families[args.calibrate:]

    env = {**os.environ}
    servers = [stack.AppServer(port=PORTS[i], env=env, run_dir=args.run_dir, name=f"app{i + 1}")
               for i in range(args.servers)]
    pool = None
    if room and args.room_pool:
        pool = stack.AppServer(port=PORTS[args.servers], env={**env, "WEB_CONCURRENCY": "1",
                               "GUNICORN_THREADS": str(args.room_pool)}, run_dir=args.run_dir, name="room",
                               nice=args.room_pool_nice)
    try:
        for server in servers + ([pool] if pool else []):
            server.wait_ready()
        crowd = Crowd(args, [Server("127.0.0.1", s.port, s.name) for s in servers], projects, args.seed)
        measured = asyncio.run(calibrate(args, crowd, calibration))
        capacity = capacity or measured
        rate = max(1, round(capacity * 60 * args.rate_share))
        arrivals = args.overload * capacity
        pre = round(args.pre_share * len(families))
        lead = 1.0
        opens_after = lead + pre / arrivals
        # The run starts at `start` (wall clock, so the servers agree); the plan opens
        # `opens_after` seconds into it: the first `pre` families come before.
        start = time.time() + 3.0
        plan.opens_at = dt.datetime.fromtimestamp(start + opens_after, tz=dt.UTC)
        plan.save()
        room_row.enabled, room_row.per_minute = room, rate
        room_row.save()
        room_row.plan = plan
        config = room_row.publish()
        connections.close_all()
        order = list(families)
        random.Random(args.seed).shuffle(order)
        records = {f.user_id: Record(f.user_id, arrive=lead + i / arrivals, pre=lead + i / arrivals < opens_after)
                   for i, f in enumerate(order)}
        crowd = Crowd(args, crowd.servers, projects, args.seed + 1,
                      room_server=Server("127.0.0.1", pool.port, pool.name) if pool else None)
        crowd.t0 = time.monotonic() + (start - time.time())
        started = time.perf_counter()

        async def everyone() -> None:
            await asyncio.gather(*(crowd.journey(f, records[f.user_id]) for f in order))

        asyncio.run(everyone())
        wall = time.perf_counter() - started
        ranks = {}  # account → (place in line, server's arrival time, arrived before opening by the server's clock)
        if room:
            for user_id in records:
                status = store.status(config, user_id)
                if status.place is not None:
                    ranks[user_id] = (status.rank, status.place["at"], status.place["pre"])
    finally:
        everything = servers + ([pool] if pool else [])
        died = [s for s in everything if s.proc.poll() is not None]
        for server in died:
            print(f"!! {server.name} exited early ({server.proc.returncode}):\n{server.log_tail()}", flush=True)
        for server in everything:
            server.stop()

    crowd_ids = set(records)
    rows = Registration.objects.active().filter(plan=plan).values_list("filing__account_id", "unit_id")
    per_unit = Counter(unit for _, unit in rows)
    registered_rows = {account for account, _ in rows if account in crowd_ids}
    answered = {r.user_id for r in records.values() if r.registered is not None}
    database = {"registrations": len(registered_rows), "units_given_twice": sum(1 for n in per_unit.values() if n > 1),
                "registered_without_answer": len(registered_rows - answered),
                "answer_without_row": len(answered - registered_rows)}
    return summarise(args, records, crowd.stats, ranks, room=room, capacity=capacity, measured=measured,
                     rate=rate, arrivals=arrivals, opens_after=opens_after, wall=wall,
                     database=database)


def summarise(args, records: dict, stats: Stats, ranks: dict, **facts) -> dict:
    rows = list(records.values())
    journey = [s for name in JOURNEY for s in stats.latency.get(name, [])]
    errors = Counter()
    for name, statuses in stats.status.items():
        for status, n in statuses.items():
            if status.startswith("error") or status.startswith("5"):
                errors[f"{name} {status}"] += n
    timeouts = sum(n for key, n in errors.items() if "TimeoutError" in key)
    registered = [r for r in rows if r.registered is not None]
    post = [r for r in rows if not r.pre and r.admitted is not None]
    early = [r for r in rows if r.pre and r.admitted is not None]

    def rho(group, key):
        pairs = [(r.arrive, key(r)) for r in group if key(r) is not None]
        value = spearman([a for a, _ in pairs], [b for _, b in pairs])
        return round(value, 4) if value is not None else None

    fairness = {
        "post_opening_arrival_vs_admission_seen": rho(post, lambda r: r.admitted),
        "pre_opening_arrival_vs_admission_seen": rho(early, lambda r: r.admitted),
    }
    if ranks:
        # By the server's own clock: when the family's first request was answered, and whether that
        # was before opening (a request sent just before opening may be answered just after it).
        def by_server(pre: bool):
            pairs = [(at, rank) for rank, at, was_pre in ranks.values() if was_pre == pre]
            value = spearman([a for a, _ in pairs], [b for _, b in pairs])
            return round(value, 4) if value is not None else None

        fairness["post_opening_arrival_vs_place"] = by_server(False)
        fairness["pre_opening_arrival_vs_place"] = by_server(True)
        fairness["pre_opening_by_server_clock"] = sum(1 for _, _, pre in ranks.values() if pre)

    def ms(values, p):
        value = pct(values, p)
        return round(value * 1000) if value is not None else None

    waits = [r.registered - r.arrive for r in registered]
    return {
        **{k: (round(v, 2) if isinstance(v, float) else v) for k, v in facts.items()},
        "families": len(rows), "pre_opening": sum(r.pre for r in rows),
        "requests": sum(len(v) for v in stats.latency.values()),
        "errors": sum(errors.values()), "timeouts": timeouts, "error_kinds": dict(errors.most_common(8)),
        "journey_ms": {"p50": ms(journey, 50), "p95": ms(journey, 95), "p99": ms(journey, 99),
                       "requests": len(journey)},
        "waiting_page_ms": {"p50": ms(stats.latency.get("waiting", []), 50),
                            "p95": ms(stats.latency.get("waiting", []), 95),
                            "requests": len(stats.latency.get("waiting", []))},
        "arrival_to_registered_s": {"p50": round(pct(waits, 50), 1) if waits else None,
                                    "p95": round(pct(waits, 95), 1) if waits else None},
        "outcomes": dict(Counter(r.outcome for r in rows)),
        "endpoints_ms": {name: {"requests": len(v), "p50": ms(v, 50), "p95": ms(v, 95)}
                         for name, v in stats.latency.items()},
        "fairness": fairness,
    }


def table(results: dict) -> str:
    a, b = results["without"], results["with"]
    lines = [f"{'':38} {'without room':>16} {'with room':>16}"]

    def row(label, get):
        lines.append(f"{label:38} {str(get(a)):>16} {str(get(b)):>16}")

    row("capacity measured (families/s)", lambda r: r["measured"])
    row("arrivals (families/s)", lambda r: r["arrivals"])
    row("room admits (families/min)", lambda r: r["rate"] if r["room"] else "—")
    row("families (before opening)", lambda r: f"{r['families']} ({r['pre_opening']})")
    row("requests", lambda r: r["requests"])
    row("errors (timeouts)", lambda r: f"{r['errors']} ({r['timeouts']})")
    for p in ("p50", "p95", "p99"):
        row(f"journey request {p} ms", lambda r, p=p: r["journey_ms"][p])
    row("waiting page p50/p95 ms", lambda r: f"{r['waiting_page_ms']['p50']}/{r['waiting_page_ms']['p95']}")
    row("arrival→registered p50 s", lambda r: r["arrival_to_registered_s"]["p50"])
    row("arrival→registered p95 s", lambda r: r["arrival_to_registered_s"]["p95"])
    row("registered", lambda r: r["outcomes"].get("registered", 0))
    row("told no unit is left", lambda r: r["outcomes"].get("told no unit is left", 0))
    row("gave up", lambda r: sum(n for k, n in r["outcomes"].items() if k.startswith("gave up")))
    row("units given twice", lambda r: r["database"]["units_given_twice"])
    row("ρ post-opening arrival/admission", lambda r: r["fairness"]["post_opening_arrival_vs_admission_seen"])
    row("ρ pre-opening arrival/admission", lambda r: r["fairness"]["pre_opening_arrival_vs_admission_seen"])
    row("ρ post-opening arrival/place (server)", lambda r: r["fairness"].get("post_opening_arrival_vs_place", "—"))
    row("ρ pre-opening arrival/place (server)", lambda r: r["fairness"].get("pre_opening_arrival_vs_place", "—"))
    row("pre-opening by the server's clock", lambda r: r["fairness"].get("pre_opening_by_server_clock", "—"))
    # A fair draw of n is not ρ = 0 but ρ spread about 0 with this standard deviation: a |ρ|
    # of 0.1 among 180 families is 1.3 of them (one run in five of a perfect draw is past it).
    row("ρ of a fair draw of n, 1 s.d.", lambda r: round(1 / math.sqrt(r["pre_opening"] - 1), 4)
        if r["pre_opening"] > 1 else "—")
    row("run wall s", lambda r: r["wall"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.update(bench_env(args))
    os.environ["BENCH_FLOOR"] = "0"
    started = time.monotonic()
    tmp = stack.prepare_run(args, "bphc-overload-")
    results = {}
    try:
        print(f"== without the room: {args.families} families, {args.pre_share:.0%} before opening", flush=True)
        results["without"] = run(args, room=False, capacity=None)
        print(f"== with the room (same capacity figure: {results['without']['capacity']} families/s)", flush=True)
        results["with"] = run(args, room=True, capacity=results["without"]["capacity"])
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            stack.drop_database(args.database_url)
        if tmp is not None:
            tmp.cleanup()
    print(table(results))
    report = {"finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "seconds": round(time.monotonic() - started, 1),
              "config": {k: str(v) for k, v in vars(args).items()}, "runs": results}
    return stack.write_report(args.out, "overload-", report, [], "")

if __name__ == "__main__":
    sys.exit(main())
