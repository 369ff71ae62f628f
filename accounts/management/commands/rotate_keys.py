from django.apps import apps
from django.db import transaction

from accounts.audit import audit_record
from bphc.commands import BphcCommand
from bphc.crypto import EncryptedTextField

BATCH = 1000


class Command(BphcCommand):
    help = (
        "用 FIELD_ENCRYPTION_KEY 的第一个密钥重新加密所有加密字段"
        "（先把新密钥放在第一位再运行；运行完成后才可去掉旧密钥）。"
    )

    def handle(self, *args, **options) -> None:
        total = 0
        for model in apps.get_models():
            fields = [f.name for f in model._meta.fields if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            done = 0
            # Reading decrypts with any configured key; saving encrypts with the first one.
            with transaction.atomic():
                batch = []
                for row in model.objects.only("pk", *fields).iterator(chunk_size=BATCH):
                    batch.append(row)
                    if len(batch) == BATCH:
                        model.objects.bulk_update(batch, fields)
                        done += len(batch)
                        batch = []
                if batch:
                    model.objects.bulk_update(batch, fields)
                    done += len(batch)
            self.stdout.write(f"{model._meta.verbose_name}：重新加密 {done} 行")
            total += done
        audit_record(actor=None, action="轮换加密密钥", details={"rows": total})
        self.stdout.write(self.style.SUCCESS(f"完成：共重新加密 {total} 行。"))
