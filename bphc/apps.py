from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """django.contrib.admin with our site, which asks for the staff second factor."""

    default_site = "bphc.admin.StaffAdminSite"
