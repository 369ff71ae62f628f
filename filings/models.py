import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Case, F, When
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from bphc.crypto import EncryptedTextField, id_digest
from bphc.masking import mask_id_number, mask_phone
from rentals.vocab import DISTRICT_CHOICES

# Wrong 验证码 (or 身份证号) entries a filing takes, from all accounts together, before only a
# clerk can reopen it. The per-account and per-address limits slow one guesser down; this one
# caps what any number of accounts can try against one notice: 5 guesses at a 6-character
# code leave a chance of about 5 in 2 billion.
VERIFY_MAX_FAILURES = 5


class Filing(models.Model):
    """The authority's record that a family qualifies for 公租房 (备案)."""

    class Status(models.TextChoices):
        VALID = "有效", "有效"
        INVALID = "失效", "失效"

    filing_no = models.CharField("备案编号", max_length=40, unique=True)
    code_hash = models.CharField("验证码（哈希）", max_length=64)
    applicant_name = models.CharField("申请人姓名", max_length=50)
    # Encrypted at rest; lookups go through the keyed digest (bulk writers must set it too).
    id_number = EncryptedTextField("身份证号")
    id_digest = models.CharField("身份证号摘要", max_length=64, db_index=True, editable=False, default="")
    phone = models.CharField("手机号", max_length=11, blank=True)
    district = models.CharField("备案区", max_length=20, choices=DISTRICT_CHOICES)
    family_size = models.PositiveSmallIntegerField("家庭人数")
    category = models.CharField("类别", max_length=20)
    unit_types = models.JSONField("可选套型", default=list)
    status = models.CharField("状态", max_length=4, choices=Status.choices, default=Status.VALID)
    valid_until = models.DateField("有效期至")
    # The 备案年份 column of the filings sheet; blank means the year the filing was created.
    filing_year = models.PositiveSmallIntegerField("备案年份", null=True, blank=True)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="filing", verbose_name="绑定账号",
    )
    bound_at = models.DateTimeField("绑定时间", null=True, blank=True)
    verify_failures = models.PositiveSmallIntegerField("认证错误次数", default=0, editable=False)
    verify_locked_at = models.DateTimeField("认证锁定时间", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("导入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["filing_no"]
        verbose_name = "备案家庭"
        verbose_name_plural = "备案家庭"
        # The whole-ID search turns a masked number into a yes/no; only the counter needs it.
        permissions = [
            ("search_by_id_number", "可按完整身份证号查找家庭"),
            ("clear_verify_lock", "可清除备案认证锁定"),
        ]
        constraints = [
            # One person, one valid filing: otherwise two accounts could each bind one and
            # register the same person twice in a plan (issue 14 item 1).
            models.UniqueConstraint(
                fields=["id_digest"], name="filing_one_valid_per_id_number",
                # A row written by bulk_create without its digest (test fixtures) has "" here.
                condition=models.Q(status="有效") & ~models.Q(id_digest=""),
            ),
        ]

    def __str__(self) -> str:
        return self.filing_no

    def save(self, *args, **kwargs) -> None:
        self.id_digest = id_digest(self.id_number) or ""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "id_number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "id_digest"}
        super().save(*args, **kwargs)

    @staticmethod
    def hash_code(code: str) -> str:
        return salted_hmac("bphc.filing-code", str(code).strip().upper(), algorithm="sha256").hexdigest()

    def code_matches(self, code: str) -> bool:
        return constant_time_compare(self.code_hash, self.hash_code(code))

    @property
    def verify_locked(self) -> bool:
        return self.verify_locked_at is not None

    def verify_failed(self) -> None:
        """Count one wrong entry against this filing, locking it at the limit (one UPDATE, race-safe)."""
        now = timezone.now()
        Filing.objects.filter(pk=self.pk).update(
            verify_failures=F("verify_failures") + 1,
            verify_locked_at=Case(
                When(verify_failures__gte=VERIFY_MAX_FAILURES - 1, verify_locked_at__isnull=True, then=now),
                default=F("verify_locked_at"),
            ),
        )
        self.refresh_from_db(fields=["verify_failures", "verify_locked_at"])

    def is_valid_on(self, day: dt.date) -> bool:
        return self.status == self.Status.VALID and day <= self.valid_until

    @property
    def is_valid_today(self) -> bool:
        return self.is_valid_on(timezone.localdate())

    def validity_problem(self, day: dt.date | None = None) -> str:
        """Why the filing is not valid on `day` in a family's words, or "" when it is."""
        day = day or timezone.localdate()
        if self.status != self.Status.VALID:
            return "该备案已失效"
        if day > self.valid_until:
            return f"该备案已过有效期（有效期至{self.valid_until:%Y-%m-%d}）"
        return ""

    @property
    def year(self) -> int:
        """备案年份 as the ordering reads it: the sheet's, else the year the filing was created."""
        return self.filing_year or timezone.localtime(self.created_at or timezone.now()).year

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def contact_phone(self) -> str:
        """Where the family's messages go: the bound account's phone, else the filing's own."""
        return self.account.phone if self.account_id else self.phone

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def unit_types_text(self) -> str:
        return "、".join(self.unit_types)
