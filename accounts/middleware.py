"""Signing out a staff session that has been left idle."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

# The last-seen stamp lives in the shared cache, keyed by session: a session write (a
# database query) on a clerk's every click would cost more than the check is worth.
STAMP_EVERY_SECONDS = 60
IDLE_SIGNED_OUT = "您已较长时间未操作，为保护家庭信息已自动退出，请重新登录。"


class StaffIdleTimeout:
    """Ends a staff member's session after STAFF_IDLE_TIMEOUT_SECONDS without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _is_staff(request):
            now = int(time.time())
            key = f"staff-seen:{request.session.session_key}"
            seen = cache.get(key)
            if seen is not None and now - seen > settings.STAFF_IDLE_TIMEOUT_SECONDS:
                cache.delete(key)
                logout(request)
                messages.info(request, IDLE_SIGNED_OUT)
            elif seen is None or now - seen >= STAMP_EVERY_SECONDS:
                cache.set(key, now, timeout=settings.SESSION_COOKIE_AGE)
        return self.get_response(request)


# [account id, is staff], written into the session at login (`mark_staff`, the session is
# saved then anyway): a family's request — the waiting page above all, which reads nothing
# but the session and the queue's store — need not load its account row to learn that it
# is not staff. A session from before the mark loads the account, as every request did.
STAFF_MARK = "bphc_staff"


def mark_staff(sender, request: HttpRequest, user, **kwargs) -> None:
    """user_logged_in receiver (accounts.apps)."""
    if request is not None and hasattr(request, "session"):
        request.session[STAFF_MARK] = [str(user.pk), bool(user.is_staff)]


def _is_staff(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)
    if session is None or SESSION_KEY not in session:
        return False
    mark = session.get(STAFF_MARK)
    # Asked again on the admin's pages (which load the account anyway), so an account made
    # staff while signed in is timed out there from its next click.
    if mark is None or mark[0] != str(session[SESSION_KEY]) or request.path.startswith(reverse("admin:index")):
        user = request.user
        return bool(user.is_authenticated and user.is_staff)
    return bool(mark[1])
