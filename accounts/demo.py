"""Demo accounts for `seed_demo`; the README lists them."""

from .models import User

DEMO_PASSWORD = "gzf-demo-2026"
STAFF_PASSWORD = "admin-demo-2026"

PEOPLE = [
    # phone, name, staff?, superuser?, 身份证号 (the applicant's in demo/filings.csv: verification
    # checks that the filing is the account holder's own)
    ("13800000001", "张伟", False, False, "110105198503120012"),
    ("13800000002", "李娜", False, False, "110106199011050020"),
    ("13800000003", "王芳", False, False, "110108197907210027"),
    ("13800000004", "刘洋", False, False, "110112198202280016"),
    ("13900000000", "系统管理员", True, True, None),
]


def load(stdout) -> None:
    created = 0
    for phone, name, staff, superuser, id_number in PEOPLE:
        user, made = User.objects.get_or_create(
            phone=phone,
            defaults={"name": name, "is_staff": staff, "is_superuser": superuser, "id_number": id_number},
        )
        if made:
            user.set_password(STAFF_PASSWORD if staff else DEMO_PASSWORD)
            user.save()
            created += 1
        elif id_number and not user.id_number:
            # A demo database seeded before accounts carried ID numbers.
            user.id_number = id_number
            user.save(update_fields=["id_number"])
    stdout.write(f"演示账号：新建 {created} 个，共 {len(PEOPLE)} 个。")
