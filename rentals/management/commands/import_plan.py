from django.core.management.base import CommandError

from bphc.commands import BphcCommand
from rentals.importing import ImportRefused, import_plan_file


class Command(BphcCommand):
    help = "从 .xlsx 工作簿（工作表 计划、项目、房源）导入配租计划、项目、套型和房源；整个文件校验通过才写入。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="计划工作簿（.xlsx）")
        parser.add_argument("--dry-run", action="store_true", help="只校验并统计，不写入")
        parser.add_argument("--publish", action="store_true", help="导入后发布文件中的计划")

    def handle(self, *args, **options) -> None:
        try:
            result = import_plan_file(options["file"], publish=options["publish"], dry_run=options["dry_run"])
        except ImportRefused as exc:
            raise CommandError("文件未导入，请修改后重试：\n" + "\n".join(exc.problems)) from None
        for line in result.summary():
            self.stdout.write(line)
        done = "试运行完成，未写入任何数据。" if result.dry_run else "导入完成。"
        self.stdout.write(self.style.SUCCESS(done))
