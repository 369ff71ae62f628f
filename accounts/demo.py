"""Demo accounts for `seed_demo`; the README lists them."""

from .models import User

DEMO_PASSWORD = "gzf-demo-2026"
STAFF_PASSWORD = "admin-demo-2026"

PEOPLE = [
    # phone, name, staff?, superuser?
    ("13800000001", "张伟", False, False),
    ("13800000002", "李娜", False, False),
    ("13800000003", "王芳", False, False),
    ("13800000004", "刘洋", False, False),
    ("13900000000", "系统管理员", True, True),
]


def load(stdout) -> None:
    created = 0
    for phone, name, staff, superuser in PEOPLE:
        user, made = User.objects.get_or_create(
            phone=phone, defaults={"name": name, "is_staff": staff, "is_superuser": superuser}
        )
        if made:
            user.set_password(STAFF_PASSWORD if staff else DEMO_PASSWORD)
            user.save()
            created += 1
    stdout.write(f"演示账号：新建 {created} 个，共 {len(PEOPLE)} 个。")
