from django.core.management.base import BaseCommand, CommandError

from rentals.importing import ImportRefused, import_plan_file


class Command(BaseCommand):
    help = "Load plans, projects, unit types and units from an .xlsx workbook (sheets 计划, 项目, 房源)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the .xlsx workbook")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--publish", action="store_true", help="publish the file's plans after loading")

    def handle(self, *args, **options) -> None:
        try:
            result = import_plan_file(options["file"], publish=options["publish"], dry_run=options["dry_run"])
        except ImportRefused as exc:
            raise CommandError("文件未导入，请修改后重试：\n" + "\n".join(exc.problems)) from None
        for line in result.summary():
            self.stdout.write(line)
        done = "试运行完成，未写入任何数据。" if result.dry_run else "导入完成。"
        self.stdout.write(self.style.SUCCESS(done))
