"""The rush when things break: `python -m bench.faults` (or `make chaos`); see bench/README.md.

Starts its own PostgreSQL cluster and Redis server, two gunicorn app servers behind nginx
(deploy/nginx.conf), a notification worker and the fake SMS provider; then, one at a time,
each with a rush of families running through it, injects a fault: an app server SIGKILLed,
PostgreSQL restarted, Redis stopped, the SMS provider failing then slow, the worker
SIGKILLed. Families behave like people: an error or a timeout, a few seconds' wait, another
try, up to a bound. Each fault is checked from the database and the fake provider. Exit 0
only if every invariant holds for every fault.
"""

import argparse
import asyncio
import contextlib
import io
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from . import stack
from .balancer import Balancer
from .client import ClientError, request
from .client import Server as Target
from .fakesms import FakeSms
from .rush import HIDDEN_RE, PROJECT_RE, SUCCESS_RE, TAB_RE, TAKEN, TOKEN_RE, UNIT_RE, bench_env
from .services import OwnPostgres, OwnRedis

RESULTS_DIR = Path(__file__).resolve().parent / "results"
FAULTS = ("app", "postgres", "redis", "sms", "worker")
RECORD_RE = re.compile(rb'href="/registrations/(\d+)/"')
BUSY = "系统繁忙，请稍后再试".encode()
ALREADY = b"already_registered"
SHOWN_EXISTING = ("无需重复提交".encode(), "您已登记过本计划".encode())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__.splitlines()[0])
    p.add_argument("--faults", default=",".join(FAULTS), help="which, in order (default %(default)s)")
    p.add_argument("--units", type=int, default=4000, help="real-time units")
    p.add_argument("--families", type=int, default=12000, help="signed-in families in the pool")
    p.add_argument("--concurrency", type=int, default=10, help="families on the journey at once (closed loop)")
    p.add_argument("--servers", type=int, default=2)
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers per app server")
    p.add_argument("--before", type=float, default=10.0, help="seconds of rush before each fault")
    p.add_argument("--fault-seconds", type=float, default=20.0, help="how long a stopped thing stays stopped")
    p.add_argument("--after", type=float, default=20.0, help="seconds of rush after each fault ends")
    p.add_argument("--request-timeout", type=float, default=40.0,
                   help="how long a family waits for an answer (nginx gives up on an app at 35 s)")
    p.add_argument("--tries", type=int, default=6, help="attempts of one step before a family gives up")
    p.add_argument("--drain-timeout", type=float, default=90.0)
    p.add_argument("--port", type=int, default=8860,
                   help="nginx; the app servers take the next ports (0: free ports for all, as the CI test does)")
    # Free ports by default: 55432 and 56379, the defaults until 2026-12-07, are inside Linux's
    # range for outgoing connections (32768–60999), and one left in TIME_WAIT by the bench run
    # before (its clients make thousands) kept PostgreSQL from binding: "Address already in use".
    p.add_argument("--pg-port", type=int, default=0, help="its own PostgreSQL's port (default 0: a free port)")
    p.add_argument("--redis-port", type=int, default=0, help="its own Redis's port (default 0: a free port)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = p.parse_args(argv)
    args.fault_list = [f for f in args.faults.split(",") if f]
    if unknown := set(args.fault_list) - set(FAULTS):
        p.error(f"unknown faults {sorted(unknown)}; choose from {', '.join(FAULTS)}")
    return args


@dataclass
class Seen:
    """One request: when, what, and what the family saw."""

    started: float
    ended: float
    endpoint: str
    status: str
    ok: bool
    saw: str


@dataclass
class Visit:
    """A family on its journey during one fault."""

    family: object
    fault: str
    registration_id: int | None = None
    outcome: str = ""
    shown_existing: bool = False
    choices: list[str] = field(default_factory=list)


class GaveUp(Exception):
    pass


class Chaos:
    """The stack, the families and the faults."""

    def __init__(self, args, run_dir: Path) -> None:
        self.args = args
        self.run_dir = run_dir
        self.rng = random.Random(args.seed)
        self.seen: list[Seen] = []
        self.visits: list[Visit] = []
        self.servers: list[stack.AppServer] = []
        self.workers: list[stack.Worker] = []
        self.supervised = Counter()  # processes that exited by themselves and were started again
        self.fake = FakeSms(0).start()
        self.pg = self.redis = self.balancer = None
        self.target: Target | None = None
        self.fault = ""
        self.in_flight: set[str] = set()
        self.posts_open = 0  # registrations sent and not yet answered

    # The stack --------------------------------------------------------------------------

    def start(self) -> None:
        self.pg = OwnPostgres(port=self.args.pg_port)
        self.redis = OwnRedis(port=self.args.redis_port)
        ns = SimpleNamespace(database_url=self.pg.url("bphc_faults"), cache_url=self.redis.url(0),
                             workers=self.args.workers, threads=1, balancer="nginx")
        os.environ.update(bench_env(ns))
        os.environ.update(self.fake.env())
        # Retries 5, 10, 20, 40 s apart instead of minutes, so a provider outage ends within the run.
        os.environ.update({"NOTIFICATION_RETRY_BASE_SECONDS": "5", "CONN_MAX_AGE": "60"})
        import django

        django.setup()
        from django.core.management import call_command

        from . import world

        if not stack.static_is_fresh():
            call_command("collectstatic", interactive=False, verbosity=0)
        stack.recreate_database(ns.database_url)
        t0 = time.monotonic()
        call_command("migrate", verbosity=0, interactive=False)
        self.world = world.build(units=self.args.units, families=self.args.families, realtime_share=0.5,
                                 projects=4, per_building=48, seed=self.args.seed)
        from django.db import connections

        connections.close_all()
        print(f"  own PostgreSQL :{self.pg.port}, own Redis :{self.redis.port}; loaded {self.args.units} units, "
              f"{self.args.families} signed-in families in {time.monotonic() - t0:.1f}s", flush=True)
        self.pool = iter(self.world.families)
        self.env = {**os.environ}
        self.workers.append(stack.Worker(env=self.env, run_dir=self.run_dir))
        ports = self.args.app_ports
        self.servers = [self._app(i, port) for i, port in enumerate(ports)]
        for server in self.servers:
            server.wait_ready()
        self.balancer = Balancer(ports=ports, listen=self.args.port, run_dir=self.run_dir)
        self.balancer.wait_ready()
        self.target = Target("127.0.0.1", self.args.port, "nginx")

    def _app(self, i: int, port: int) -> stack.AppServer:
        return stack.AppServer(port=port, env=self.env, run_dir=self.run_dir, name=f"app{i + 1}")

    def stop(self) -> None:
        for thing in (self.balancer, *self.workers, *self.servers):
            if thing is not None:
                with contextlib.suppress(Exception):
                    thing.stop()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        self.fake.stop()
        for service in (self.redis, self.pg):
            if service is not None:
                service.remove()

    async def supervise(self, stop: asyncio.Event) -> None:
        """What systemd does in production (Restart=always): a worker that exits by itself
        is started again, and the operators' cron runs notifications_due."""
        last_cron = time.monotonic()
        while not stop.is_set():
            worker = self.workers[-1]
            if worker.proc.poll() is not None and not getattr(worker, "killed", False):
                said = worker.log_path.read_text(errors="replace").strip().splitlines() or [""]
                self.supervised[f"worker exited ({worker.proc.returncode}): {said[-1][-160:]}"] += 1
                self.workers.append(stack.Worker(env=self.env, run_dir=self.run_dir,
                                                 name=f"worker{len(self.workers) + 1}"))
            if time.monotonic() - last_cron > 6:
                last_cron = time.monotonic()
                await asyncio.to_thread(_notifications_due)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)

    # A family ---------------------------------------------------------------------------

    async def hit(self, visit: Visit, endpoint: str, method: str, path: str, expect: set[int],
                  form: dict | None = None):
        """One request through nginx, as a person makes it: on an error or a timeout, a few
        seconds' wait and the same request again, up to --tries; then the family gives up."""
        family = visit.family
        for attempt in range(self.args.tries):
            started = time.monotonic()
            self.posts_open += method == "POST"
            try:
                response = await request(self.target, method, path, cookies=family.cookies, form=form,
                                         timeout=self.args.request_timeout)
            except ClientError as exc:
                self.seen.append(Seen(started, time.monotonic(), endpoint, f"error:{exc}", False,
                                      "timeout" if str(exc) == "TimeoutError" else "no answer"))
                response = None
            finally:
                self.posts_open -= method == "POST"
            if response is not None:
                family.cookies.update(response.cookies())
                ok = response.status in expect
                self.seen.append(Seen(started, time.monotonic(), endpoint, str(response.status), ok,
                                      "ok" if ok else _what_it_was(response)))
                if ok:
                    return response
                if response.status < 500:
                    raise GaveUp(f"{endpoint} {response.status}")
            if method == "POST" and attempt + 1 < self.args.tries:
                return None  # the caller decides how the family tries again after a failed POST
            await asyncio.sleep(self.rng.uniform(2, 5))
        raise GaveUp(f"{endpoint} after {self.args.tries} tries")

    async def journey(self, visit: Visit) -> None:
        family = visit.family
        await self.hit(visit, "plans", "GET", "/gzf/plans/", {200})
        page = await self.hit(visit, "projects", "GET", f"/gzf/plans/{family.plan_id}/", {200})
        ids = PROJECT_RE.findall(page.body)
        project = f"/gzf/projects/{int(self.rng.choice(ids))}/"
        notice = f"/register/{project.split('/')[-2]}/"
        for _ in range(3 * self.args.tries):
            if family.kind == "realtime":
                page = await self.hit(visit, "detail", "GET", project, {200})
                units = [u.decode() for u in UNIT_RE.findall(page.body) if u.decode() not in visit.choices]
                free = [name.decode() for name, n, _ in TAB_RE.findall(page.body) if int(n)]
                if free and (not units or self.rng.random() < 0.5):  # another building's tab
                    page = await self.hit(visit, "detail", "GET", f"{project}?building={self.rng.choice(free)}", {200})
                    units = [u.decode() for u in UNIT_RE.findall(page.body) if u.decode() not in visit.choices]
                if not units:
                    visit.outcome = "no free unit"
                    return
                unit = units[int(len(units) * self.rng.random() ** 3)]
                visit.choices.append(unit)
                notice = f"/register/{project.split('/')[-2]}/?unit={unit}"
            page = await self.hit(visit, "notice", "GET", notice, {200, 302})
            if page.status == 302:  # back after registering: its own registration
                return await self.registered(visit, page.header("location"))
            if ALREADY in page.body:  # the refusal names it; the family opens 业务记录 to see it
                records = await self.hit(visit, "records", "GET", "/center/records/", {200})
                if m := RECORD_RE.search(records.body):
                    visit.registration_id, visit.outcome, visit.shown_existing = int(m.group(1)), "registered", True
                    return
                raise GaveUp("refused as registered, but 业务记录 shows nothing")
            if TAKEN in page.body:  # someone was quicker: choose again
                continue
            # Every page has a CSRF token (base.html's 长辈版 switch); the notice has the tick.
            token = TOKEN_RE.search(page.body)
            if token is None or b'name="acknowledged"' not in page.body:
                raise GaveUp("notice without a form")
            form = {"csrfmiddlewaretoken": token.group(1).decode(), "acknowledged": "on"}
            form.update({k.decode(): v.decode() for k, v in HIDDEN_RE.findall(page.body)})
            answer = await self.register(visit, notice, form)
            if answer is None:
                continue  # reloads the project and chooses again
            if answer.status == 302:
                return await self.registered(visit, answer.header("location"))
            if TAKEN not in answer.body:
                raise GaveUp("409 that is not 'taken'")
        visit.outcome = "tried enough"

    async def register(self, visit: Visit, notice: str, form: dict):
        """The POST. After an error half the families send the form again (reload), the
        other half go back and choose again (None): both must find what they registered."""
        for attempt in range(self.args.tries):
            answer = await self.hit(visit, "register", "POST", notice, {302, 409}, form=form)
            if answer is not None:
                return answer
            await asyncio.sleep(self.rng.uniform(2, 5))
            if visit.family.kind == "realtime" and self.rng.random() < 0.5 and attempt + 1 < self.args.tries:
                return None
        raise GaveUp("register")

    async def registered(self, visit: Visit, location: str) -> None:
        m = SUCCESS_RE.match(location)
        if m is None:
            raise GaveUp(f"redirected to {location}")
        visit.registration_id, visit.outcome = int(m.group(1)), "registered"
        page = await self.hit(visit, "success", "GET", location, {200})
        visit.shown_existing = visit.shown_existing or any(s in page.body for s in SHOWN_EXISTING)

    async def family_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            family = next(self.pool, None)
            if family is None:
                return
            visit = Visit(family, self.fault)
            self.visits.append(visit)
            try:
                await self.journey(visit)
            except GaveUp as exc:
                visit.outcome = f"gave up: {exc}"

    # The faults -------------------------------------------------------------------------

    async def run_fault(self, name: str) -> dict:
        self.fault = name
        self.supervised = Counter()
        stop_families, stop_supervisor = asyncio.Event(), asyncio.Event()
        first_seen = len(self.seen)
        supervisor = asyncio.create_task(self.supervise(stop_supervisor))
        families = [asyncio.create_task(self.family_loop(stop_families)) for _ in range(self.args.concurrency)]
        await asyncio.sleep(self.args.before)
        began = time.monotonic()
        print(f"  {name}: fault at {began - self.t0:.0f}s", flush=True)
        detail = await getattr(self, f"fault_{name}")()
        ended = time.monotonic()
        await asyncio.sleep(self.args.after)
        stop_families.set()
        await asyncio.gather(*families)
        drained = await asyncio.to_thread(_drain, self.args.drain_timeout)
        stop_supervisor.set()
        await supervisor
        seen = self.seen[first_seen:]
        return {"fault": name, "detail": detail, "fault_seconds": round(ended - began, 1),
                **_requests(seen, began, ended), "drained": drained}

    async def fault_app(self) -> str:
        # At a busy moment: with registrations on their way, one of them may be on the victim.
        deadline = time.monotonic() + 5
        while self.posts_open < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        posts_open = self.posts_open
        victim = self.servers[0]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(victim.proc.pid, signal.SIGKILL)
        victim.proc.wait(timeout=10)
        await asyncio.sleep(self.args.fault_seconds)
        self.servers[0] = self._app(0, victim.port)
        await asyncio.to_thread(self.servers[0].wait_ready)
        return (f"SIGKILL {victim.name} (master and workers; {posts_open} registrations on their way), "
                f"{self.args.fault_seconds:.0f}s down, started again")

    async def fault_postgres(self) -> str:
        t = time.monotonic()
        await asyncio.to_thread(self.pg.restart)
        return f"pg_ctl -m fast restart, {time.monotonic() - t:.1f}s"

    async def fault_redis(self) -> str:
        self.redis.stop()
        await asyncio.sleep(self.args.fault_seconds)
        self.redis.start()
        return f"redis-server stopped {self.args.fault_seconds:.0f}s, started again empty"

    async def fault_sms(self) -> str:
        self.fake.fail = True
        await asyncio.sleep(self.args.fault_seconds)
        self.fake.fail, self.fake.latency = False, 2.0
        await asyncio.sleep(self.args.fault_seconds)
        self.fake.latency = 0.0
        return f"provider errors {self.args.fault_seconds:.0f}s ({self.fake.refused} refused), " \
               f"then 2 s answers {self.args.fault_seconds:.0f}s"

    async def fault_worker(self) -> str:
        # Mid-send if the provider has a request open within 5 s: the one moment that can repeat a message.
        deadline = time.monotonic() + 5
        while not self.fake.open and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        open_at_fake = self.fake.open
        worker = self.workers[-1]
        worker.killed = True
        worker.kill()
        self.in_flight |= set(await asyncio.to_thread(_claimed))
        self.workers.append(stack.Worker(env=self.env, run_dir=self.run_dir, name=f"worker{len(self.workers) + 1}"))
        return f"SIGKILL the worker ({open_at_fake} request open at the provider), a new one at once"

    async def run(self) -> list[dict]:
        self.t0 = time.monotonic()
        results = []
        for name in self.args.fault_list:
            result = await self.run_fault(name)
            result.update(await asyncio.to_thread(self.check, name))
            results.append(result)
            print(line(result), flush=True)
        return results

    # The checks -------------------------------------------------------------------------

    def check(self, name: str) -> dict:
        """From the database and the fake provider, for the families of this fault."""
        from django.db import connection

        from notifications.models import Notification
        from registrations.models import Registration

        visits = [v for v in self.visits if v.fault == name]
        users = {v.family.user_id for v in visits}
        plans = (self.world.realtime_plan_id, self.world.quick_plan_id)
        active = Registration.objects.active().filter(plan_id__in=plans)
        rows = dict(active.filter(filing__account_id__in=users).values_list("pk", "filing__account_id"))
        answered = {v.registration_id: v.family.user_id for v in visits if v.registration_id}
        with connection.cursor() as cur:
            cur.execute("""SELECT count(*) FROM (SELECT unit_id FROM registrations_registration WHERE status = 'active'
                           AND unit_id IS NOT NULL GROUP BY unit_id HAVING count(*) > 1) d""")
            doubled = cur.fetchone()[0]
            cur.execute("""SELECT count(*) FROM rentals_unit u WHERE u.taken <> EXISTS (SELECT 1 FROM
                           registrations_registration r WHERE r.unit_id = u.id AND r.status = 'active')""")
            mismatch = cur.fetchone()[0]
        numbers = set(active.filter(pk__in=list(rows)).values_list("number", flat=True))
        counts = self.fake.counts()
        failed = Notification.objects.filter(status=Notification.Status.FAILED).count()
        connection.close()
        lost = {
            "success_without_row": sum(1 for pk, user in answered.items() if rows.get(pk) != user),
            "row_without_answer": len(rows.keys() - answered.keys()),
        }
        return {
            "families": len(visits), "registrations": len(rows),
            "outcomes": dict(Counter(v.outcome.split(":")[0] for v in visits)),
            "gave_up": dict(Counter(v.outcome for v in visits if v.outcome.startswith("gave up"))),
            "shown_existing": sum(1 for v in visits if v.shown_existing),
            "units_given_twice": doubled, "units_taken_flag_mismatch": mismatch, "lost": lost,
            "undelivered": sorted(n for n in numbers if counts[n] == 0),
            "notifications_failed": failed,
            "duplicates": {n: counts[n] for n in numbers if counts[n] > 1},
            "duplicates_in_flight": sorted(n for n in numbers if counts[n] > 1 and n in self.in_flight),
            "supervised": dict(self.supervised),
        }


def _what_it_was(response) -> str:
    """What a family saw instead of its page."""
    if response.status == 503 and BUSY in response.body and b"nginx" not in response.body.lower():
        return "our 503 page"
    if b"nginx" in response.body.lower():
        return f"nginx's own {response.status} page"
    return f"{response.status}" + (" (our page)" if BUSY in response.body else "")


def _requests(seen: list[Seen], began: float, ended: float) -> dict:
    """Statuses during the fault and after it; seconds from the fault to the first success
    after the first failure, and to the moment from which on at least 99 % succeed."""
    during = [s for s in seen if s.started < ended + 1 and s.ended >= began]
    after = [s for s in seen if s.started >= ended + 1]
    since = sorted((s for s in seen if s.ended >= began), key=lambda s: s.ended)
    fails = [i for i, s in enumerate(since) if not s.ok]
    first_ok = next((s.ended for s in since[fails[0]:] if s.ok), None) if fails else None
    recovered = began
    for i in fails:  # the first failure after which (from it on) 99 % succeed
        rest = since[i + 1:]
        recovered = since[i].ended
        if sum(s.ok for s in rest) >= 0.99 * len(rest):
            break
    return {
        "during": dict(Counter(s.status for s in during)), "after": dict(Counter(s.status for s in after)),
        "errors_during": sum(1 for s in during if not s.ok), "errors_after": sum(1 for s in after if not s.ok),
        "requests": len(seen), "saw": dict(Counter(s.saw for s in seen if not s.ok)),
        "first_success_s": round(first_ok - began, 1) if first_ok is not None else 0.0,
        "recovered_99_s": round(recovered - began, 1),
        "slowest_s": round(max((s.ended - s.started for s in seen), default=0.0), 1),
    }


def _notifications_due() -> None:
    from django.core.management import call_command
    from django.db import connection

    with contextlib.suppress(Exception):  # the database may be the fault being injected
        call_command("notifications_due", verbosity=0, stdout=io.StringIO())
    connection.close()


def _claimed() -> list[str]:
    """Notifications claimed by a worker just killed: the only ones that may reach the provider twice."""
    from django.db import connection
    from django.utils import timezone

    from notifications.models import Notification

    pending = Notification.objects.filter(status=Notification.Status.PENDING, claimed_until__gt=timezone.now())
    numbers = [n.params.get("number") for n in pending]
    connection.close()
    return numbers


def _drain(timeout: float) -> dict:
    """Wait until no notification is pending (the worker, its retries and the cron caught up)."""
    from django.db import connection

    from notifications.models import Notification

    started = time.monotonic()
    pending = Notification.objects.filter(status=Notification.Status.PENDING)
    while (left := pending.count()) and time.monotonic() - started < timeout:
        time.sleep(0.5)
    connection.close()
    return {"seconds": round(time.monotonic() - started, 1), "left_pending": left}


def failures(r: dict) -> list[str]:
    problems = []
    if r["units_given_twice"] or r["units_taken_flag_mismatch"]:
        problems.append(f"{r['units_given_twice']} units given twice, "
                        f"{r['units_taken_flag_mismatch']} taken flags wrong")
    if lost := sum(r["lost"].values()):
        problems.append(f"{lost} registrations lost {r['lost']}")
    if r["undelivered"] or r["notifications_failed"] or r["drained"]["left_pending"]:
        problems.append(f"{len(r['undelivered'])} notifications never delivered, {r['notifications_failed']} failed, "
                        f"{r['drained']['left_pending']} still pending")
    if wrong := {saw: n for saw, n in r["saw"].items() if saw != "our 503 page"}:
        problems.append(f"families saw {wrong}")
    if r["gave_up"]:
        problems.append(f"families gave up: {r['gave_up']}")
    return problems


def line(r: dict) -> str:
    return (f"  {r['fault']:<9} {r['detail']}\n"
            f"            during {r['during']} after {r['after']}; families saw {r['saw'] or 'nothing wrong'}\n"
            f"            first success {r['first_success_s']}s, 99 % again {r['recovered_99_s']}s, slowest "
            f"{r['slowest_s']}s; {r['families']} families, {r['registrations']} registrations "
            f"({r['shown_existing']} shown as already made); double {r['units_given_twice']}, "
            f"lost {sum(r['lost'].values())}, undelivered {len(r['undelivered'])}, duplicates "
            f"{len(r['duplicates'])} ({len(r['duplicates_in_flight'])} in flight at a kill); drained in "
            f"{r['drained']['seconds']}s")


def table(results: list[dict]) -> str:
    rows = ["| fault | requests | errors during (after) | families saw | first success s | 99 % again s "
            "| double | lost | undelivered | duplicates |", "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        saw = ", ".join(f"{n} × {s}" for s, n in r["saw"].items()) or "—"
        rows.append(f"| {r['fault']} | {r['requests']} | {r['errors_during']} ({r['errors_after']}) | {saw} | "
                    f"{r['first_success_s']} | {r['recovered_99_s']} | {r['units_given_twice']} | "
                    f"{sum(r['lost'].values())} | {len(r['undelivered'])} | {len(r['duplicates'])} |")
    return "\n".join(rows)


def _interrupted(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Port 0: a free one now, so a run cannot meet a port that something else holds.
    args.app_ports = ([stack.free_port() for _ in range(args.servers)] if args.port == 0
                      else [args.port + 1 + i for i in range(args.servers)])
    for name in ("port", "pg_port", "redis_port"):
        if getattr(args, name) == 0:
            setattr(args, name, stack.free_port())
    started = time.monotonic()
    run_dir = Path(tempfile.mkdtemp(prefix="bphc-faults-"))
    # Ctrl-C or a kill: the same clean-up as a failure.
    signal.signal(signal.SIGTERM, _interrupted)
    chaos = Chaos(args, run_dir)
    results: list[dict] = []
    try:
        print(f"== fault run: {', '.join(args.fault_list)}; nginx :{args.port} in front of {args.servers} app "
              f"servers × {args.workers} workers; {args.concurrency} families at a time", flush=True)
        chaos.start()
        results = asyncio.run(chaos.run())
    finally:
        chaos.stop()
        shutil.rmtree(run_dir, ignore_errors=True)
    problems = [f"{r['fault']}: {p}" for r in results for p in failures(r)]
    print(table(results))
    report = {"finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "seconds": round(time.monotonic() - started, 1),
              "config": {k: v for k, v in vars(args).items() if k not in ("out", "fault_list")},
              "faults": results, "problems": problems}
    return stack.write_report(args.out, "faults-", report, problems, "OK: every fault — 0 units given twice, "
                              "0 registrations lost, 0 notifications undelivered")


if __name__ == "__main__":
    sys.exit(main())
