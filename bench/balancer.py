"""nginx in front of the bench's app servers, from the checked-in production files.

`render()` takes deploy/nginx.conf and deploy/nginx/bphc.conf as they are and changes only
what a loopback run must: the upstream servers, the port, the release directory, and the
paths of the pid file, logs and temporary files (all in the run directory, so nginx needs
no system directories). Every change is checked, so an edit of the production files that
the bench no longer understands fails here instead of benchmarking something else.
"""

import contextlib
import os
import socket
import subprocess
import time
from pathlib import Path

from .stack import BASE_DIR, die_with_parent

NGINX = "/usr/sbin/nginx"
MAIN = BASE_DIR / "deploy" / "nginx.conf"
SITE = BASE_DIR / "deploy" / "nginx" / "bphc.conf"


def _replace(text: str, old: str, new: str, where: Path) -> str:
    if old not in text:
        raise RuntimeError(f"{where.name} no longer has {old!r}: update bench/balancer.py with it")
    return text.replace(old, new)


def _upstream(site: str, name: str, ports: list[int]) -> str:
    """The `server` lines of the upstream block `name`, one per port, with the production options."""
    lines = site.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip() == f"upstream {name} {{"), None)
    if start is None:
        raise RuntimeError(f"{SITE.name} no longer has `upstream {name}`: update bench/balancer.py with it")
    end = next(i for i in range(start, len(lines)) if lines[i].strip() == "}")
    servers = [i for i in range(start, end) if lines[i].strip().startswith("server ")]
    options = lines[servers[0]].split(None, 2)[2].rstrip().rstrip(";")
    block = "".join(f"    server 127.0.0.1:{p} {options};\n" for p in ports)
    return "".join(lines[:servers[0]]) + block + "".join(lines[servers[-1] + 1:])


def render(*, ports: list[int], listen: int, run_dir: Path, release: Path = BASE_DIR,
           static_dir: Path | None = None, room_ports: list[int] | None = None) -> Path:
    """Write nginx.conf and bphc.conf into `run_dir`; the path of nginx.conf.

    The waiting room's page goes to `room_ports` (its own pool), else to the app servers."""
    site = _upstream(SITE.read_text(), "bphc_app", ports)
    site = _upstream(site, "bphc_room", room_ports or ports)
    site = _replace(site, "listen 80;", f"listen 127.0.0.1:{listen};", SITE)
    if static_dir is not None:
        site = _replace(site, "/srv/bphc/var/staticfiles/", f"{static_dir}/", SITE)
    site = _replace(site, "/srv/bphc", str(release), SITE)
    main = MAIN.read_text()
    user = "root" if os.geteuid() == 0 else ""
    main = _replace(main, "user www-data;", f"user {user};" if user else "", MAIN)
    main = _replace(main, "pid /run/nginx.pid;", f"pid {run_dir}/nginx.pid;", MAIN)
    main = _replace(main, "/var/log/nginx/", f"{run_dir}/nginx-", MAIN)
    temp = " ".join(f"{kind}_temp_path {run_dir}/nginx-{kind};" for kind in
                    ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = _replace(main, "http {\n", f"http {{\n    {temp}\n", MAIN)
    main = _replace(main, "/srv/bphc/deploy/nginx/bphc.conf", str(run_dir / "bphc.conf"), MAIN)
    (run_dir / "bphc.conf").write_text(site)
    path = run_dir / "nginx.conf"
    path.write_text(main)
    return path


class Balancer:
    """One nginx, in the foreground, as a child of the bench (it dies with it)."""

    def __init__(self, *, ports: list[int], listen: int, run_dir: Path, static_dir: Path | None = None,
                 room_ports: list[int] | None = None) -> None:
        self.port = listen
        self.run_dir = run_dir
        conf = render(ports=ports, listen=listen, run_dir=run_dir, static_dir=static_dir, room_ports=room_ports)
        self.log_path = run_dir / "nginx-error.log"
        command = [NGINX, "-p", str(run_dir), "-c", str(conf), "-e", str(self.log_path), "-g", "daemon off;"]
        check = subprocess.run([*command[:-2], "-t", "-q"], capture_output=True, text=True)
        if check.returncode:
            raise RuntimeError(f"nginx -t refused the generated configuration:\n{check.stderr}")
        self.proc = subprocess.Popen(die_with_parent(command), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)

    def wait_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.proc.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            time.sleep(0.05)
        raise RuntimeError(f"nginx did not listen on {self.port}:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=5)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
