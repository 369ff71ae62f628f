"""The admin site: only a staff member who finished the password + SMS sign-in gets in."""

from django.contrib import admin
from django.http import HttpRequest

# Set in the session by accounts.views.staff_login once the SMS code is checked, and by
# nothing else: a staff account signed in any other way is not let into the admin.
SECOND_FACTOR_SESSION_KEY = "staff_second_factor"


def mark_second_factor(request: HttpRequest) -> None:
    """Record, after `login()`, that this session's staff member passed both steps."""
    request.session[SECOND_FACTOR_SESSION_KEY] = request.user.pk


def has_second_factor(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_active and user.is_staff
        and request.session.get(SECOND_FACTOR_SESSION_KEY) == user.pk
    )


class StaffAdminSite(admin.AdminSite):
    site_header = "北京保障房中心 · 公租房登记管理"
    site_title = "公租房登记管理"
    index_title = "业务管理"

    def has_permission(self, request: HttpRequest) -> bool:
        return has_second_factor(request)
