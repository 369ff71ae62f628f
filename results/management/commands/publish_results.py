from django.core.management.base import CommandError

from bphc.commands import BphcCommand
from registrations.management.commands._plans import get_plan
from results.services import ResultsRefused, results_publish


class Command(BphcCommand):
    help = "公示一个计划的排序结果（公开页面），并以短信告知每户其顺序号。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("plan", help="计划编号，例如 GZF-2026-KS03")

    def handle(self, *args, **options) -> None:
        plan = get_plan(options["plan"])
        try:
            draw = results_publish(plan=plan, actor=None, actor_label="系统（命令行 publish_results）")
        except ResultsRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"已公示：{draw.positions.count()} 户；公示页面 /gongshi/{plan.code}/")
