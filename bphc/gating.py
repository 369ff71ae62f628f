"""Who may enter the catalogue: shared by rentals and registrations without importing filings."""

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest

NEED_LOGIN = "需要登录后再办理此业务"
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
        return NEED_LOGIN
    if family_filing(request) is None:
        return NEED_FILING
    return None
