"""Profile the rush pages in-process: `python -m bench.profile` (see bench/README.md).

Loads a bench world into its own PostgreSQL database under the bench's production settings
(DEBUG off, Redis cache, cached_db sessions), then sends each rush request through Django's
whole handler and middleware with django.test.Client, as signed-in families: app CPU per
request for each endpoint, and cProfile's top lines for the one asked for.
"""

import argparse
import cProfile
import io
import os
import pstats
import re
import sys
import time
from types import SimpleNamespace

from . import stack
from .rush import bench_env

ENDPOINTS = ("floor GET", "floor POST", "plans", "projects", "detail", "notice", "register", "success")
UNIT_RE = re.compile(r'href="/register/\d+/\?unit=(\d+)"')
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    p.add_argument("--units", type=int, default=500)
    p.add_argument("--families", type=int, default=1000)
    p.add_argument("--requests", type=int, default=200, help="requests per endpoint (register: families)")
    p.add_argument("--profile", default="", help="endpoint to run under cProfile (all: every one)")
    p.add_argument("--top", type=int, default=25, help="lines of the profile to print")
    p.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime)")
    p.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bphc_bench_profile")
    p.add_argument("--cache-url", default="redis://127.0.0.1:6379/9", help="a Redis database it may flush")
    p.add_argument("--keep-db", action="store_true")
    return p.parse_args(argv)


class Meter:
    """App CPU per request, per endpoint; cProfile switched on only around the chosen ones."""

    def __init__(self, profile: str) -> None:
        self.cpu: dict[str, list[float]] = {name: [] for name in ENDPOINTS}
        self.profile = profile
        self.profiler = cProfile.Profile()

    def __call__(self, name: str, send, *args, **kwargs):
        profiling = self.profile in (name, "all")
        if profiling:
            self.profiler.enable()
        t0 = time.process_time()
        response = send(*args, **kwargs)
        self.cpu[name].append(time.process_time() - t0)
        if profiling:
            self.profiler.disable()
        return response


def journey(client, world, family, meter: Meter, measured: bool) -> None:
    """One real-time family: plans, projects, detail, notice, register, success."""
    record = meter if measured else (lambda name, send, *a, **k: send(*a, **k))
    floor = record("floor GET", client.get, "/bench/floor/")
    token = TOKEN_RE.search(floor.content.decode())
    assert record("floor POST", client.post, "/bench/floor/write/", {"csrfmiddlewaretoken": token.group(1)}
                  ).status_code == 302
    assert record("plans", client.get, "/gzf/plans/").status_code == 200
    assert record("projects", client.get, f"/gzf/plans/{world.realtime_plan_id}/").status_code == 200
    project_id = world.project_ids[family.user_id % len(world.project_ids)]
    page = record("detail", client.get, f"/gzf/projects/{project_id}/")
    assert page.status_code == 200
    free = UNIT_RE.findall(page.content.decode())
    if not free:
        return
    path = f"/register/{project_id}/?unit={free[0]}"
    notice = record("notice", client.get, path)
    token = TOKEN_RE.search(notice.content.decode())
    assert token, notice.content.decode()[:500]
    done = record("register", client.post, path, {"csrfmiddlewaretoken": token.group(1), "acknowledged": "on",
                                                    "unit": free[0]})
    assert done.status_code == 302, done.status_code
    assert record("success", client.get, done["Location"]).status_code == 200


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.update(bench_env(SimpleNamespace(database_url=args.database_url, cache_url=args.cache_url,
                                                workers=1, threads=1)))
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from rentals.models import Project

    from . import world as world_mod

    if not stack.static_is_fresh():  # the hashed names the pages link to, as in production
        call_command("collectstatic", interactive=False, verbosity=0)
    stack.recreate_database(args.database_url)
    try:
        call_command("migrate", verbosity=0, interactive=False)
        cache.clear()
        world = world_mod.build(units=args.units, families=args.families, realtime_share=1.0, projects=4,
                                per_building=48, seed=2026)
        world.project_ids = list(Project.objects.filter(plan_id=world.realtime_plan_id).values_list("pk", flat=True))
        meter = Meter(args.profile)
        families = world.families[: args.requests + 20]
        # One client, so one handler: a new one would build its middleware (WhiteNoise scans
        # every static file) for each family.
        client = Client(enforce_csrf_checks=True, SERVER_NAME="127.0.0.1")
        for n, family in enumerate(families):
            client.cookies.clear()
            client.cookies[settings.SESSION_COOKIE_NAME] = family.cookies[settings.SESSION_COOKIE_NAME]
            journey(client, world, family, meter, measured=n >= 20)  # the first 20 warm the worker up
        print(f"{args.units} units, {args.families} families; app CPU ms a request (in-process, median / mean):")
        for name, values in meter.cpu.items():
            if values:
                ordered = sorted(values)
                print(f"  {name:<9} {1000 * ordered[len(ordered) // 2]:6.2f} / {1000 * sum(values) / len(values):6.2f}"
                      f"  ({len(values)} requests)")
        if args.profile:
            out = io.StringIO()
            pstats.Stats(meter.profiler, stream=out).strip_dirs().sort_stats(args.sort).print_stats(args.top)
            print(out.getvalue())
    finally:
        connections.close_all()
        if not args.keep_db:
            stack.drop_database(args.database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
