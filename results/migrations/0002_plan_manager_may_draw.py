"""计划管理员 may freeze, draw and publish; 审计 may read the results."""

from django.db import migrations

PERMS = {
    "计划管理员": ["freeze_plan", "draw_plan", "publish_results", "view_resultplan", "view_freeze", "view_draw"],
    "审计": ["view_resultplan", "view_freeze", "view_draw"],
}
NAMES = {
    "freeze_plan": "可以冻结登记名单", "draw_plan": "可以排序或摇号", "publish_results": "可以发布公示",
    "view_resultplan": "Can view 排序与公示", "view_freeze": "Can view 冻结名单", "view_draw": "Can view 排序结果",
}
MODEL_OF = {"view_freeze": "freeze", "view_draw": "draw"}


def grant(apps, schema_editor) -> None:
    # Permissions are only created after all migrations; make the ones granted here now.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for role, codenames in PERMS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for codename in codenames:
            model = MODEL_OF.get(codename, "resultplan")
            content_type, _ = ContentType.objects.get_or_create(app_label="results", model=model)
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": NAMES[codename]})
            group.permissions.add(permission)


def revoke(apps, schema_editor) -> None:
    apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="results", codename__in=["freeze_plan", "draw_plan", "publish_results"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("results", "0001_initial"),
        ("registrations", "0002_staff_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
