"""A few seconds of the fault run (bench/faults.py) on its own PostgreSQL and Redis.

An app server SIGKILLed and PostgreSQL restarted mid-rush: the run exits 0 (nothing lost,
nothing given twice, every family saw its page or our 503 page), and leaves nothing behind.
CI runs it in its PostgreSQL pass, as root (initdb runs as the postgres user).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings

from bench.balancer import NGINX
from bench.services import PG_BIN

BASE_DIR = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql" or os.geteuid() != 0
    or not (PG_BIN / "initdb").exists() or not Path(NGINX).exists() or not shutil.which("redis-server"),
    reason="the fault run needs root, PostgreSQL 15's binaries, nginx and redis-server (scripts/sysdeps.sh)",
)


def _leftovers() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("bphc-faults-*")}


def test_a_short_fault_run_loses_nothing_and_cleans_up(tmp_path):
    before = _leftovers()
    done = subprocess.run(
        [sys.executable, "-m", "bench.faults", "--faults", "app,postgres", "--units", "200", "--families", "800",
         "--concurrency", "6", "--before", "2", "--fault-seconds", "3", "--after", "3", "--drain-timeout", "30",
         "--port", "0", "--pg-port", "0", "--redis-port", "0", "--out", str(tmp_path)],
        cwd=BASE_DIR, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(next(tmp_path.glob("faults-*.json")).read_text())
    assert [f["fault"] for f in report["faults"]] == ["app", "postgres"]
    for fault in report["faults"]:
        assert fault["registrations"] > 0
        assert fault["units_given_twice"] == 0 and sum(fault["lost"].values()) == 0
        assert not fault["undelivered"] and not fault["gave_up"]
        assert set(fault["saw"]) <= {"our 503 page"}
    assert _leftovers() <= before, "the run's PostgreSQL, Redis and run directory are removed"
