"""The three staff roles as groups, with the custom permissions their admin pages check.

Permissions are normally created after all migrations run (post_migrate), so this migration
creates the content types and permissions it needs itself; post_migrate later finds them
and adds nothing twice.
"""

from django.db import migrations

# Custom permissions: (app_label, model, codename, name). Declared here rather than in the
# models' Meta because they guard admin pages, not model behaviour.
CUSTOM = [
    ("registrations", "registration", "assist_registration", "可现场协助登记"),
    ("registrations", "registration", "cancel_on_behalf", "可代家庭取消登记"),
    ("registrations", "registration", "export_registrations", "可导出登记名单"),
    ("registrations", "registration", "view_dashboard", "可查看计划登记看板"),
]
# accounts.change_phone_onsite is declared in accounts.User.Meta.permissions and given to
# the clerks by 0003_clerk_phone_onsite_permission.

RENTALS_VIEW = [
    ("rentals", "plan", "view"), ("rentals", "project", "view"), ("rentals", "offer", "view"),
    ("rentals", "unit", "view"),
]

ROLES = {
    "窗口工作人员": [
        ("filings", "filing", "view"),
        ("registrations", "registration", "view"),
        ("registrations", "registration", "assist_registration"),
        ("registrations", "registration", "cancel_on_behalf"),
        ("accounts", "user", "view"),
        *RENTALS_VIEW,
    ],
    "计划管理员": [
        *[("rentals", model, action) for model in ("plan", "project", "offer", "unit")
          for action in ("add", "change", "view")],
        ("registrations", "registration", "view"),
        ("registrations", "registration", "export_registrations"),
        ("registrations", "registration", "view_dashboard"),
    ],
    "审计": [
        ("accounts", "auditlog", "view"),
        ("accounts", "user", "view"),
        ("filings", "filing", "view"),
        ("registrations", "registration", "view"),
        ("registrations", "registration", "view_dashboard"),
        *RENTALS_VIEW,
    ],
}

DEFAULT_ACTIONS = {"add", "change", "delete", "view"}


def _permission(apps, app_label: str, model: str, action: str):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    if action in DEFAULT_ACTIONS:
        codename = f"{action}_{model}"
        verbose = apps.get_model(app_label, model)._meta.verbose_name_raw
        name = f"Can {action} {verbose}"
    else:
        codename = action
        name = next(n for a, m, c, n in CUSTOM if (a, m, c) == (app_label, model, action))
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    return permission


def create_roles(apps, schema_editor) -> None:
    Group = apps.get_model("auth", "Group")
    for app_label, model, codename, _ in CUSTOM:
        _permission(apps, app_label, model, codename)
    for role, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([_permission(apps, *p) for p in perms])


def remove_roles(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()
    Permission = apps.get_model("auth", "Permission")
    for app_label, model, codename, _ in CUSTOM:
        Permission.objects.filter(
            content_type__app_label=app_label, content_type__model=model, codename=codename
        ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0002_user_id_digest_alter_user_id_number"),
        ("filings", "0002_filing_id_digest_alter_filing_id_number"),
        ("rentals", "0001_initial"),
        ("registrations", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
