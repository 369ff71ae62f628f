"""Who may enter the catalogue and register: one gate shared by rentals and registrations.

Kept here, not in filings, so neither app imports the other to ask.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bphc.http import login_url_with_next

NEED_LOGIN = "需要登录后再办理此业务"
SESSION_EXPIRED = "您的登录已过期，请重新登录后继续办理，刚才填写的内容没有提交。"
NEED_FILING = "您还未进行公租房备案家庭认证，请前往个人中心进行认证"


def family_filing(request: HttpRequest):
    """The filing bound to the signed-in account (the `filing` reverse relation), or None."""
    user = request.user
    if not user.is_authenticated:
        return None
    try:
        return user.filing
    except ObjectDoesNotExist:
        return None


def gate_message(request: HttpRequest) -> str | None:
    """The journey-4 message for whoever may not see projects yet, else None."""
    if not request.user.is_authenticated:
        # A form sent without a session was filled in while signed in: the session ran out.
        return SESSION_EXPIRED if request.method == "POST" else NEED_LOGIN
    if family_filing(request) is None:
        return NEED_FILING
    return None


def gate(request: HttpRequest) -> HttpResponse | None:
    """The journey-4 page for a stranger or a person without a verified filing, else None."""
    message = gate_message(request)
    if message is None:
        return None
    need_login = message != NEED_FILING
    context = {"message": message, "need_login": need_login, "login_url": login_url_with_next(request.get_full_path())}
    # A stranger is invited to log in (200); a signed-in person is refused until verified.
    return render(request, "core/gate.html", context, status=200 if need_login else 403)
