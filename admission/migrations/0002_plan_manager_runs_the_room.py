"""计划管理员 may change a room's rate and pause it; 审计 may look."""

from django.db import migrations

PERMS = {"计划管理员": ["view_room", "change_room"], "审计": ["view_room"]}
NAMES = {"view_room": "Can view 排队", "change_room": "Can change 排队"}


def grant(apps, schema_editor) -> None:
    # Permissions are only created after all migrations; make the ones granted here now.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="admission", model="room")
    for role, codenames in PERMS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for codename in codenames:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": NAMES[codename]})
            group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("admission", "0001_initial"),
        ("registrations", "0002_staff_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
