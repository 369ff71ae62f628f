from django.utils import timezone

from bphc.commands import BphcCommand
from registrations.stats import PlanStats, plan_stats

from ._plans import get_plan


def _ratio(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "—"


class Command(BphcCommand):
    help = "一个配租计划的登记情况：按项目和套型的登记数与套数/房源、剩余房源、每小时登记数。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("plan", help="计划编号，例如 GZF-2026-KS04")
        parser.add_argument("--all-hours", action="store_true", help="列出每一个小时，包括没有登记的小时")

    def handle(self, *args, **options) -> None:
        stats = plan_stats(get_plan(options["plan"]))
        self._summary(stats)
        self._table(stats)
        self._hours(stats, all_hours=options["all_hours"])

    def _summary(self, stats: PlanStats) -> None:
        plan = stats.plan
        out = self.stdout
        out.write(f"{plan.name}（{plan.code}） · {plan.get_mode_display()} · {plan.state_label(stats.computed_at)}")
        out.write(
            f"登记时间 {timezone.localtime(plan.opens_at):%Y-%m-%d %H:%M} 至 "
            f"{timezone.localtime(plan.closes_at):%Y-%m-%d %H:%M}；统计时间 "
            f"{timezone.localtime(stats.computed_at):%Y-%m-%d %H:%M}"
        )
        words = f"有效登记 {stats.registrations} 条，已取消 {stats.cancelled} 条，套数 {stats.offered}"
        if plan.is_realtime:
            words += f"，房源 {stats.units} 套，剩余可选 {stats.free_units} 套"
        out.write(words + "。")

    def _table(self, stats: PlanStats) -> None:
        realtime = stats.plan.is_realtime
        head = ["项目编号", "项目", "套型", "套数"] + (["房源", "剩余"] if realtime else []) + ["登记", "登记/套"]
        lines = [head]
        for r in stats.rows:
            lines.append(
                [r.project_code, r.project_name, r.unit_type, str(r.offered)]
                + ([str(r.units), str(r.free_units)] if realtime else [])
                + [str(r.registrations), _ratio(r.ratio)]
            )
        self.stdout.write("")
        for line in lines:
            self.stdout.write("  ".join(line))

    def _hours(self, stats: PlanStats, *, all_hours: bool) -> None:
        self.stdout.write("")
        hours = stats.per_hour if all_hours else [h for h in stats.per_hour if h.count]
        if not hours:
            self.stdout.write("每小时登记数：尚无登记。")
            return
        peak = stats.peak
        self.stdout.write(
            f"每小时登记数（含之后取消的，共 {stats.created} 条；高峰 {peak.start:%m-%d %H}:00 时段 {peak.count} 条）："
        )
        for h in hours:
            self.stdout.write(f"{h.start:%Y-%m-%d %H}:00  {h.count}")
