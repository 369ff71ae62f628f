from django.core.management.base import CommandError

from bphc.commands import BphcCommand
from filings.importing import ImportRefused, import_filings


class Command(BphcCommand):
    help = (
        "从 .xlsx 或 .csv 文件（UTF-8、带 BOM 的 UTF-8 或 GB18030）导入主管部门的备案。"
        "先校验整个文件：有一行错误则整个文件不导入，不写入任何数据。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="备案文件（.xlsx 或 .csv）")
        parser.add_argument("--encoding", help="CSV 文件的编码（不用自动识别时指定，如 gb18030）")
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告，不写入")

    def handle(self, *args, **options) -> None:
        try:
            result = import_filings(
                options["file"], encoding=options["encoding"], dry_run=options["dry_run"],
                actor_label="运营（import_filings 命令）", progress=self.stderr.write,
            )
        except ImportRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(result.summary()))
        for line in result.review_lines():
            self.stdout.write(self.style.WARNING(line))
