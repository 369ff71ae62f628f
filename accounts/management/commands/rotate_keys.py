from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.audit import audit_record
from bphc.crypto import EncryptedTextField

BATCH = 1000


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the first key of FIELD_ENCRYPTION_KEY "
        "(run after putting a new key first; drop the old key once this has finished)."
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
