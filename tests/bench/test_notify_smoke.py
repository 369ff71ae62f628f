"""A few seconds of the rush with the notification worker (issue 15, "Measure"): the stack sends
through the fake Tencent provider (bench/fakesms.py), a db_worker drains the queue, is SIGKILLed
halfway and started again, and every registration's 登记成功 reaches the provider exactly once,
but for the one the dead worker had in flight.
"""

import json
import subprocess
import sys

import pytest

from bench import stack
from tests.bench.test_smoke import BASE_DIR, DB, _bench_db_url, _redis_url

pytestmark = pytest.mark.skipif(
    DB["ENGINE"] != "django.db.backends.postgresql",
    reason="the rush benchmark needs PostgreSQL: run the suite with DATABASE_URL=postgres://… (CI does)",
)


def test_every_registration_reaches_the_provider_once_across_a_killed_worker(tmp_path):
    cache_url = _redis_url()
    if cache_url is None:
        pytest.skip("the rush benchmark needs Redis on 127.0.0.1:6379 (or CACHE_URL)")
    db_url, run_dir, out = _bench_db_url() + "_notify2", tmp_path / "run", tmp_path / "results"
    # 200 ms: slower than the rush registers, so a backlog is left for the kill to land in.
    command = [
        sys.executable, "-m", "bench.rush", "--sizes", "12x60", "--rushing", "0", "--concurrency", "8",
        "--workers", "2", "--projects", "2", "--per-building", "8", "--floor-requests", "10",
        "--sms-latency", "200", "--kill-worker", "--drain-timeout", "90",
        "--time-limit", "90", "--request-timeout", "20",
        "--database-url", db_url, "--cache-url", cache_url, "--run-dir", str(run_dir), "--out", str(out),
    ]
    try:
        run = subprocess.run(command, cwd=BASE_DIR, capture_output=True, text=True, timeout=240,
                             stdin=subprocess.DEVNULL)
    finally:
        stack.kill_from_pidfiles(run_dir)
        stack.drop_database(db_url)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    size = json.loads(next(out.glob("*.json")).read_text())["sizes"][0]
    n = size["notifications"]
    assert n["registrations"] == size["registrations"] > 0
    assert n["rows"] == n["registrations"] and n["statuses"] == {"sent": n["registrations"]}
    assert n["missing"] == [] and n["unknown_at_fake"] == []
    assert n["reached_once"] + len(n["duplicates"]) == n["registrations"]
    # The kill happened with messages still queued; only what it had in flight may repeat.
    assert 0 < n["kill"]["sent_before"] < n["registrations"]
    assert n["duplicates_not_in_flight"] == []
    assert set(n["duplicates"]) <= set(n["kill"]["in_flight"])
    assert all(count == 2 for count in n["duplicates"].values())
