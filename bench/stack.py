"""The production stack under test: its own PostgreSQL database and two gunicorn app servers."""

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent


def admin_url(database_url: str) -> str:
    """The same server's maintenance database, to create and drop the bench's own."""
    parts = urlsplit(database_url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))


def db_name(database_url: str) -> str:
    return urlsplit(database_url).path.lstrip("/")


def recreate_database(database_url: str) -> None:
    name = db_name(database_url)
    with psycopg.connect(admin_url(database_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(database_url: str) -> None:
    name = db_name(database_url)
    with psycopg.connect(admin_url(database_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent(command: list[str]) -> list[str]:
    """The command, run so that it gets SIGTERM if the bench itself is killed instead of living
    on (PR_SET_PDEATHSIG). util-linux's `setpriv` (Essential in Debian) sets it and execs the
    command: a `preexec_fn` doing the same ran Python between fork and exec in a process with
    threads, which can hang the child before it ever execs (a CI run's redis-server never came up)."""
    if shutil.which("setpriv") is None:
        return command
    return ["setpriv", "--pdeathsig", "TERM", "--", *command]


def _spawn(command: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    with log_path.open("ab") as log:
        return subprocess.Popen(die_with_parent(command), cwd=BASE_DIR, env=env, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)


def _session_nice(pid: int, nice: int) -> None:
    """The nice of the process's session: with autogroup scheduling each session started with
    `start_new_session` is a group with an equal share of the CPU, whatever its processes' nice."""
    with contextlib.suppress(OSError):  # no autogroup on this kernel: the process's nice alone
        Path(f"/proc/{pid}/autogroup").write_text(str(nice))


IDLE_CGROUP = Path("/sys/fs/cgroup/cpu/bphc-bench-idle")  # cgroup v1's cpu controller


def _idle(pid: int) -> bool:
    """Put the process in a CPU cgroup that runs only when nothing else wants the CPU
    (`cpu.idle`); False where the kernel or the container does not allow it."""
    try:
        IDLE_CGROUP.mkdir(exist_ok=True)
        (IDLE_CGROUP / "cpu.idle").write_text("1")
        (IDLE_CGROUP / "cgroup.procs").write_text(str(pid))
        return True
    except OSError:
        return False


class AppServer:
    """One gunicorn instance, standing for one app server behind the load balancer."""

    def __init__(self, *, port: int, env: dict[str, str], run_dir: Path, name: str, nice: int = 0) -> None:
        self.port = port
        self.name = name
        self.log_path = run_dir / f"{name}.log"
        self.pid_path = run_dir / f"{name}.pid"
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_PIDFILE": str(self.pid_path),
               "GUNICORN_PROC_NAME": f"bphc-bench-{name}"}
        command = [sys.executable, "-m", "gunicorn", "-c", "bphc/gunicorn.conf.py", "bphc.wsgi"]
        self.proc = _spawn(["nice", "-n", str(nice), *command] if nice else command, env, self.log_path)
        if nice:
            _session_nice(self.proc.pid, nice)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            # A listening master is not enough: a worker must load the app and answer.
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                try:
                    conn.request("GET", "/gzf/plans/")
                    if conn.getresponse().status == 200:
                        return
                finally:
                    conn.close()
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer on {self.port} within {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        # Workers left behind by a master that died hard share its process group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Worker:
    """One `manage.py db_worker`: the process that sends the notifications (issue 15)."""

    # In production the workers run on machines of their own (README, "Running in
    # production"); on the bench's one machine the nearest thing is a CPU cgroup marked
    # idle: the worker takes only the CPU the rush leaves, the queue holds the rest, and
    # what a provider's speed does to the workers' share of the cores is not counted as
    # the register path's (issue 15; bench/README). `share="nice"` (or a kernel without a
    # writable cgroup v1 cpu controller) gives nice 10 instead, as
    # deploy/systemd/bphc-worker.service runs a worker that shares a machine: the
    # session's own nice, since with autogroup scheduling each session is a group with an
    # equal share of the CPU whatever its processes' nice.
    NICE = 10

    def __init__(self, *, env: dict[str, str], run_dir: Path, name: str = "worker", share: str = "idle") -> None:
        self.name = name
        self.log_path = run_dir / f"{name}.log"
        command = ["nice", "-n", str(self.NICE), sys.executable, "manage.py", "db_worker", "--no-reload",
                   "--no-startup-delay", "--interval", "0.2", "--worker-id", f"bench-{name}", "-v", "0"]
        self.proc = _spawn(command, env, self.log_path)
        self.share = "idle" if share == "idle" and _idle(self.proc.pid) else "nice"
        if self.share == "nice":
            _session_nice(self.proc.pid, self.NICE)
        (run_dir / f"{name}.pid").write_text(str(self.proc.pid))

    def kill(self) -> None:
        """SIGKILL, as the OOM killer or a pulled plug would: no cleanup of any kind."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        with contextlib.suppress(OSError):  # the last worker out removes the group (busy otherwise)
            IDLE_CGROUP.rmdir()


def kill_from_pidfiles(run_dir: Path) -> None:
    """Stop any app server a killed bench left in `run_dir` (for the smoke test's cleanup)."""
    for pid_file in run_dir.glob("*.pid"):
        with contextlib.suppress(ValueError, OSError):
            pid = int(pid_file.read_text().strip())
            os.killpg(pid, signal.SIGKILL)


def static_is_fresh() -> bool:
    """collectstatic's manifest is newer than every file it was built from."""
    manifest = BASE_DIR / "var" / "staticfiles" / "staticfiles.json"
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    sources = [p for p in (BASE_DIR / "static").rglob("*") if p.is_file()]
    return all(p.stat().st_mtime < built for p in sources)


TICK = os.sysconf("SC_CLK_TCK")


def _cpu_ticks(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _children(parents: set[int]) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) in parents:
                    found.add(int(entry.name))
    return found


class CpuMeter:
    """CPU seconds spent by the app servers' workers and by the PostgreSQL backends serving
    the bench database: what each request costs the machine, whoever else shares it."""

    def __init__(self, masters: list[int], database_url: str) -> None:
        self.masters = set(masters)
        self.name = db_name(database_url)
        self.conn = psycopg.connect(database_url, autocommit=True)
        self.workers: set[int] = set()

    def snapshot(self) -> dict[str, dict[int, int]]:
        self.workers = _children(self.masters) or self.workers
        backends = {row[0] for row in self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend' "
            "AND pid <> pg_backend_pid()", [self.name])}
        return {kind: {pid: t for pid in pids if (t := _cpu_ticks(pid)) is not None}
                for kind, pids in (("app", self.workers), ("db", backends))}

    @staticmethod
    def spent(before: dict, after: dict) -> dict[str, float]:
        """Seconds per kind between two snapshots; a process born in between counts from zero."""
        return {kind: sum(t - before[kind].get(pid, 0) for pid, t in after[kind].items()) / TICK
                for kind in after}

    def close(self) -> None:
        self.conn.close()


def prepare_run(args, prefix: str) -> "tempfile.TemporaryDirectory | None":
    """The run directory (a temp one unless --run-dir), Django set up, and the hashed static
    files collected if they are stale; the caller cleans up the returned temp dir."""
    tmp = None
    if args.run_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix=prefix)
        args.run_dir = Path(tmp.name)
    args.run_dir.mkdir(parents=True, exist_ok=True)

    import django

    django.setup()
    from django.core.management import call_command

    if not static_is_fresh():
        print("collectstatic (hashed, compressed names, as in production) …", flush=True)
        call_command("collectstatic", interactive=False, verbosity=0)
    return tmp


def write_report(out: Path, name: str, report: dict, problems: list[str], ok: str) -> int:
    """`report` as <out>/<name><timestamp>.json, then the verdict: exit status 1 on any problem."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    print(f"results: {path}  ({report['seconds']}s)")
    if problems:
        print("FAILED: " + "; ".join(problems))
        return 1
    if ok:
        print(ok)
    return 0
