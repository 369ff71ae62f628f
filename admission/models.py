import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from rentals.models import Plan

from . import store


def new_seed() -> str:
    return secrets.token_hex(16)


def default_rate() -> int:
    return settings.ADMISSION_DEFAULT_PER_MINUTE


class RoomQuerySet(models.QuerySet):
    def for_plan(self, plan: Plan) -> "Room":
        """The plan's room settings, made with the defaults the first time they are asked for."""
        room, _ = self.get_or_create(plan=plan, defaults={"enabled": plan.is_realtime and not plan.is_frozen})
        room.plan = plan
        return room


class Room(models.Model):
    """A plan's waiting room: on or off, how fast it admits, when it opens, its order seed."""

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, primary_key=True, related_name="room",
                                verbose_name="配租计划")
    enabled = models.BooleanField("启用排队", default=True, help_text="实时配租计划默认启用。")
    per_minute = models.PositiveIntegerField(
        "每分钟放行户数", default=default_rate,
        help_text="默认值来自压力测试测得的登记能力（README“排队”）。")
    opens_minutes_before = models.PositiveIntegerField(
        "提前开放排队（分钟）", default=30,
        help_text="开始登记前多少分钟可以进入排队；提前到达的家庭在开始时随机排序。")
    paused = models.BooleanField("暂停放行", default=False)
    seed = models.CharField("排序种子", max_length=64, default=new_seed, editable=False)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = RoomQuerySet.as_manager()

    class Meta:
        verbose_name = "排队"
        verbose_name_plural = "排队"
        constraints = [
            models.CheckConstraint(condition=Q(per_minute__gte=1, per_minute__lte=100000), name="room_rate_range"),
            models.CheckConstraint(condition=Q(opens_minutes_before__lte=24 * 60), name="room_opens_within_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.code} 排队"

    def clean(self) -> None:
        # The results of a quick plan ordered 按规则排序 use the registration time; a room
        # would make that time the room's order and not the family's own speed, so the two
        # orders could disagree. 摇号 ignores registration time, real-time plans allocate by claim.
        plan = self.plan
        if self.enabled and not plan.is_realtime and plan.ordering == Plan.Ordering.RULES:
            raise ValidationError({"enabled": "按规则排序的快速配租计划以登记时间排序，不能启用排队；"
                                              "请改为摇号排序，或不启用排队。"})

    @property
    def commitment(self) -> str:
        return hashlib.sha256(self.seed.encode()).hexdigest()

    @property
    def room_opens_at(self) -> dt.datetime:
        return self.plan.opens_at - dt.timedelta(minutes=self.opens_minutes_before)

    def revealed_seed(self, now: dt.datetime | None = None) -> str | None:
        """The seed, once the plan has opened (before that only its SHA-256 is public)."""
        now = now or dt.datetime.fromtimestamp(store.now(), tz=dt.UTC)
        return self.seed if now >= self.plan.opens_at else None

    def store_config(self) -> store.Config:
        plan = self.plan
        version = f"{self.updated_at.timestamp()}:{plan.updated_at.timestamp()}"
        return store.Config(
            plan_id=plan.pk, name=plan.name, opens=plan.opens_at.timestamp(),
            room_opens=self.room_opens_at.timestamp(), closes=plan.closes_at.timestamp(),
            enabled=self.enabled and plan.is_published, seed=self.seed, commitment=self.commitment, version=version,
        )

    def publish(self) -> store.Config:
        """Copy these settings to the shared store (raises store.StoreDown)."""
        config = self.store_config()
        store.publish(config, rate=self.per_minute, paused=self.paused)
        return config
