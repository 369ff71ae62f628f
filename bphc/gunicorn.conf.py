"""gunicorn settings for one app server: `gunicorn -c bphc/gunicorn.conf.py bphc.wsgi`.

Everything comes from the environment so that every app server behind the load balancer
runs the same file; see the README's production section.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# GUNICORN_BIND wins; else HOST and PORT (PaaS style); loopback unless told otherwise.
bind = os.environ.get("GUNICORN_BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"

# Requests spend much of their time waiting for PostgreSQL, so a few more processes than
# cores keep the cores busy. WEB_CONCURRENCY is the name most platforms set.
workers = _int("WEB_CONCURRENCY", _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"

# A request that takes longer than this is stuck (a lock, a dead provider): kill the worker.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak cannot grow forever; jitter avoids all at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", max_requests // 10)
backlog = _int("GUNICORN_BACKLOG", 2048)

# The load balancer in front sets X-Forwarded-Proto; trust it only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Access logs cost a write per request; the balancer usually keeps them. "-" is stdout.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# gunicorn's own format unless told otherwise; %(D)s is the microseconds the worker spent on
# the request (the bench's --service-times reads it).
if os.environ.get("GUNICORN_ACCESS_LOG_FORMAT"):
    access_log_format = os.environ["GUNICORN_ACCESS_LOG_FORMAT"]
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
pidfile = os.environ.get("GUNICORN_PIDFILE") or None
proc_name = os.environ.get("GUNICORN_PROC_NAME", "bphc")

# The heartbeat file is touched on every request; on a disk-backed /tmp that can stall.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# gunicorn's runtime control socket has one default path per host, which two instances on
# one machine would fight over; it is on only where a path is given.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True

# Python's full garbage collection walks every object the worker holds: 150,000 here, most of
# them the code, settings, URL patterns and compiled templates that live as long as the worker,
# so one took 43–51 ms and stalled the request it fell in and those queued behind it
# (bench/README.md, "Garbage collection"). What is loaded once
# the app is up, and again once its pages have been drawn, is moved out of the collector's walk
# (gc.freeze); what requests leave behind is collected as before.
FREEZE_AFTER_REQUESTS = _int("GUNICORN_GC_FREEZE_AFTER", 200)


def _freeze() -> None:
    import gc

    gc.collect()
    gc.freeze()


def post_worker_init(worker) -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view and what it imports
    _freeze()


def post_request(worker, req, environ, resp) -> None:
    if worker.nr == FREEZE_AFTER_REQUESTS:
        _freeze()
