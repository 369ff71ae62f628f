from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from guide import views as guide_views

from . import modes, views

urlpatterns = [
    path("", views.home, name="home"),
    path("gzf/", views.gzf, name="gzf"),
    path("mode/", modes.switch_mode, name="switch_mode"),
    path("help/", guide_views.help_page, name="help"),
    path("accounts/", include("accounts.urls")),
    path("gzf/", include("rentals.urls")),
    path("filing/", include("filings.urls")),
    path("", include("registrations.urls")),
    path("gongshi/", include("results.urls")),
    path("notifications/", include("notifications.urls")),
    path("room/", include("admission.urls")),
    path("dev/sms/", account_views.dev_sms, name="dev_sms"),
    # Before the admin's own URLs: staff sign in with a password and an SMS code.
    path("admin/login/", account_views.staff_login, name="staff_login"),
    path("admin/", admin.site.urls),
]

if settings.BENCH_FLOOR:
    urlpatterns.append(path("bench/", include("bench.urls")))

handler403 = "bphc.views.forbidden"
handler404 = "bphc.views.not_found"
handler500 = "bphc.views.server_error"
