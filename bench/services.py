"""The fault runs' own PostgreSQL cluster and Redis server, on their own ports.

Restarting or stopping them hurts nothing else on the machine: the shared PostgreSQL (5432)
and Redis (6379) are never touched. Both live in a temporary directory that `remove()`
deletes; the bench calls it in a `finally`, so Ctrl-C or a failure removes them too.
"""

import contextlib
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from .stack import die_with_parent

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _port_is_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


class OwnPostgres:
    """`initdb` and `pg_ctl` as the postgres user, in a temporary directory: trust auth on
    loopback, fsync off (a bench cluster has nothing to keep)."""

    def __init__(self, *, port: int) -> None:
        if not _port_is_free(port):
            raise RuntimeError(f"port {port} is taken: another fault run, or something else, is using it")
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="bphc-faults-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        user = pwd.getpwnam("postgres")
        shutil.chown(self.dir, user.pw_uid, user.pw_gid)
        try:
            self._as_postgres(PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                              "--locale=C.UTF-8", "--no-sync")
            self.start()
        except BaseException:
            self.remove()
            raise

    def _as_postgres(self, *command) -> None:
        done = subprocess.run(["runuser", "-u", "postgres", "--", *map(str, command)], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{Path(str(command[0])).name} failed:\n{done.stdout}\n{done.stderr}\n{self.log_tail()}")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "-o", options, "start")

    def restart(self) -> None:
        """A fast shutdown (every session cut, open transactions rolled back) and a start."""
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-m", "fast", "-w", "-t", "60",
                          "restart")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):
                self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class OwnRedis:
    """`redis-server` with nothing written to disk: stopped, it comes back empty, as a lost cache does."""

    def __init__(self, *, port: int) -> None:
        if not _port_is_free(port):
            raise RuntimeError(f"port {port} is taken: another fault run, or something else, is using it")
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="bphc-faults-redis-"))
        self.proc: subprocess.Popen | None = None
        try:
            self.start()
        except BaseException:
            self.remove()
            raise

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", str(self.dir), "--logfile", str(self.dir / "redis.log")]
        self.proc = subprocess.Popen(die_with_parent(command), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._answers_ping():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server on {self.port} did not answer PING (exit code {self.proc.poll()}):\n"
                           f"{self.log_tail()}")

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join((self.dir / "redis.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no redis.log)"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
