"""The benches' own processes: they die with the bench, and a server that cannot start says why."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from bench.services import OwnRedis
from bench.stack import BASE_DIR

PARENT = """
import subprocess, sys, time
from bench.stack import die_with_parent
child = subprocess.Popen(die_with_parent(["sleep", "60"]), start_new_session=True)
print(child.pid, flush=True)
time.sleep(0.3)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] != "Z"


def test_a_child_of_a_killed_bench_does_not_live_on():
    parent = subprocess.run([sys.executable, "-c", PARENT], cwd=BASE_DIR, capture_output=True, text=True, timeout=30)
    pid = int(parent.stdout.strip())
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = _alive(pid)
    if alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive, "the sleep the bench started outlived the bench"


@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed (scripts/sysdeps.sh)")
def test_a_redis_that_cannot_start_says_why(tmp_path, monkeypatch):
    # A port held by a socket that is bound but not listening looks free to a connect, and
    # redis-server cannot bind it: the run stops at once with redis's own words. Its directory
    # is looked for in a temporary directory of the test's own: a fault run or another test
    # run on the machine at the same time has its own in the shared one.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        t = time.monotonic()
        with pytest.raises(RuntimeError) as refused:
            OwnRedis(port=port)
    assert time.monotonic() - t < 10
    assert "Address already in use" in str(refused.value)
    assert not list(Path(tempfile.gettempdir()).glob("bphc-faults-redis-*")), "its directory is removed"


def test_the_fault_runs_own_postgresql_and_redis_take_free_ports_by_default():
    # Fixed ports inside the range Linux hands outgoing connections could be held in TIME_WAIT
    # by the bench run just before, and PostgreSQL then refused to start.
    from bench.faults import parse_args

    args = parse_args([])
    assert (args.pg_port, args.redis_port) == (0, 0)
