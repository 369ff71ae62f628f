"""Signing out a staff session that has been left idle."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

# The last-seen stamp lives in the shared cache, keyed by session: a session write (a
# database query) on a clerk's every click would cost more than the check is worth.
STAMP_EVERY_SECONDS = 60
IDLE_SIGNED_OUT = "您已较长时间未操作，为保护家庭信息已自动退出，请重新登录。"


class StaffIdleTimeout:
    """Ends a staff member's session after STAFF_IDLE_TIMEOUT_SECONDS without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
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
