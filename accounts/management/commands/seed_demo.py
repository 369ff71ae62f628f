import importlib

from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction

from bphc.commands import BphcCommand


class Command(BphcCommand):
    help = "加载演示账号、备案和配租计划（可重复运行：再次运行不改变任何数据）。仅限开发环境。"

    def handle(self, *args, **options) -> None:
        # The demo accounts have published passwords (README): on a production database
        # they would be open doors, staff accounts among them.
        if not settings.DEBUG:
            raise CommandError("演示数据只能在开发环境（DEBUG 开启）中加载；生产环境禁止运行 seed_demo。")
        # Each app that has demo data ships a `demo.load(stdout)`; apps are visited in the
        # order of INSTALLED_APPS, which follows the dependencies.
        for config in apps.get_app_configs():
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            with transaction.atomic():
                module.load(self.stdout)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。"))
