from django.core.management.base import CommandError

from bphc.commands import BphcCommand
from registrations.management.commands._plans import get_plan
from results.services import ResultsRefused, plan_freeze


class Command(BphcCommand):
    help = "冻结一个已截止的快速配租计划的登记名单：此后不能登记或取消；写出名单文件及其 SHA-256。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("plan", help="计划编号，例如 GZF-2026-KS03")

    def handle(self, *args, **options) -> None:
        try:
            freeze = plan_freeze(plan=get_plan(options["plan"]), actor=None, actor_label="系统（命令行 freeze_plan）")
        except ResultsRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"已冻结名单：{freeze.count} 户；名单文件 SHA-256 {freeze.list_sha256}")
