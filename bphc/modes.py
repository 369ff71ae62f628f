"""长辈版 / 标准版: the display mode a page is drawn in.

The mode is a class on <html> that static/css/base.css keys on, so it holds for every
template without touching them. A browser remembers it in a cookie; a signed-in account
that has chosen a mode carries it to every phone it logs in on (the middleware writes the
account's choice into the cookie on the login response, so it also outlasts the logout).
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from .http import loaded_user, safe_next

COOKIE = "bphc_mode"
ELDER, STANDARD = "elder", "standard"
COOKIE_AGE = 365 * 24 * 3600


def _account_choice(request: HttpRequest) -> bool | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return user.elder_mode


def _set_cookie(response: HttpResponse, elder: bool) -> None:
    response.set_cookie(
        COOKIE,
        ELDER if elder else STANDARD,
        max_age=COOKIE_AGE,
        samesite="Lax",
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
    )


class ModeMiddleware:
    """Set request.elder_mode for the templates; keep the cookie in step with the account."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Lazy: the user is loaded only when a page draws <html>, not for the SMS JSON.
        request.elder_mode = _LazyMode(request)
        response = self.get_response(request)
        # After the view, so a login in this request counts: the account's choice wins. Only
        # where the page loaded the account anyway (its header, a login): the waiting page,
        # which reads no account, draws from the cookie a page before it set.
        user = loaded_user(request)
        choice = user.elder_mode if user is not None and user.is_authenticated else None
        cookie = request.COOKIES.get(COOKIE)
        if choice is not None and cookie != (ELDER if choice else STANDARD) and COOKIE not in response.cookies:
            _set_cookie(response, choice)
        return response


def cookie_mode(request: HttpRequest) -> bool:
    """The mode this browser was last drawn in, for a page that loads no account (the waiting
    page): the middleware keeps the cookie in step with the account on every page that does."""
    return request.COOKIES.get(COOKIE) == ELDER


class _LazyMode:
    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    def __bool__(self) -> bool:
        choice = _account_choice(self.request)
        if choice is not None:
            return choice
        return cookie_mode(self.request)


@require_POST
def switch_mode(request: HttpRequest) -> HttpResponse:
    """The header's 长辈版 / 标准版 buttons: a plain form, so it works without scripts."""
    response = redirect(safe_next(request, "/"))
    mode = request.POST.get("mode")
    if mode not in (ELDER, STANDARD):
        messages.error(request, "无法识别要切换的版本，请点击页面顶部的“长辈版”或“标准版”。")
        return response
    elder = mode == ELDER
    if request.user.is_authenticated:
        request.user.elder_mode = elder
        request.user.save(update_fields=["elder_mode"])
    _set_cookie(response, elder)
    return response
