"""The clerks' role gets accounts.change_phone_onsite, declared in accounts.User.Meta.

Before, 0002 created that permission itself. A database migrated then already has the row
and the group's link, and this finds both; a fresh one gets the row here, with the name
from the model's Meta (post_migrate, which would create it, runs only after all migrations).
"""

from django.db import migrations

CLERK = "窗口工作人员"


def grant(apps, schema_editor) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    declared = dict(apps.get_model("accounts", "user")._meta.permissions)
    content_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="user")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="change_phone_onsite",
        defaults={"name": declared["change_phone_onsite"]},
    )
    group, _ = Group.objects.get_or_create(name=CLERK)
    group.permissions.add(permission)


def revoke(apps, schema_editor) -> None:
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    permission = Permission.objects.filter(
        content_type__app_label="accounts", codename="change_phone_onsite"
    ).first()
    if permission is not None:
        for group in Group.objects.filter(name=CLERK):
            group.permissions.remove(permission)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_phone_onsite_permission_in_meta_reset_code"),
        ("registrations", "0002_staff_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
