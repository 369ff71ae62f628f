"""Demo staff for `seed_demo`, one per role; loaded last, after the accounts they sit beside."""

from django.contrib.auth.models import Group

from accounts.demo import STAFF_PASSWORD
from accounts.models import User

STAFF = [
    # phone, name, group (created by registrations/migrations/0002_staff_roles.py)
    ("13900000001", "窗口工作人员（演示）", "窗口工作人员"),
    ("13900000002", "计划管理员（演示）", "计划管理员"),
    ("13900000003", "审计（演示）", "审计"),
]


def load(stdout) -> None:
    created = 0
    for phone, name, role in STAFF:
        group = Group.objects.get(name=role)
        user, made = User.objects.get_or_create(phone=phone, defaults={"name": name, "is_staff": True})
        if made:
            user.set_password(STAFF_PASSWORD)
            user.save()
            created += 1
        user.groups.add(group)
    stdout.write(
        f"演示工作人员：新建 {created} 个，共 {len(STAFF)} 个（"
        + "、".join(f"{phone} {role}" for phone, _, role in STAFF) + f"，密码 {STAFF_PASSWORD}）。"
    )
