import time

from django.db import transaction

from accounts.models import User
from admission import store
from admission.models import Room
from bphc.commands import BphcCommand
from notifications.models import Notification
from notifications.services import notification_enqueue


def notify_due() -> int:
    """Enqueue the 轮到您了 SMS for every subscriber whose turn has come; each is sent once."""
    sent = 0
    t = store.now()
    for room in Room.objects.select_related("plan").filter(enabled=True, plan__is_published=True):
        config = room.store_config()
        if not config.active(t):
            continue
        due = store.due_notifications(config)  # each id is returned once, ever (SADD)
        phones = dict(User.objects.filter(pk__in=due).values_list("pk", "phone"))
        for user_id in due:
            with transaction.atomic():
                notification_enqueue(phone=phones[user_id], purpose=Notification.Purpose.ROOM_TURN,
                                     params={"plan": room.plan.name}, about=room.plan)
            sent += 1
    return sent


class Command(BphcCommand):
    help = "排队：给已轮到、选择了短信通知的家庭发短信（--every N 每 N 秒一次）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--every", type=float, default=0,
                            help="每隔这么多秒再运行一次，直到被停止（0：只运行一次；make run 用 5）")

    def handle(self, *args, every: float, **options) -> None:
        while True:
            try:
                sent = notify_due()
                if sent or options["verbosity"] >= 1:
                    self.stdout.write(f"排队短信：新发 {sent} 条")
            except store.StoreDown:
                self.stderr.write("排队系统不可用，稍后再试")
            if not every:
                return
            time.sleep(every)
