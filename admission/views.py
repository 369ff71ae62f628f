"""The waiting page (the session and the store, no database query), the SMS choice, the rules.

The account id comes from the session itself, and the header is drawn from it too
(`_SignedIn`), in the mode of the browser's cookie: thousands of families reload this page
at opening, and none of them needs its account row read for it.
"""

import datetime as dt
import secrets
from urllib.parse import urlencode

from django.contrib.auth import SESSION_KEY
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from bphc.http import login_url_with_next
from bphc.modes import cookie_mode

from . import passes, store

UNAVAILABLE = "排队系统暂时不可用，请稍后刷新本页；您的排队位置不会丢失。"
REFRESH_SECONDS = 5
REFRESH_LONGEST = 30


def unavailable(request: HttpRequest) -> HttpResponse:
    response = render(request, "admission/unavailable.html", {"message": UNAVAILABLE}, status=503)
    response["Retry-After"] = response["Refresh"] = str(REFRESH_SECONDS * 2)
    return response


class _SignedIn:
    """The header's account, from the session alone: 我 / 个人中心, no name or phone."""

    is_authenticated = True
    name = ""
    masked_phone = "已登录"


def _session_user_id(request: HttpRequest) -> int | None:
    raw = request.session.get(SESSION_KEY)
    return int(raw) if raw is not None and str(raw).isdigit() else None


def _next_path(request: HttpRequest) -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    from .middleware import GUARDED_PREFIXES

    # Only the pages behind the room: nothing else may ride on the redirect.
    safe = target.startswith(GUARDED_PREFIXES) and "//" not in target and "\\" not in target
    return target if safe else ""


@require_GET
def waiting(request: HttpRequest, plan_id: int) -> HttpResponse:
    """排队: the family's place, who is ahead, the wait; admitted families go on with a pass."""
    user_id = _session_user_id(request)
    if user_id is None:
        return redirect(login_url_with_next(request.get_full_path()))
    try:
        config = store.config(plan_id) or _config_from_database(plan_id)
        status = store.status(config, user_id)
        until = store.admit(config, user_id) if status.admitted or _has_pass(status) else None
    except store.StoreDown:
        return unavailable(request)
    next_path, auto = _next_path(request), request.GET.get("auto") != "off"
    request.elder_mode = cookie_mode(request)
    if next_path and not config.active(store.now()):
        return redirect(next_path)  # the room was switched off or the plan closed: nothing to wait for
    refresh = _refresh_seconds(status, config, store.now())
    context = {"config": config, "status": status, "next": next_path, "refresh": refresh, "auto": auto,
               "user": _SignedIn(),
               "opens_at": dt.datetime.fromtimestamp(config.opens, tz=dt.UTC), "closed": store.now() >= config.closes,
               "here": _waiting_url(plan_id, next_path), "here_still": _waiting_url(plan_id, next_path, auto="off")}
    if until is None:
        response = render(request, "admission/waiting.html", context)
        if auto and status.place is not None and not context["closed"]:
            # A Refresh header, the same as <meta http-equiv="refresh"> without scripts; the page
            # offers to stop it (WCAG 2.2.1), which a meta tag cannot be told apart from.
            response["Refresh"] = str(refresh)
        return response
    response = redirect(next_path) if next_path else render(request, "admission/turn.html", context)
    passes.give(response, user_id=user_id, plan_id=plan_id, until=until, t=store.now())
    return response


def _refresh_seconds(status: store.Status, config: store.Config, t: float) -> int:
    """Every 5 s near the front, up to 30 s far back: a quarter of the time still to wait.

    Thousands of families far back refreshing every 5 s would cost the servers more than the
    registrations the room lets through.
    """
    if status.rank is None:
        until = config.opens - t
        if until > 2 * REFRESH_SECONDS:
            seconds = until / 2
        else:
            # The last refresh before opening lands at a random moment of the first
            # REFRESH_SECONDS after it: were it a fixed step, the moment a family first looks
            # after opening (and so sees its turn) would follow when it arrived, and early
            # arrivals would see their turn in arrival order however the draw placed them.
            return int(max(0.0, until)) + 1 + secrets.randbelow(REFRESH_SECONDS)
    elif status.paused or status.wait_rate <= 0:
        seconds = REFRESH_LONGEST
    else:
        seconds = status.ahead / status.wait_rate * 60 / 4
    return int(min(REFRESH_LONGEST, max(REFRESH_SECONDS, seconds)))


def _waiting_url(plan_id: int, next_path: str, **extra) -> str:
    query = {**({"next": next_path} if next_path else {}), **extra}
    return reverse("admission:waiting", args=[plan_id]) + (f"?{urlencode(query)}" if query else "")


def _has_pass(status: store.Status) -> bool:
    return status.pass_until is not None and status.place is not None


def _config_from_database(plan_id: int) -> store.Config:
    """Only when the store has lost its copy (a flushed Redis): one read, then it is there again."""
    from .models import Room

    room = Room.objects.select_related("plan").filter(plan_id=plan_id, plan__is_published=True).first()
    if room is None:
        raise Http404
    return room.publish()


@require_POST
def notify(request: HttpRequest, plan_id: int) -> HttpResponse:
    """轮到我时短信通知我: on or off; the waiting page shows which."""
    user_id = _session_user_id(request)
    if user_id is None:
        return redirect(login_url_with_next(reverse("admission:waiting", args=[plan_id])))
    try:
        config = store.config(plan_id)
        if config is None or store.status(config, user_id).place is None:
            raise Http404
        if request.POST.get("sms") == "on":
            store.subscribe(plan_id, user_id)
        else:
            store.unsubscribe(plan_id, user_id)
    except store.StoreDown:
        return unavailable(request)
    return redirect(_waiting_url(plan_id, _next_path(request)))


def rules(request: HttpRequest, plan_id: int) -> HttpResponse:
    """排队规则: the seed's SHA-256 before opening, the seed and the early arrivals' order after."""
    from .models import Room

    room = get_object_or_404(Room.objects.select_related("plan"), plan_id=plan_id, plan__is_published=True)
    seed = room.revealed_seed()
    order: list[str] = []
    if seed is not None:
        try:
            order = store.pre_order(room.store_config())
        except store.StoreDown:
            return unavailable(request)
    if request.GET.get("format") == "txt" and seed is not None:
        return HttpResponse("".join(f"{token}\n" for token in order), content_type="text/plain; charset=utf-8")
    return render(request, "admission/rules.html", {"room": room, "plan": room.plan, "seed": seed,
                                                     "order": order, "now": timezone.now()})
