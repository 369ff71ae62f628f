from pathlib import Path

from django.core.management.base import CommandError
from django.db import transaction

from accounts.audit import audit_record
from bphc.commands import BphcCommand
from registrations.exports import FORMATS, default_filename, write_export

from ._plans import get_plan


class Command(BphcCommand):
    help = "导出一个配租计划的有效登记名单（.xlsx 或 UTF-8 .csv），身份证号默认打码。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("plan", help="计划编号，例如 GZF-2026-KS04")
        parser.add_argument("--format", choices=FORMATS, default="xlsx", help="文件格式（默认 xlsx）")
        parser.add_argument("--full-id", action="store_true",
                            help="导出完整身份证号（记入审计日志，仅用于向主管部门报送）")
        parser.add_argument("--output", help="输出文件路径（默认当前目录下 registrations-<计划编号>-<时间>.<格式>）")

    def handle(self, *args, **options) -> None:
        plan = get_plan(options["plan"])
        fmt = options["format"]
        path = Path(options["output"] or default_filename(plan, fmt))
        if not path.parent.exists():
            raise CommandError(f"输出目录不存在：{path.parent}")
        full_id = options["full_id"]
        # Written beside the target and renamed at the end, and audited in the same
        # transaction: a failed run leaves neither a half file nor a row claiming an export.
        partial = path.with_name(path.name + ".part")
        try:
            with transaction.atomic():
                with partial.open("wb") as out:
                    count = write_export(plan, out, fmt=fmt, full_id=full_id)
                audit_record(
                    actor=None, command="export_registrations",
                    action="导出登记名单（完整身份证号）" if full_id else "导出登记名单", target=plan,
                    details={"rows": count, "format": fmt, "file": str(path.resolve()), "full_id": full_id},
                )
                partial.replace(path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        id_words = "完整身份证号" if full_id else "身份证号已打码"
        self.stdout.write(self.style.SUCCESS(
            f"已导出“{plan.name}”（{plan.code}）的 {count} 条有效登记到 {path}（{fmt}，{id_words}）。"
        ))
