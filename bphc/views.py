import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# Failures of a shared service (database, cache): a 503 asking to come back, not a 500.
# Only the errors of a server that cannot be reached or stopped answering: an IntegrityError
# (a uniqueness race) or a DataError is the code's to turn into the form's message, and one
# that escapes is a defect to fix (500), not an outage to wait out.
UNAVAILABLE = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


def gzf(request: HttpRequest) -> HttpResponse:
    """The 公共租赁住房 module page, with its 业务办理 entry."""
    return render(request, "core/gzf.html")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Staff inside the admin are refused in the admin's layout, with the way back to its home."""
    from django.contrib import admin

    if request.path.startswith(reverse("admin:index")) and getattr(request.user, "is_staff", False):
        return render(request, "admin/403.html", admin.site.each_context(request), status=403)
    return render(request, "403.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def ratelimited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "429.html", status=429)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors or request: whatever broke must not break this page too.
    if isinstance(sys.exc_info()[1], UNAVAILABLE):
        # The database is down or unreachable: say "busy, come back", not "broken".
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "60"
        return response
    return HttpResponse(render_to_string("500.html"), status=500)
