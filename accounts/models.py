import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from bphc.crypto import EncryptedTextField, id_digest
from bphc.masking import mask_id_number, mask_phone
from bphc.validators import normalise_id_number, normalise_phone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, phone: str, password: str | None, **extra) -> "User":
        phone = normalise_phone(phone)
        if not phone:
            raise ValueError("A phone number is required.")
        if extra.get("id_number"):
            extra["id_number"] = normalise_id_number(extra["id_number"])
        user = self.model(phone=phone, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, phone: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(phone, password, **extra)

    def create_superuser(self, phone: str, password: str | None = None, **extra) -> "User":
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(phone, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with a mainland mobile number."""

    phone = models.CharField("手机号", max_length=11, unique=True)
    name = models.CharField("姓名", max_length=50, blank=True)
    # Encrypted at rest; uniqueness and lookups go through the keyed digest.
    id_number = EncryptedTextField("身份证号", null=True, blank=True)
    id_digest = models.CharField("身份证号摘要", max_length=64, null=True, blank=True, unique=True, editable=False)
    is_staff = models.BooleanField("工作人员", default=False)
    is_active = models.BooleanField("有效", default=True)
    date_joined = models.DateTimeField("注册时间", default=timezone.now)
    # 长辈版 (large type) chosen on the account, so another phone opens in it at login;
    # None until the person uses the switch while signed in (then the browser's cookie rules).
    elder_mode = models.BooleanField("长辈版", null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        permissions = [("change_phone_onsite", "可现场修改手机号")]

    def __str__(self) -> str:
        return mask_phone(self.phone)

    def save(self, *args, **kwargs) -> None:
        # An empty ID is stored as NULL so that uniqueness applies only to given numbers.
        self.id_number = normalise_id_number(self.id_number) or None
        self.id_digest = id_digest(self.id_number)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "id_number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "id_digest"}
        super().save(*args, **kwargs)

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # The phone is the login and receives the codes: a session opened before a phone
        # change (a lost phone's, say) must end with it, as it would with the password.
        key_salt = "accounts.User.get_session_auth_hash"
        return salted_hmac(key_salt, f"{self.password}:{self.phone}", secret=secret, algorithm="sha256").hexdigest()

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def get_full_name(self) -> str:
        return self.name or self.masked_phone

    def get_short_name(self) -> str:
        return self.get_full_name()


class SmsCode(models.Model):
    """A one-time code sent by SMS, stored only as a keyed hash."""

    class Purpose(models.TextChoices):
        REGISTER = "register", "注册"
        LOGIN = "login", "登录"
        CANCEL = "cancel", "取消登记"
        CHANGE_OLD = "change_old", "修改手机号（原手机）"
        CHANGE_NEW = "change_new", "修改手机号（新手机）"
        ASSIST = "assist", "现场协助登记"
        ADMIN_LOGIN = "admin_login", "工作人员登录"
        RESET = "reset", "忘记密码"

    phone = models.CharField(max_length=11)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["phone", "purpose", "-created_at"])]

    @staticmethod
    def hash_code(phone: str, purpose: str, code: str) -> str:
        return salted_hmac("bphc.sms-code", f"{phone}:{purpose}:{code}", algorithm="sha256").hexdigest()

    @classmethod
    def issue(cls, *, phone: str, purpose: str, now: dt.datetime | None = None) -> tuple["SmsCode", str]:
        """Create a new code, returning the row and the plain code (never stored)."""
        now = now or timezone.now()
        code = f"{secrets.randbelow(10**6):06d}"
        row = cls.objects.create(
            phone=phone,
            purpose=purpose,
            code_hash=cls.hash_code(phone, purpose, code),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=settings.SMS_CODE_TTL_SECONDS),
        )
        return row, code

    @classmethod
    def verify(cls, *, phone: str, purpose: str, code: str) -> str | None:
        """Consume a code; return None when it is right, else the family's message.

        Each try is counted with a conditional UPDATE before comparing, so concurrent
        guesses cannot exceed the limit, and the sixth try fails even with the right code.
        """
        now = timezone.now()
        row = (
            cls.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if row is None:
            return "验证码不正确，请重新获取。"
        if row.expires_at <= now:
            return "验证码已过期，请重新获取。"
        counted = cls.objects.filter(
            pk=row.pk, attempts__lt=settings.SMS_CODE_MAX_ATTEMPTS, used_at__isnull=True
        ).update(attempts=F("attempts") + 1)
        if counted != 1:
            return "验证码错误次数过多，请重新获取。"
        if not constant_time_compare(row.code_hash, cls.hash_code(phone, purpose, str(code or "").strip())):
            return "验证码不正确，请核对后重新输入。"
        used = cls.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now)
        if used != 1:
            return "验证码已使用，请重新获取。"
        return None

    @classmethod
    def expired(cls, now: dt.datetime | None = None) -> models.QuerySet:
        now = now or timezone.now()
        return cls.objects.filter(Q(expires_at__lte=now) | Q(used_at__isnull=False))


class SmsMessage(models.Model):
    """A text the outbox backend kept instead of sending (development and tests)."""

    phone = models.CharField(max_length=11)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "短信（开发发件箱）"
        verbose_name_plural = "短信（开发发件箱）"


class AuditLog(models.Model):
    """Who did what to which record, when and why; written by clerks and operators."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name="操作人",
    )
    actor_label = models.CharField("操作人（记录时）", max_length=100, blank=True)
    action = models.CharField("操作", max_length=60, db_index=True)
    target_type = models.CharField("对象类型", max_length=60, blank=True)
    target_id = models.CharField("对象编号", max_length=60, blank=True)
    target_repr = models.CharField("对象", max_length=200, blank=True)
    reason = models.TextField("原因", blank=True)
    details = models.JSONField("详情", default=dict, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"

    def __str__(self) -> str:
        # Beijing time, like the 时间 column: the admin's titles and breadcrumbs use this.
        when = timezone.localtime(self.created_at)
        return f"{when:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_repr}"
