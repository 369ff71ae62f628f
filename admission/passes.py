"""The admission pass: a signed cookie naming the account, the plan and when it ends.

Checking it needs neither the store nor the database, so a family already admitted keeps
registering even while the store is away.
"""

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

SALT = "admission.pass"


def cookie_name(plan_id: int) -> str:
    return f"bphc_pass_{plan_id}"


def give(response: HttpResponse, *, user_id: int, plan_id: int, until: float, t: float) -> None:
    value = signing.dumps([user_id, plan_id, until], salt=SALT, compress=False)
    response.set_cookie(cookie_name(plan_id), value, max_age=max(1, int(until - t)), httponly=True,
                        samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)


def valid(request: HttpRequest, *, user_id: int, plan_id: int, t: float) -> bool:
    """True for an unexpired pass of this very account and plan."""
    raw = request.COOKIES.get(cookie_name(plan_id))
    if not raw:
        return False
    try:
        owner, plan, until = signing.loads(raw, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return False
    return owner == user_id and plan == plan_id and float(until) > t
