"""A few seconds of the rush benchmark (bench/rush.py) against its real stack.

Two gunicorn app servers, PostgreSQL and Redis, a handful of families: every answer as
expected, no unit given twice, no registration lost. CI runs it in its PostgreSQL pass.
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings

from bench import stack

BASE_DIR = Path(__file__).resolve().parents[2]
DB = settings.DATABASES["default"]

pytestmark = pytest.mark.skipif(
    DB["ENGINE"] != "django.db.backends.postgresql",
    reason="the rush benchmark needs PostgreSQL: run the suite with DATABASE_URL=postgres://… (CI does)",
)


def _redis_url() -> str | None:
    """The Redis the suite uses, on a database of the bench's own (it is flushed)."""
    configured = os.environ.get("CACHE_URL", "")
    parts = urlsplit(configured if configured.startswith("redis") else "redis://127.0.0.1:6379")
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=2):
        return f"redis://{host}:{port}/9"
    return None


def _bench_db_url() -> str:
    """Named after the suite's own test database, so two suites on one server never share it."""
    auth = quote(DB["USER"] or "postgres")
    if DB.get("PASSWORD"):
        auth += ":" + quote(DB["PASSWORD"])
    return f"postgres://{auth}@{DB['HOST'] or '127.0.0.1'}:{DB['PORT'] or 5432}/{DB['NAME']}_bench_{os.getpid()}"


def run_bench(tmp_path: Path, db_url: str, options: list[str]) -> dict:
    """`python -m bench.rush` with a small world and `options`; its first run's results."""
    cache_url = _redis_url()
    if cache_url is None:
        pytest.skip("the rush benchmark needs Redis on 127.0.0.1:6379 (or CACHE_URL)")
    run_dir, out = tmp_path / "run", tmp_path / "results"
    command = [
        sys.executable, "-m", "bench.rush", "--rushing", "0", "--concurrency", "8",
        "--workers", "2", "--projects", "2", "--per-building", "8", "--request-timeout", "20", *options,
        "--database-url", db_url, "--cache-url", cache_url, "--run-dir", str(run_dir), "--out", str(out),
    ]
    try:
        run = subprocess.run(command, cwd=BASE_DIR, capture_output=True, text=True, timeout=240,
                             stdin=subprocess.DEVNULL)
    finally:
        # Whatever happened, no app server, worker or database outlives the test.
        stack.kill_from_pidfiles(run_dir)
        stack.drop_database(db_url)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return json.loads(next(out.glob("*.json")).read_text())["sizes"][0]


def test_a_small_rush_answers_everyone_gives_no_unit_twice_and_loses_nothing(tmp_path):
    size = run_bench(tmp_path, _bench_db_url(),
                     ["--sizes", "12x80", "--floor-requests", "20", "--time-limit", "90", "--service-times"])
    assert sum(sum(e["errors"].values()) for e in size["endpoints"].values()) == 0
    assert size["units_given_twice"] == 0
    assert size["lost"] == {"success_without_row": 0, "row_without_success": 0, "row_of_another_family": 0}
    assert 0 < size["registrations_realtime"] <= 12  # more real-time families than units
    assert size["registrations_quick"] == size["rushing"] - size["realtime_families"]
    assert size["endpoints"]["register"]["statuses"].get("302") == size["registrations"]
    # The worker sent every registration's 登记成功 through the fake provider exactly once.
    assert size["notifications"]["reached_once"] == size["registrations"]
    assert size["notifications"]["provider_requests"] == size["registrations"]
    # The register endpoint's waves (first tries, then any retries) add up to all of its requests,
    # and each of its requests was timed inside an app worker too, never longer than its client saw.
    register = size["endpoints"]["register"]
    assert register["by_wave"]
    assert sum(w["requests"] for w in register["by_wave"]) == register["requests"]
    inside = size["service_ms"]["register"]
    assert inside["requests"] == register["requests"]
    assert 0 < inside["p50_ms"] <= register["p50_ms"]
