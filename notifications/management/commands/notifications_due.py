import time

from django.core.management.base import BaseCommand

from notifications.services import notifications_recover, plan_reminders_send


class Command(BaseCommand):
    help = "Enqueue what is due: opening reminders of plans that have opened, and notices whose worker died."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--every", type=float, default=0,
                            help="Run again every this many seconds until stopped (make run uses 30); "
                                 "without it, run once (for cron, every minute).")

    def handle(self, *args, every: float, **options) -> None:
        while True:
            reminders, recovered = plan_reminders_send(), notifications_recover()
            if reminders or recovered or not every:
                self.stdout.write(f"开放登记提醒 {reminders} 条已排队；重新排队 {recovered} 条中断的通知。")
            if not every:
                return
            time.sleep(every)
