"""Clerks see notifications and re-send failed ones; auditors see them.

Like registrations' 0002_staff_roles, the permissions are created here, since post_migrate
(which normally creates them) runs only after every migration.
"""

from django.db import migrations

GRANTS = {
    "窗口工作人员": [("view_notification", "Can view 短信通知"), ("resend_notification", "可重新发送失败的短信通知")],
    "审计": [("view_notification", "Can view 短信通知")],
}


def grant(apps, schema_editor) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="notifications", model="notification")
    for role, perms in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for codename, name in perms:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": name}
            )
            group.permissions.add(permission)


def revoke(apps, schema_editor) -> None:
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="notifications", codename="resend_notification").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0001_notification_planreminder"),
        ("registrations", "0002_staff_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
