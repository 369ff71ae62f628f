from accounts.models import SmsCode
from bphc.commands import BphcCommand


class Command(BphcCommand):
    help = "删除已过期或已使用的短信验证码（可定时运行，例如每小时一次）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只统计，不删除")

    def handle(self, *args, **options) -> None:
        # Only hashes are stored, but a spent code has no further use: keeping it only
        # grows the table the verify query scans.
        stale = SmsCode.expired()
        if options["dry_run"]:
            count = stale.count()
            self.stdout.write(f"有 {count} 条已过期或已使用的短信验证码可删除（未删除）。")
            return
        count, _ = stale.delete()
        left = SmsCode.objects.count()
        self.stdout.write(self.style.SUCCESS(f"已删除 {count} 条已过期或已使用的短信验证码，剩余 {left} 条有效。"))
