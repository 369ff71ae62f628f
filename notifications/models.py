"""Notices the portal promised a family, kept until the provider has taken them."""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from bphc.masking import mask_phone
from rentals.models import Plan


class Notification(models.Model):
    """One SMS that is not a verification code, written with the change it reports."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    class Purpose(models.TextChoices):
        # The value is also the name of its text under templates/sms/.
        REGISTERED = "registered", "登记成功"
        CANCELLED = "cancelled", "取消登记"
        PHONE_CHANGED = "phone_changed", "手机号变更"
        PLAN_OPENED = "plan_opened", "开放登记提醒"
        RESULTS_PUBLISHED = "results_published", "排序结果公示"
        ROOM_TURN = "room_turn", "排队轮到提醒"

    # A UUID made before the insert, so the delivery job can be enqueued first and its id
    # written with the row: one INSERT each, no UPDATE on the registration's hot path.
    id = models.UUIDField("通知编号", primary_key=True, default=uuid.uuid4, editable=False)
    phone = models.CharField("手机号", max_length=11)
    purpose = models.CharField("类别", max_length=20, choices=Purpose.choices)
    params = models.JSONField("短信参数", default=dict)
    about_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="对象类型"
    )
    about_id = models.PositiveBigIntegerField("对象编号", null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    provider_message_id = models.CharField("服务商消息编号", max_length=100, blank=True)
    error = models.CharField("最近一次错误", max_length=300, blank=True)
    job_id = models.UUIDField("投递任务", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now, db_index=True)
    next_attempt_at = models.DateTimeField("计划发送时间", default=timezone.now)
    last_attempt_at = models.DateTimeField("最近尝试时间", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    # Set by the job that is sending it; a worker killed mid-send leaves it to expire.
    claimed_until = models.DateTimeField("发送占用至", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "短信通知"
        verbose_name_plural = "短信通知"
        indexes = [
            models.Index(fields=["about_type", "about_id"], name="notification_about_idx"),
            models.Index(fields=["status", "purpose"], name="notification_status_idx"),
        ]
        permissions = [("resend_notification", "可重新发送失败的短信通知")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} → {mask_phone(self.phone)}"


class PlanReminder(models.Model):
    """A family asked for an SMS when a plan that has not opened yet opens."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+", verbose_name="配租计划")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="账号"
    )
    created_at = models.DateTimeField("订阅时间", default=timezone.now)
    notified_at = models.DateTimeField("提醒时间", null=True, blank=True)

    class Meta:
        verbose_name = "开放登记提醒"
        verbose_name_plural = "开放登记提醒"
        constraints = [models.UniqueConstraint(fields=["plan", "user"], name="one_reminder_per_plan_and_user")]
        indexes = [models.Index(fields=["plan", "notified_at"], name="reminder_due_idx")]
