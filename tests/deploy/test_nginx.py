"""deploy/nginx/bphc.conf under a real nginx on loopback, with stand-in app servers.

What a family sees when every app server is down, and which requests the balancer
retries on the next server: GETs that never reached an app, never a POST that did.
"""

import http.server
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.balancer import render

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is installed by scripts/sysdeps.sh")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _App(http.server.BaseHTTPRequestHandler):
    """A stand-in app server: counts what reaches it, answers or drops the connection."""

    def do_GET(self):  # noqa: N802
        self.server.seen.append(("GET", self.path, self.headers.get("X-Forwarded-For")))
        if self.server.drop:
            self.connection.close()
            return
        body = "应用服务器".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append(("POST", self.path, None))
        if self.server.drop:
            self.connection.close()
            return
        self.send_response(302)
        self.send_header("Location", "/done/")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def _start_app(drop: bool) -> http.server.HTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _App)
    server.seen, server.drop = [], drop
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def balancer(tmp_path):
    """Start nginx with the checked-in nginx.conf and site (as the bench renders them),
    pointed at the given upstream ports."""
    procs = []

    def start(*upstream_ports: int, room_ports: list[int] | None = None) -> str:
        port = _free_port()
        # The source static/ stands in for the collected copy (same relative paths).
        conf = render(ports=list(upstream_ports), listen=port, run_dir=tmp_path, static_dir=ROOT / "static",
                      room_ports=room_ports)
        proc = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log"),
                                 "-g", "daemon off;"], stderr=subprocess.PIPE)
        procs.append(proc)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                return f"http://127.0.0.1:{port}"
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()
                time.sleep(0.05)
        raise AssertionError("nginx did not start")

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)


def _get(url: str, data: bytes | None = None):
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        return opener.open(request, timeout=10)
    except urllib.error.HTTPError as error:
        return error


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_every_app_server_down_shows_the_portals_own_busy_page(balancer):
    url = balancer(_free_port(), _free_port())  # nothing listens on either
    response = _get(url + "/gzf/plans/")
    body = response.read().decode()
    assert response.status == 503
    assert response.headers["Retry-After"] == "60"
    assert response.headers["Content-Type"].startswith("text/html")
    assert "系统繁忙，请稍后再试" in body and "nginx" not in body.lower()
    # Its stylesheet comes from nginx itself, so the page keeps its look.
    assert _get(url + "/static/css/base.css").status == 200


def test_stopping_every_app_server_turns_their_pages_into_ours(balancer):
    apps = [_start_app(drop=False), _start_app(drop=False)]
    url = balancer(*(app.server_port for app in apps))
    assert _get(url + "/gzf/plans/").status == 200
    for app in apps:
        app.shutdown()
        app.server_close()
    for path in ("/gzf/plans/", "/register/1/"):  # a page, and a POST that can reach nobody
        response = _get(url + path, data=b"unit=1" if path.startswith("/register") else None)
        body = response.read().decode()
        assert response.status == 503, path
        assert "系统繁忙，请稍后再试" in body and "已经提交成功的登记不会丢失" in body
        assert "nginx" not in body.lower() and "Bad Gateway" not in body


def test_a_get_that_never_reached_an_app_goes_to_the_next_server(balancer):
    alive = _start_app(drop=False)
    url = balancer(_free_port(), alive.server_port)
    answers = [_get(url + f"/gzf/plans/?n={i}") for i in range(4)]
    assert [a.status for a in answers] == [200] * 4
    assert all(a.read().decode() == "应用服务器" for a in answers)
    # The app sees the family's address last in X-Forwarded-For (TRUSTED_PROXY_COUNT=1).
    assert {xff for _, _, xff in alive.seen} == {"127.0.0.1"}
    alive.shutdown()


def test_a_post_that_reached_an_app_is_never_sent_to_another(balancer):
    reached = _start_app(drop=True)  # takes the registration, then the connection dies
    other = _start_app(drop=False)
    url = balancer(reached.server_port, other.server_port)
    for i in range(4):
        _get(url + f"/register/{i}/", data=b"unit=1")
    posts_at_other = [s for s in other.seen if s[0] == "POST"]
    posts_at_reached = [s for s in reached.seen if s[0] == "POST"]
    assert posts_at_reached, "round robin sends some POSTs to the failing server"
    assert len(posts_at_reached) + len(posts_at_other) == 4, "no POST is delivered twice"
    reached.shutdown()
    other.shutdown()


def test_the_bench_runs_the_production_files_with_only_addresses_and_paths_changed(tmp_path):
    render(ports=[8001, 8002, 8003], listen=8000, run_dir=tmp_path)
    site = (tmp_path / "bphc.conf").read_text().splitlines()
    production = (ROOT / "deploy/nginx/bphc.conf").read_text().splitlines()
    changed = [line for line in site if line not in production]
    # The app servers, then the waiting room's pool, which without a pool of its own is them.
    assert [line.strip() for line in changed if "server 127.0.0.1" in line] == [
        f"server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;" for p in (8001, 8002, 8003) * 2]
    assert all("server 127.0.0.1" in line or "listen 127.0.0.1:8000" in line or str(ROOT) in line
               for line in changed)
    # Both locations proxy with the same settings, from the one file they include.
    assert site.count(f"        include {ROOT}/deploy/nginx/proxy.conf;") == 2
    directives = [line.split("#")[0].strip() for line in (ROOT / "deploy/nginx/proxy.conf").read_text().splitlines()]
    assert "proxy_next_upstream error timeout;" in directives
    assert not any("non_idempotent" in d for d in directives), "a POST that reached an app is never retried"
    check = subprocess.run([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                            "-e", str(tmp_path / "error.log"), "-t", "-q"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_the_waiting_room_goes_to_its_own_pool_and_the_rest_to_the_app_servers(balancer):
    app, room = _start_app(drop=False), _start_app(drop=False)
    url = balancer(app.server_port, room_ports=[room.server_port])
    for path in ("/room/7/?next=/gzf/projects/3/", "/gzf/projects/3/", "/room/7/", "/gzf/plans/"):
        assert _get(url + path).status == 200
    assert [path for _, path, _ in room.seen] == ["/room/7/?next=/gzf/projects/3/", "/room/7/"]
    assert [path for _, path, _ in app.seen] == ["/gzf/projects/3/", "/gzf/plans/"]
    # The pool gets the family's address the same way (TRUSTED_PROXY_COUNT=1).
    assert {xff for _, _, xff in room.seen} == {"127.0.0.1"}
    app.shutdown()
    room.shutdown()
