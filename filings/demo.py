"""Demo filings for `seed_demo`: demo/filings.csv through the real importer, two of them bound."""

import csv

from django.conf import settings

from accounts.models import User

from .importing import import_filings
from .services import BindRefused, filing_bind

DEMO_FILE = settings.BASE_DIR / "demo" / "filings.csv"
# 张伟 and 王芳 start verified; 李娜 and the others verify by hand (README lists the codes).
BINDINGS = [("GLH2026000001", "13800000001"), ("GLH2026000002", "13800000003")]


def _codes() -> dict[str, str]:
    with DEMO_FILE.open(encoding="utf-8-sig", newline="") as f:
        return {row["备案编号"]: row["验证码"] for row in csv.DictReader(f)}


def load(stdout) -> None:
    result = import_filings(DEMO_FILE, actor_label="系统（演示数据）")
    codes = _codes()
    bound = []
    for filing_no, phone in BINDINGS:
        account = User.objects.filter(phone=phone).first()
        if account is None:
            continue
        try:
            # The same path a family takes, so a re-run finds the binding and changes nothing.
            filing_bind(filing_no=filing_no, code=codes[filing_no], account=account, reason="演示数据")
        except BindRefused as exc:
            stdout.write(f"演示备案 {filing_no} 未绑定到 {account.masked_phone}：{exc}")
            continue
        bound.append(f"{filing_no}→{account.get_full_name()}")
    stdout.write(
        f"演示备案：新建 {result.created}，更新 {result.updated}，未变 {result.unchanged}；"
        f"已绑定 {'、'.join(bound) or '无'}。"
    )
