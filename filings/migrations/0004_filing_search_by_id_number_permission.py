"""The whole-ID family search as a permission of its own, given to the counter's role only."""

from django.db import migrations

CLERK = "窗口工作人员"


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate, which then finds
    # this one and adds nothing twice); the group needs it now.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label="filings", model="filing")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="search_by_id_number", defaults={"name": "可按完整身份证号查找家庭"})
    for group in Group.objects.filter(name=CLERK):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="filings", codename="search_by_id_number").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("filings", "0003_filing_filing_year"),
        ("registrations", "0002_staff_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="filing",
            options={
                "ordering": ["filing_no"],
                "permissions": [("search_by_id_number", "可按完整身份证号查找家庭")],
                "verbose_name": "备案家庭",
                "verbose_name_plural": "备案家庭",
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
