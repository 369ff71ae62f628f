"""A per-filing count of wrong 验证码 entries with a lockout, and the clerk's permission to clear it."""

from django.db import migrations, models

CLERK = "窗口工作人员"


def grant(apps, schema_editor) -> None:
    # Permissions are only created after all migrations; make the one granted here now.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="filings", model="filing")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="clear_verify_lock", defaults={"name": "可清除备案认证锁定"}
    )
    group, _ = Group.objects.get_or_create(name=CLERK)
    group.permissions.add(permission)


def revoke(apps, schema_editor) -> None:
    apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="filings", codename="clear_verify_lock"
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("filings", "0004_filing_search_by_id_number_permission"),
        # After the roles exist, so their `permissions.set` does not drop this grant.
        ("registrations", "0002_staff_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="filing",
            options={
                "ordering": ["filing_no"],
                "permissions": [
                    ("search_by_id_number", "可按完整身份证号查找家庭"),
                    ("clear_verify_lock", "可清除备案认证锁定"),
                ],
                "verbose_name": "备案家庭",
                "verbose_name_plural": "备案家庭",
            },
        ),
        migrations.AddField(
            model_name="filing",
            name="verify_failures",
            field=models.PositiveSmallIntegerField(default=0, editable=False, verbose_name="认证错误次数"),
        ),
        migrations.AddField(
            model_name="filing",
            name="verify_locked_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="认证锁定时间"),
        ),
        migrations.RunPython(grant, revoke),
    ]
