"""The opening rush: `python -m bench.rush` (or `make bench`); see bench/README.md.

Creates its own PostgreSQL database, loads signed-in families and two open plans, starts two
gunicorn app servers on loopback, measures the floor, drives the rush, checks the database,
prints a table and writes bench/results/<timestamp>.json. Exit status 1 on any error,
unit given twice or registration lost.
"""

import argparse
import asyncio
import base64
import io
import os
import random
import re
import secrets
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

from . import stack
from .balancer import Balancer
from .client import ClientError, Response, Server, request
from .fakesms import FakeSms

RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_SIZES = "500x5000,5000x50000"

TOKEN_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
HIDDEN_RE = re.compile(rb'<input type="hidden" name="(unit|unit_type)" value="([^"]*)"')
PROJECT_RE = re.compile(rb'href="/gzf/projects/(\d+)/')
UNIT_RE = re.compile(rb'href="/register/\d+/\?unit=(\d+)"')
TAB_RE = re.compile(rb'href="\?building=([^"&#]+)[^"]*"[^>]*>[^<]*<small>\xe5\x8f\xaf\xe9\x80\x89(\d+)/(\d+)')
SUCCESS_RE = re.compile(r"^/registrations/(\d+)/success/$")
TAKEN = "该房源已被其他家庭登记".encode()

GET_ENDPOINTS = {"plans", "projects", "detail", "notice", "success", "floor GET"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.rush", description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default=DEFAULT_SIZES,
                   help="comma-separated UNITSxFAMILIES runs, smallest first (default %(default)s)")
    p.add_argument("--rushing", type=int, default=1000,
                   help="families that rush at each size (0: all loaded); the rest stay signed in, idle")
    p.add_argument("--concurrency", type=int, default=16, help="requests in flight at once")
    p.add_argument("--servers", type=int, default=2, help="gunicorn instances (app servers)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers per app server")
    p.add_argument("--threads", type=int, default=1, help="threads per worker (>1: gthread)")
    p.add_argument("--realtime-share", type=float, default=0.6, help="share of families in the real-time plan")
    p.add_argument("--projects", type=int, default=4, help="projects per plan")
    p.add_argument("--per-building", type=int, default=48, help="units per building")
    p.add_argument("--floor-requests", type=int, default=60,
                   help="requests per floor endpoint in each probe (one before each stage and one at the end)")
    p.add_argument("--tries", type=int, default=3, help="units a real-time family tries before giving up")
    p.add_argument("--skew", type=float, default=3.0,
                   help="how strongly real-time families favour the first free units a page lists (1: not at all)")
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                            "postgres://postgres@127.0.0.1:5432/bphc_bench"))
    p.add_argument("--cache-url", default=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/9"),
                   help="a Redis database the bench may flush")
    p.add_argument("--time-limit", type=float, default=280.0, help="seconds; waves stop starting requests after")
    p.add_argument("--request-timeout", type=float, default=30.0)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--out", type=Path, default=RESULTS_DIR, help="where <timestamp>.json goes")
    p.add_argument("--run-dir", type=Path, default=None, help="server logs and pid files (default: a temp dir)")
    p.add_argument("--keep-db", action="store_true", help="leave the bench database for inspection")
    p.add_argument("--sms-latency", default="0",
                   help="comma-separated ms the fake SMS provider waits before answering; each is a run of "
                        "every size (0,300: side by side)")
    p.add_argument("--kill-worker", action="store_true",
                   help="SIGKILL the notification worker mid-drain in the last latency's run, start it again, "
                        "run notifications_due as operators do, and count what was lost or sent twice")
    p.add_argument("--balancer", choices=("nginx", "direct"), default="nginx",
                   help="nginx from deploy/nginx.conf in front of the app servers (default), or each request "
                        "straight to the next app server in turn")
    p.add_argument("--sms-workers", type=int, default=3,
                   help="notification workers (manage.py db_worker processes); each sends one message at a time")
    p.add_argument("--worker-share", choices=("idle", "nice"), default="idle",
                   help="the notification workers' CPU: an idle cgroup, standing for machines of their own "
                        "(default), or nice 10, as a worker sharing an app server's machine runs")
    p.add_argument("--service-times", action="store_true",
                   help="log each request's time inside its app worker (gunicorn's access log, %%(D)s) and give "
                        "its p50 / p99 beside the client's: what a worker took, without the wait for a worker")
    p.add_argument("--drain-timeout", type=float, default=180.0,
                   help="seconds to wait after the rush for every notification to be sent")
    args = p.parse_args(argv)
    args.latencies = [float(x) for x in args.sms_latency.split(",") if x.strip()]
    args.size_list = [tuple(int(x) for x in s.lower().split("x")) for s in args.sizes.split(",") if s]
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        p.error("the bench needs PostgreSQL (--database-url postgres://...)")
    return args


def bench_env(args: argparse.Namespace) -> dict[str, str]:
    """Production settings, less TLS (loopback has none), plus the floor endpoints."""
    return {
        "DJANGO_SETTINGS_MODULE": "bphc.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
        "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "FIELD_HMAC_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": args.database_url,
        "CACHE_URL": args.cache_url,
        # Production keeps connections 60 s; the bench keeps them for the whole run so that
        # the PostgreSQL backends it meters for CPU live as long as the run.
        "CONN_MAX_AGE": "600",
        # Tencent's API, at the fake provider: its endpoint and templates are set per run (FakeSms.env()).
        "SMS_BACKEND": "tencent",
        # A claim held by a killed worker expires in 5 s instead of 60 (well over the fake's latency).
        "NOTIFICATION_LEASE_SECONDS": "5",
        "LOG_LEVEL": "WARNING",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "BENCH_FLOOR": "1",
        "WEB_CONCURRENCY": str(args.workers),
        "GUNICORN_THREADS": str(args.threads),
        "GUNICORN_ACCESS_LOG": "",
        "GUNICORN_LOG_LEVEL": "warning",
        # Behind nginx the app reads the family's address from the X-Forwarded-For it appends.
        "TRUSTED_PROXY_COUNT": "1" if getattr(args, "balancer", "direct") == "nginx" else "0",
    }


class Stats:
    """Latencies and statuses per endpoint, and the wall time of the waves that drove it."""

    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = {}
        self.by_status: dict[str, dict[str, list[float]]] = {}  # the latencies of each answer apart
        self.status: dict[str, Counter] = {}
        self.errors: dict[str, Counter] = {}
        self.busy: Counter = Counter()
        # (endpoint, requests, seconds, index of the floor probe just before the wave)
        self.waves: list[tuple[str, int, float, int]] = []
        # each wave's own latencies, in the order the waves ran: a retry wave is smaller than the first
        self.by_wave: dict[str, list[list[float]]] = {}
        self.probes: list[dict[str, float]] = []
        self.cpu: dict[str, Counter] = {}
        self.aborted = 0

    def record(self, name: str, seconds: float, status: str, ok: bool) -> None:
        self.latency.setdefault(name, []).append(seconds)
        self.by_status.setdefault(name, {}).setdefault(status, []).append(seconds)
        self.status.setdefault(name, Counter())[status] += 1
        if not ok:
            self.errors.setdefault(name, Counter())[status] += 1

    def summary(self) -> dict[str, dict]:
        out = {}
        for name, lat in self.latency.items():
            lat = sorted(lat)
            busy = self.busy[name] or 1e-9
            out[name] = {
                "requests": len(lat), "seconds": round(busy, 3), "rps": round(len(lat) / busy, 1),
                "p50_ms": _ms(_pct(lat, 50)), "p95_ms": _ms(_pct(lat, 95)), "p99_ms": _ms(_pct(lat, 99)),
                "mean_ms": _ms(sum(lat) / len(lat)), "max_ms": _ms(lat[-1]),
                "statuses": dict(self.status[name]), "errors": dict(self.errors.get(name, {})),
                # The register wave is two kinds of work (a registration, or "taken" without one):
                # its p99 / p50 mixes them, so each is given apart too.
                "by_status": {status: {"requests": len(found), "p50_ms": _ms(_pct(sorted(found), 50)),
                                       "p99_ms": _ms(_pct(sorted(found), 99))}
                              for status, found in self.by_status[name].items()},
                # An endpoint that ran in several waves (the retries) mixes waves of different sizes
                # and loads: each wave is given apart.
                "by_wave": [{"requests": len(found), "p50_ms": _ms(_pct(sorted(found), 50)),
                             "p99_ms": _ms(_pct(sorted(found), 99))}
                            for found in self.by_wave.get(name, ()) if found],
            }
            if name in self.cpu:
                cpu = self.cpu[name]
                out[name]["server_cpu_ms"] = {k: round(cpu[k] * 1000 / len(lat), 2) for k in ("app", "db")}
                out[name]["server_cpu_ms"]["total"] = round((cpu["app"] + cpu["db"]) * 1000 / len(lat), 2)
        return out


def _pct(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


class Rush:
    """Drives the families through the journey in waves of one endpoint each."""

    def __init__(self, args, world, servers: list[Server], deadline: float, meter=None) -> None:
        self.meter = meter
        self.args = args
        self.world = world
        self.servers = servers
        self.deadline = deadline
        self.stats = Stats()
        self.rng = random.Random(args.seed)
        self.turn = 0
        self.floor_rows = 0

    async def hit(self, name: str, family, method: str, path: str, expect: set[int],
                  form: dict | None = None) -> Response | None:
        """One request, to the next app server in turn (no stickiness: servers share nothing)."""
        server = self.servers[self.turn % len(self.servers)]
        self.turn += 1
        started = time.perf_counter()
        try:
            response = await request(server, method, path, cookies=family.cookies, form=form,
                                     timeout=self.args.request_timeout)
        except ClientError as exc:
            self.stats.record(name, time.perf_counter() - started, f"error:{exc}", False)
            return None
        family.cookies.update(response.cookies())
        ok = response.status in expect
        self.stats.record(name, response.seconds, str(response.status), ok)
        return response if ok else None

    async def wave(self, name: str, families: list, step: Callable[..., Awaitable[None]]) -> tuple[int, float]:
        """Run `step` for every family, `concurrency` at a time; its wall time counts for `name`."""
        todo = iter(families)
        before = len(self.stats.latency.get(name, ()))
        cpu_before = self.meter.snapshot() if self.meter else None
        started = time.perf_counter()

        async def worker() -> None:
            for family in todo:
                if time.monotonic() > self.deadline:
                    self.stats.aborted += 1
                    continue
                await step(family)

        await asyncio.gather(*(worker() for _ in range(self.args.concurrency)))
        seconds = time.perf_counter() - started
        if self.meter:
            self.stats.cpu.setdefault(name, Counter()).update(self.meter.spent(cpu_before, self.meter.snapshot()))
        self.stats.busy[name] += seconds
        self.stats.by_wave.setdefault(name, []).append(self.stats.latency.get(name, [])[before:])
        self.stats.waves.append((name, len(self.stats.latency.get(name, ())) - before, seconds,
                                 len(self.stats.probes) - 1))
        return len(self.stats.latency.get(name, ())) - before, seconds

    # The floor ------------------------------------------------------------------------

    async def floor_get(self, family) -> None:
        response = await self.hit("floor GET", family, "GET", "/bench/floor/", {200})
        if response is not None and (m := TOKEN_RE.search(response.body)):
            family.floor_token = m.group(1).decode()

    async def floor_post(self, family) -> None:
        # The token from the family's last floor GET stays valid: Django rotates it only at login.
        form = {"csrfmiddlewaretoken": family.floor_token}
        if family.floor_token and await self.hit("floor POST", family, "POST", "/bench/floor/write/", {302},
                                                 form=form):
            self.floor_rows += 1

    # The journey ----------------------------------------------------------------------

    async def plans(self, family) -> None:
        if await self.hit("plans", family, "GET", "/gzf/plans/", {200}) is None:
            family.outcome = "error"

    async def projects(self, family) -> None:
        if family.outcome:
            return
        response = await self.hit("projects", family, "GET", f"/gzf/plans/{family.plan_id}/", {200})
        ids = PROJECT_RE.findall(response.body) if response else []
        if not ids:
            family.outcome = "error"
            return
        family.project_path = f"/gzf/projects/{int(self.rng.choice(ids))}/"
        family.detail_path = family.project_path

    async def detail(self, family) -> None:
        """Open the project; a real-time family looks at one building and picks a free unit."""
        if family.outcome:
            return
        response = await self.hit("detail", family, "GET", family.detail_path, {200})
        if response is None:
            family.outcome = "error"
            return
        if family.kind == "quick":
            family.notice_path = f"/register/{family.project_path.split('/')[-2]}/"
            return
        tabs = [(name.decode(), int(free)) for name, free, _ in TAB_RE.findall(response.body)]
        free_tabs = [name for name, free in tabs if free]
        units = UNIT_RE.findall(response.body)
        # Most families look at another building than the one shown before choosing.
        if free_tabs and (not units or self.rng.random() < 1 - 1 / len(tabs)):
            family.detail_path = f"{family.project_path}?building={self.rng.choice(free_tabs)}"
            response = await self.hit("detail", family, "GET", family.detail_path, {200})
            units = UNIT_RE.findall(response.body) if response else []
        units = [u.decode() for u in units if u.decode() not in family.choices]
        if not units:
            family.outcome = "no free unit"
            return
        # The first flats listed (low floors, first entrance) draw the most families.
        unit = units[int(len(units) * self.rng.random() ** self.args.skew)]
        family.choices.append(unit)
        family.notice_path = f"{family.project_path.replace('/gzf/projects/', '/register/')}?unit={unit}"

    async def notice(self, family) -> None:
        if family.outcome:
            return
        family.tries += 1
        response = await self.hit("notice", family, "GET", family.notice_path, {200})
        # The notice form is the one with the 告知书 tick; every page carries a CSRF token (the
        # 长辈版 switch), so a token alone does not tell the notice from a refusal.
        is_notice = response is not None and b'name="acknowledged"' in response.body
        token = TOKEN_RE.search(response.body) if is_notice else None
        if token is None:
            family.outcome = "taken" if response is not None and TAKEN in response.body else "error"
            if family.outcome == "error":
                self.stats.record("notice", 0.0, "no form", False)
            return
        family.form = {"csrfmiddlewaretoken": token.group(1).decode(), "acknowledged": "on"}
        family.form.update({k.decode(): v.decode() for k, v in HIDDEN_RE.findall(response.body)})

    async def register(self, family) -> None:
        if family.outcome:
            return
        expect = {302, 409} if family.kind == "realtime" else {302}
        response = await self.hit("register", family, "POST", family.notice_path, expect, form=family.form)
        family.form = {}
        if response is None:
            family.outcome = "error"
        elif response.status == 409:
            family.outcome = "taken" if TAKEN in response.body else "error"
            if family.outcome == "error":
                self.stats.record("register", 0.0, "409 not taken", False)
        elif m := SUCCESS_RE.match(response.header("location")):
            family.registration_id = int(m.group(1))
            family.outcome = "registered"
        else:
            family.outcome = "error"
            self.stats.record("register", 0.0, "bad location", False)

    async def success(self, family) -> None:
        if family.outcome != "registered":
            return
        path = f"/registrations/{family.registration_id}/success/"
        response = await self.hit("success", family, "GET", path, {200})
        if response is not None and b"BENCH-" not in response.body:
            self.stats.record("success", 0.0, "no number", False)

    async def probe(self) -> None:
        """A short floor GET and floor POST wave; each stage of the rush sits between two."""
        families = self.floor_families
        got, get_s = await self.wave("floor GET", families, self.floor_get)
        posted, post_s = await self.wave("floor POST", families, self.floor_post)
        self.stats.probes.append({"GET": got / get_s if get_s else 0.0, "POST": posted / post_s if post_s else 0.0})

    async def run(self, rushing: list) -> None:
        """The rush, stage by stage, with the floor measured between stages: a shared machine drifts."""
        self.floor_families = rushing[: self.args.floor_requests]
        await self.probe()
        await self.wave("plans", rushing, self.plans)
        await self.probe()
        await self.wave("projects", rushing, self.projects)
        for step in (self.detail, self.notice, self.register, self.success):
            await self.probe()
            await self.wave(step.__name__, rushing, step)
        realtime = [f for f in rushing if f.kind == "realtime"]
        for _ in range(self.args.tries - 1):
            again = [f for f in realtime if f.outcome == "taken"]
            if not again:
                break
            for f in again:
                f.outcome = ""
            await self.probe()
            for step in (self.detail, self.notice, self.register, self.success):
                await self.wave(step.__name__, again, step)
        await self.probe()

    async def warm_up(self, families: list) -> None:
        """Touch every worker once (imports, templates, connections) before the clock runs."""
        n = self.args.servers * self.args.workers * 3
        sample = (families * (1 + n // max(1, len(families))))[:n]

        async def touch(family) -> None:
            for path in ("/gzf/plans/", "/bench/floor/", f"/gzf/plans/{family.plan_id}/"):
                await self.hit("warm-up", family, "GET", path, {200})

        await self.wave("warm-up", sample, touch)


def run_size(args, units: int, families: int, deadline: float, latency: float = 0.0, kill: bool = False) -> dict:
    """Fresh database, data, servers, the worker, the rush, the drain and the checks, for one size."""
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connections

    from . import world as world_mod

    connections.close_all()
    stack.recreate_database(args.database_url)
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    cache.clear()
    world = world_mod.build(units=units, families=families, realtime_share=args.realtime_share,
                            projects=args.projects, per_building=args.per_building, seed=args.seed)
    connections.close_all()
    load_seconds = time.perf_counter() - t0
    rushing = world.families[: args.rushing] if args.rushing else world.families
    print(f"  loaded {units} units and {families} signed-in families in {load_seconds:.1f}s; "
          f"{len(rushing)} rush", flush=True)

    run_dir = args.run_dir
    fake = FakeSms(latency).start()
    os.environ.update(fake.env())
    env = {**os.environ}
    access_log = run_dir / f"access-{units}.log"
    if args.service_times:
        env.update(GUNICORN_ACCESS_LOG=str(access_log), GUNICORN_ACCESS_LOG_FORMAT=ACCESS_FORMAT)
    servers, workers, balancer = [], [], None
    try:
        for i in range(args.sms_workers):
            workers.append(stack.Worker(env=env, run_dir=run_dir, name=f"worker{i + 1}", share=args.worker_share))
        for i in range(args.servers):
            servers.append(stack.AppServer(port=stack.free_port(), env=env, run_dir=run_dir, name=f"app{i + 1}"))
        for server in servers:
            server.wait_ready()
        targets = [Server("127.0.0.1", s.port, s.name) for s in servers]
        if args.balancer == "nginx":
            balancer = Balancer(ports=[s.port for s in servers], listen=stack.free_port(), run_dir=run_dir)
            balancer.wait_ready()
            targets = [Server("127.0.0.1", balancer.port, "nginx")]
        # Behind nginx, "app" CPU includes nginx's workers: the balancer's cost is in the figures.
        masters = [s.proc.pid for s in servers] + ([balancer.proc.pid] if balancer else [])
        meter = stack.CpuMeter(masters, args.database_url)
        rush = Rush(args, world, targets, deadline, meter)
        asyncio.run(rush.warm_up(rushing))
        rush.stats = Stats()
        log_from = access_log.stat().st_size if access_log.exists() else 0  # after the warm-up
        wall0, cpu0 = time.perf_counter(), time.process_time()
        asyncio.run(rush.run(rushing))
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        meter.close()
        delivery = drain(args, fake, workers, env, kill)
    finally:
        if balancer is not None:
            balancer.stop()
        for worker in workers:
            worker.stop()
        fake.stop()
        died = [s for s in servers if s.proc.poll() is not None]
        for server in died:
            print(f"!! {server.name} exited early ({server.proc.returncode}):\n{server.log_tail()}", flush=True)
        for server in servers:
            server.stop()
    result = {
        "units": units, "families": families, "rushing": len(rushing),
        "realtime_families": sum(1 for f in rushing if f.kind == "realtime"),
        "load_seconds": round(load_seconds, 1), "rush_seconds": round(wall, 1),
        "endpoints": rush.stats.summary(), "aborted_steps": rush.stats.aborted,
        "generator": {"cpu_seconds": round(cpu, 2), "wall_seconds": round(wall, 2),
                      "share_of_one_core": round(cpu / wall, 3),
                      "share_of_machine": round(cpu / wall / os.cpu_count(), 3)},
        "outcomes": dict(Counter(f.outcome or "none" for f in rushing)),
    }
    if args.service_times:
        result["service_ms"] = service_times(access_log, log_from)
    result["floor_probes"] = [{k: round(v, 1) for k, v in p.items()} for p in rush.stats.probes]
    result.update(check_database(world, rushing, rush.floor_rows))
    result["sms_latency_ms"] = latency
    result["worker_share"] = workers[0].share if workers else None  # "nice" where no idle cgroup could be made
    result["notifications"] = check_notifications(world, fake, delivery)
    result["ratios"] = ratios(rush.stats)
    result["cpu_ratios"] = cpu_ratios(result["endpoints"])
    return result


ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s"


def endpoint_of(method: str, path: str) -> str | None:
    """Which of the rush's endpoints a request of the access log was (None: another)."""
    if path.startswith("/bench/floor/"):
        return "floor POST" if method == "POST" else "floor GET"
    if path == "/gzf/plans/":
        return "plans"
    if path.startswith("/gzf/plans/"):
        return "projects"
    if path.startswith("/gzf/projects/"):
        return "detail"
    if path.startswith("/register/"):
        return "register" if method == "POST" else "notice"
    if path.startswith("/registrations/") and path.endswith("/success/"):
        return "success"
    return None


def service_times(log: Path, start: int) -> dict[str, dict]:
    """p50 / p99 of the time each endpoint's requests spent inside an app worker, from byte `start`
    of the servers' shared access log (ACCESS_FORMAT; %(D)s is microseconds)."""
    found: dict[str, list[float]] = {}
    with log.open("rb") as f:
        f.seek(start)
        for line in f.read().decode().splitlines():
            method, path, _status, micros = line.split()
            if name := endpoint_of(method, path):
                found.setdefault(name, []).append(int(micros) / 1e6)
    return {name: {"requests": len(v), "p50_ms": _ms(_pct(sorted(v), 50)), "p99_ms": _ms(_pct(sorted(v), 99))}
            for name, v in found.items()}


def drain(args, fake: FakeSms, workers: list, env: dict, kill: bool) -> dict:
    """Wait for the worker to send every notification; with `kill`, SIGKILL it halfway first,
    while a message is at the provider.

    After the kill: a new worker at once (it takes the jobs still READY), and once the killed
    worker's claim has expired, `manage.py notifications_due` as the operators' cron runs it —
    it re-enqueues the notification whose job died with the worker.
    """
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from notifications.models import Notification

    pending = Notification.objects.filter(status=Notification.Status.PENDING)
    total = Notification.objects.count()
    lease = settings.NOTIFICATION_LEASE_SECONDS
    out: dict = {"timed_out": False, "killed": None, "kill_wanted": kill}
    deadline, recover_at, settle_at = time.monotonic() + args.drain_timeout, None, 0.0
    while pending.exists():
        if time.monotonic() > deadline:
            out["timed_out"] = True
            break
        armed = kill and out["killed"] is None and total - pending.count() >= total // 2
        # Mid-send: every worker is waiting for the provider's answer (so the one killed is too),
        # the moment that can repeat a message.
        if armed and fake.open >= len(workers):
            open_at_fake = fake.open
            victim = workers.pop(0)
            victim.kill()
            killed_at = timezone.now()
            out["killed"] = {"at": killed_at, "sent_before": total - pending.count(), "in_flight": None,
                             "open_at_fake": open_at_fake, "notifications_due": []}
            workers.append(stack.Worker(env=env, run_dir=args.run_dir, name=f"worker-after-kill{len(workers)}",
                                        share=args.worker_share))
            recover_at = time.monotonic() + lease + 1
            settle_at = time.monotonic() + 2
        # In flight: what the dead worker had claimed and not marked 已发送 — the only ones that may
        # reach the provider twice (the fake may have answered just before the kill). The live
        # workers' claims from before the kill are answered within the fake's latency; 2 s later
        # a claim older than the kill that still holds is the dead worker's.
        if out["killed"] and out["killed"]["in_flight"] is None and time.monotonic() >= settle_at:
            held = pending.filter(claimed_until__gt=timezone.now(), last_attempt_at__lte=out["killed"]["at"])
            out["killed"]["in_flight"] = [n.params.get("number") for n in held]
        if recover_at is not None and time.monotonic() >= recover_at:
            said = io.StringIO()
            call_command("notifications_due", stdout=said)
            out["killed"]["notifications_due"].append(said.getvalue().strip())
            recover_at = time.monotonic() + lease + 1
        time.sleep(0.005 if armed else 0.2)
    if out["killed"] and out["killed"]["in_flight"] is None:
        out["killed"]["in_flight"] = []  # drained within 2 s of the kill: nothing of the dead worker's was held
    connection.close()
    return out


def check_notifications(world, fake: FakeSms, delivery: dict) -> dict:
    """Every registration's 登记成功 reached the fake exactly once; duplicates only for those in
    flight at a kill. Drain rate: notifications from the first enqueue to the last 已发送."""
    from django.db import connection
    from django.db.models import Count, Max, Min

    from notifications.models import Notification
    from registrations.models import Registration

    plans = (world.realtime_plan_id, world.quick_plan_id)
    numbers = set(Registration.objects.active().filter(plan_id__in=plans).values_list("number", flat=True))
    rows = Notification.objects.filter(purpose=Notification.Purpose.REGISTERED)
    by_number = Counter(n.params.get("number") for n in rows.only("params"))
    span = rows.aggregate(first=Min("created_at"), last=Max("sent_at"), last_enqueued=Max("created_at"))
    statuses = dict(rows.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    counts = fake.counts()
    killed = delivery["killed"]
    in_flight = set(killed["in_flight"]) if killed else set()
    duplicates = {n: c for n, c in counts.items() if c > 1}
    sent = statuses.get(Notification.Status.SENT, 0)
    seconds = (span["last"] - span["first"]).total_seconds() if span["last"] and span["first"] else 0.0
    out = {
        "registrations": len(numbers), "rows": sum(by_number.values()),
        "registrations_without_row": len(numbers - by_number.keys()),
        "rows_twice": sum(1 for c in by_number.values() if c > 1),
        "statuses": statuses,
        "reached_once": sum(1 for n in numbers if counts[n] == 1),
        "missing": sorted(n for n in numbers if counts[n] == 0),
        "duplicates": duplicates,
        "duplicates_not_in_flight": sorted(set(duplicates) - in_flight),
        "unknown_at_fake": sorted(set(counts) - numbers),
        "provider_requests": sum(counts.values()),
        "drain_seconds": round(seconds, 2),
        "drain_per_second": round(sent / seconds, 1) if seconds else None,
        # Near zero: the worker kept up and the drain rate is the registrations' rate, not its limit.
        "lag_after_last_enqueue_seconds": round((span["last"] - span["last_enqueued"]).total_seconds(), 2)
        if span["last"] else None,
        "timed_out": delivery["timed_out"],
        "kill_wanted": delivery["kill_wanted"],
    }
    if killed:
        before = (killed["at"] - span["first"]).total_seconds() if span["first"] else 0.0
        out["kill"] = {"sent_before": killed["sent_before"], "in_flight": sorted(in_flight),
                       "open_at_fake": killed["open_at_fake"], "notifications_due": killed["notifications_due"],
                       "drain_per_second_before": round(killed["sent_before"] / before, 1) if before else None}
    connection.close()
    return out


def check_database(world, rushing: list, floor_rows: int) -> dict:
    """Units given twice and registrations lost, from the database itself."""
    from django.db import connection

    from registrations.models import Registration

    with connection.cursor() as cur:
        cur.execute("""SELECT count(*) FROM (SELECT unit_id FROM registrations_registration
                       WHERE status = 'active' AND unit_id IS NOT NULL GROUP BY unit_id HAVING count(*) > 1) d""")
        doubled = cur.fetchone()[0]
        cur.execute("""SELECT count(*) FROM rentals_unit u WHERE u.taken <> EXISTS (
                       SELECT 1 FROM registrations_registration r WHERE r.unit_id = u.id AND r.status = 'active')""")
        taken_mismatch = cur.fetchone()[0]
        cur.execute("""SELECT count(*) FROM (SELECT filing_id, plan_id FROM registrations_registration
                       WHERE status = 'active' GROUP BY filing_id, plan_id HAVING count(*) > 1) d""")
        twice_in_plan = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM bench_floorrow")
        floor_in_db = cur.fetchone()[0]
    plans = (world.realtime_plan_id, world.quick_plan_id)
    rows = dict(Registration.objects.active().filter(plan_id__in=plans).values_list("pk", "filing__account_id"))
    answered = {f.registration_id: f.user_id for f in rushing if f.registration_id}
    connection.close()
    return {
        "registrations": len(rows),
        "registrations_realtime": sum(1 for f in rushing if f.registration_id and f.kind == "realtime"),
        "registrations_quick": sum(1 for f in rushing if f.registration_id and f.kind == "quick"),
        "units_given_twice": doubled,
        "units_taken_flag_mismatch": taken_mismatch,
        "families_twice_in_a_plan": twice_in_plan,
        "lost": {
            "success_without_row": len(answered.keys() - rows.keys()),
            "row_without_success": len(rows.keys() - answered.keys()),
            "row_of_another_family": sum(1 for pk, user in answered.items() if pk in rows and rows[pk] != user),
        },
        "floor_rows": {"answered": floor_rows, "in_db": floor_in_db},
    }


def ratios(stats: Stats) -> dict:
    """Per endpoint: the time the floor would have taken for its requests over the time it took.

    Each wave is set against the mean of the floor probes just before and just after it
    (GET pages against the floor GET, the register POST against the floor POST), so a
    machine that gets busier or quieter during the run moves both alike.
    """
    floor_time: Counter = Counter()
    took: Counter = Counter()
    probes = stats.probes
    for name, n, seconds, i in stats.waves:
        if name.startswith("floor") or i < 0 or not n:
            continue
        method = "GET" if name in GET_ENDPOINTS else "POST"
        around = [probes[j][method] for j in (i, i + 1) if j < len(probes) and probes[j][method]]
        if not around:
            continue
        floor_time[name] += n / (sum(around) / len(around))
        took[name] += seconds
    return {name: round(floor_time[name] / took[name], 2) for name in took if took[name]}


def cpu_ratios(endpoints: dict) -> dict:
    """Per endpoint: the floor's server CPU per request over its own (app workers + database).

    On a machine whose cores are the limit this is the throughput ratio the stack would show
    alone, and unlike req/s it does not move when other programs take the cores for a while.
    """
    floor = {m: endpoints.get(f"floor {m}", {}).get("server_cpu_ms", {}).get("total") for m in ("GET", "POST")}
    out = {}
    for name, e in endpoints.items():
        base = floor["GET" if name in GET_ENDPOINTS else "POST"]
        cost = e.get("server_cpu_ms", {}).get("total")
        if not name.startswith("floor") and base and cost:
            out[name] = round(base / cost, 2)
    return out


def failures(result: dict) -> list[str]:
    problems = []
    errors = sum(sum(e["errors"].values()) for e in result["endpoints"].values())
    if errors:
        problems.append(f"{errors} errors")
    if result["units_given_twice"]:
        problems.append(f"{result['units_given_twice']} units given twice")
    lost = sum(result["lost"].values())
    if lost:
        problems.append(f"{lost} registrations lost")
    if result["units_taken_flag_mismatch"] or result["families_twice_in_a_plan"]:
        problems.append("database inconsistent")
    if result["floor_rows"]["answered"] != result["floor_rows"]["in_db"]:
        problems.append("floor rows lost")
    n = result["notifications"]
    if n["registrations_without_row"] or n["rows_twice"] or n["rows"] != n["registrations"]:
        problems.append("registrations and notifications disagree")
    if n["missing"]:
        problems.append(f"{len(n['missing'])} notifications never reached the provider")
    if n["duplicates_not_in_flight"]:
        problems.append(f"{len(n['duplicates_not_in_flight'])} sent twice that were not in flight at a kill")
    if n["kill_wanted"] and "kill" not in n:
        problems.append("the worker had drained the queue before it could be killed (raise --sms-latency)")
    if n["timed_out"]:
        problems.append("notifications left unsent at --drain-timeout")
    if result["aborted_steps"]:
        problems.append(f"time limit: {result['aborted_steps']} steps not run")
    return problems


ORDER = ["floor GET", "floor POST", "plans", "projects", "detail", "notice", "register", "success"]


def table(result: dict) -> str:
    rows = [f"{'endpoint':<11} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
            f"{'×floor':>6} {'cpu ms':>7} {'×floor':>6}  errors"]
    for name in ORDER:
        e = result["endpoints"].get(name)
        if not e:
            continue
        ratio, cpu_ratio = result["ratios"].get(name, ""), result["cpu_ratios"].get(name, "")
        cpu = e.get("server_cpu_ms", {}).get("total", "")
        rows.append(f"{name:<11} {e['requests']:>8} {e['rps']:>7} {e['p50_ms']:>7} {e['p95_ms']:>7} "
                    f"{e['p99_ms']:>7} {ratio:>6} {cpu:>7} {cpu_ratio:>6}  {e['errors'] or 0}")
    register = result["endpoints"].get("register")
    if register and len(register["by_status"]) > 1:
        rows.append("register by answer: " + "; ".join(
            f"{status} ×{e['requests']} p50 {e['p50_ms']} p99 {e['p99_ms']} ms"
            for status, e in sorted(register["by_status"].items())))
    if register and len(register.get("by_wave", ())) > 1:
        rows.append("register by wave: " + "; ".join(
            f"×{e['requests']} p50 {e['p50_ms']} p99 {e['p99_ms']} ms" for e in register["by_wave"]))
    if service := result.get("service_ms"):
        rows.append("inside the app worker (p50 / p99 ms, p99 ÷ p50): " + "; ".join(
            f"{name} {e['p50_ms']} / {e['p99_ms']} (×{e['p99_ms'] / e['p50_ms']:.2f})"
            for name in ORDER if (e := service.get(name))))
    g = result["generator"]
    lost = result["lost"]
    probes = result["floor_probes"]
    drift = "; ".join(f"{m} {min(p[m] for p in probes):.0f}–{max(p[m] for p in probes):.0f}"
                      for m in ("GET", "POST")) if probes else "none"
    rows += [
        f"floor probes ({len(probes)}, between stages), req/s: {drift}",
        f"registrations made: {result['registrations']} (real-time {result['registrations_realtime']}, "
        f"quick {result['registrations_quick']}); outcomes {result['outcomes']}",
        f"units given twice: {result['units_given_twice']}; lost: {lost['success_without_row']} success without row, "
        f"{lost['row_without_success']} row without success, {lost['row_of_another_family']} wrong family",
        f"generator CPU: {g['cpu_seconds']}s in {g['wall_seconds']}s = {g['share_of_one_core']:.0%} of one core, "
        f"{g['share_of_machine']:.0%} of the machine",
    ]
    return "\n".join(rows)


def notification_lines(result: dict) -> str:
    n = result["notifications"]
    lines = [
        f"notifications: {n['rows']} for {n['registrations']} registrations, {n['statuses']}; drained "
        f"{n['drain_per_second']}/s ({n['drain_seconds']}s from the first enqueue to the last 已发送, "
        f"{n['lag_after_last_enqueue_seconds']}s after the last enqueue)",
        f"at the fake provider: {n['provider_requests']} requests, {n['reached_once']} registrations exactly once, "
        f"{len(n['missing'])} missing {n['missing'][:10]}, {len(n['duplicates'])} twice {n['duplicates']}, "
        f"{len(n['unknown_at_fake'])} unknown",
    ]
    if kill := n.get("kill"):
        lines.append(f"SIGKILL after {kill['sent_before']} sent ({kill['drain_per_second_before']}/s until then): "
                     f"in flight {kill['in_flight']} ({kill['open_at_fake']} open at the fake); sent twice "
                     f"not in flight: {len(n['duplicates_not_in_flight'])}; notifications_due: "
                     f"{'; '.join(f'{c} × {said}' for said, c in Counter(kill['notifications_due']).items())}")
    return "\n".join(lines)


def side_by_side(results: list[dict]) -> list[str]:
    """The register wave at each provider latency, per size, and its ratio to the first latency."""
    lines = []
    for units, families in dict.fromkeys((r["units"], r["families"]) for r in results):
        same = [r for r in results if (r["units"], r["families"]) == (units, families)]
        if len(same) < 2:
            continue
        base = same[0]["endpoints"].get("register", {})
        lines.append(f"register wave by SMS provider latency, {units} units, {families} families:")
        for r in same:
            e, n = r["endpoints"].get("register", {}), r["notifications"]
            ratio = f"{e['rps'] / base['rps']:.2f}" if base.get("rps") and e.get("rps") else "-"
            p95 = f"{e['p95_ms'] / base['p95_ms']:.2f}" if base.get("p95_ms") and e.get("p95_ms") else "-"
            cpu = e.get("server_cpu_ms", {}).get("total")
            lines.append(f"  {r['sms_latency_ms']:>5.0f} ms: {e.get('rps')} req/s (×{ratio}), p95 {e.get('p95_ms')} ms "
                         f"(×{p95}), server CPU {cpu} ms a request, ×floor POST {r['ratios'].get('register')}; "
                         f"drain {n['drain_per_second']}/s; exactly once {n['reached_once']}/"
                         f"{n['registrations']}, missing {len(n['missing'])}, twice {len(n['duplicates'])}")
    return lines


def growth(results: list[dict]) -> list[str]:
    if len(results) < 2:
        return []
    a, b = results[0], results[-1]
    lines = [f"growth {a['units']}→{b['units']} units, {a['families']}→{b['families']} families:"]
    for name in ("detail", "notice", "register"):
        ea, eb = a["endpoints"].get(name), b["endpoints"].get(name)
        if ea and eb:
            cpu = [e.get("server_cpu_ms", {}).get("total") for e in (ea, eb)]
            lines.append(f"  {name:<9} p50 {ea['p50_ms']} → {eb['p50_ms']} ms, req/s {ea['rps']} → {eb['rps']}, "
                         f"server CPU {cpu[0]} → {cpu[1]} ms a request")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    deadline = started + args.time_limit
    os.environ.update(bench_env(args))
    tmp = stack.prepare_run(args, "bphc-bench-")
    results, problems = [], []
    try:
        runs = [(size, latency) for size in args.size_list for latency in args.latencies]
        for i, ((units, families), latency) in enumerate(runs):
            # Keep back a share of the limit for each run still to come (a larger one loads
            # longer, a smaller one has more collisions), so the last one is not starved.
            size_deadline = deadline - 0.45 * args.time_limit * (len(runs) - i - 1) / len(args.latencies)
            if len(args.latencies) > 1:  # the same size at each latency: share what is left alike
                size_deadline = time.monotonic() + (deadline - time.monotonic()) / (len(runs) - i)
            kill = args.kill_worker and latency == args.latencies[-1]
            print(f"== {units} units, {families} families, SMS provider {latency:.0f} ms: concurrency "
                  f"{args.concurrency}, {args.servers} app servers × {args.workers} workers behind "
                  f"{args.balancer}, {args.sms_workers} notification worker(s) at CPU share {args.worker_share}"
                  f"{' (one SIGKILLed mid-drain)' if kill else ''}", flush=True)
            result = run_size(args, units, families, size_deadline, latency, kill)
            results.append(result)
            print(table(result), flush=True)
            print(notification_lines(result), flush=True)
            problems += [f"{units}x{families} at {latency:.0f} ms: {p}" for p in failures(result)]
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            stack.drop_database(args.database_url)
        if tmp is not None:
            tmp.cleanup()
    for line in growth([r for r in results if r["sms_latency_ms"] == args.latencies[0]]) + side_by_side(results):
        print(line)
    report = {
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "seconds": round(time.monotonic() - started, 1),
        "cpus": os.cpu_count(),
        "config": {k: v for k, v in vars(args).items() if k not in ("size_list", "out", "run_dir")},
        "sizes": results, "problems": problems, "balancer": args.balancer,
    }
    return stack.write_report(args.out, "", report, problems, "OK: 0 errors, 0 units given twice, 0 registrations lost")

if __name__ == "__main__":
    sys.exit(main())
