from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """django.contrib.admin with our site, which asks for the staff second factor."""

    default_site = "bphc.admin.StaffAdminSite"


class BphcConfig(AppConfig):
    """The project package itself, installed so that its system checks are registered."""

    name = "bphc"
    verbose_name = "公租房登记"

    def ready(self) -> None:
        from . import checks

        checks.register()
