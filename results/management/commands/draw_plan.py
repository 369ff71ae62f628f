from django.core.management.base import CommandError

from bphc.commands import BphcCommand
from registrations.management.commands._plans import get_plan
from results.services import ResultsRefused, draw_run


class Command(BphcCommand):
    help = "为已冻结名单的计划排定顺序号（摇号计划须给出公证处的种子和公开值）；每个计划只排一次。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("plan", help="计划编号，例如 GZF-2026-KS03")
        parser.add_argument("--seed", default="", help="公证处保管的种子（其 SHA-256 须与发布时的种子哈希一致）")
        parser.add_argument("--public-value", default="", help="公开值，如当期开奖号码")
        parser.add_argument("--correct", action="store_true", help="更正已有结果（新建一条更正记录，原结果保留并公示）")
        parser.add_argument("--reason", default="", help="更正原因（--correct 时必填）")

    def handle(self, *args, **options) -> None:
        try:
            draw = draw_run(
                plan=get_plan(options["plan"]), seed=options["seed"], public_value=options["public_value"],
                correct=options["correct"], reason=options["reason"], actor=None,
                actor_label="系统（命令行 draw_plan）",
            )
        except ResultsRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"已排序：{draw.positions.count()} 户获得顺序号（结果编号 {draw.pk}）。发布公示：publish_results")
