"""Demo plans for `seed_demo`: the workbooks in demo/plans/ through the real importer, published.

The workbooks are written for the day `demo.make_plans.ANCHOR`. Loading moves every time in
them by whole days so that it sits in the same place relative to today: the open plans are
open whatever day the demo is seeded. The same day, a second run changes nothing.
"""

import datetime as dt
from io import BytesIO

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import load_workbook

from demo.make_plans import ANCHOR

from .importing import ImportRefused, import_plan_file

PLAN_DIR = settings.BASE_DIR / "demo" / "plans"
TIME_COLUMNS = ("登记开始时间", "登记截止时间", "取消截止时间")


def shifted(path, days: int) -> BytesIO:
    """The workbook with every plan time moved by `days` days."""
    book = load_workbook(path)
    sheet = book["计划"]
    header = [cell.value for cell in sheet[1]]
    columns = [header.index(name) + 1 for name in TIME_COLUMNS if name in header]
    for row in range(2, sheet.max_row + 1):
        for column in columns:
            cell = sheet.cell(row, column)
            if isinstance(cell.value, dt.datetime):
                cell.value += dt.timedelta(days=days)
    out = BytesIO()
    book.save(out)
    out.seek(0)
    return out


def load(stdout) -> None:
    days = (timezone.localdate() - ANCHOR).days
    for path in sorted(PLAN_DIR.glob("*.xlsx")):
        try:
            result = import_plan_file(shifted(path, days), publish=True, name=f"demo/plans/{path.name}")
        except ImportRefused as exc:
            # The shipped files must load; if they do not, seeding should stop loudly.
            raise CommandError(f"演示配租计划 {path.name} 未导入：\n" + "\n".join(exc.problems)) from None
        counts = result.counts
        stdout.write(
            f"演示配租计划 {path.name}：" + "，".join(
                f"{kind}新建{counts[kind]['created']}/更新{counts[kind]['updated']}/未变{counts[kind]['unchanged']}"
                for kind in ("计划", "项目", "房源")
            )
        )
