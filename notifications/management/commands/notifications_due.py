import time

from bphc.commands import BphcCommand
from notifications.services import notifications_recover, plan_reminders_send


class Command(BphcCommand):
    help = "把到期的通知排队：已开始登记的计划的开放登记提醒，以及发送中断（工作进程中止）的通知。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--every", type=float, default=0,
                            help="每隔这么多秒再运行一次，直到被停止（make run 用 30）；"
                                 "不给出时只运行一次（供 cron 每分钟调用）。")

    def handle(self, *args, every: float, **options) -> None:
        while True:
            reminders, recovered = plan_reminders_send(), notifications_recover()
            if reminders or recovered or not every:
                self.stdout.write(f"开放登记提醒 {reminders} 条已排队；重新排队 {recovered} 条中断的通知。")
            if not every:
                return
            time.sleep(every)
