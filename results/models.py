from django.conf import settings
from django.db import models
from django.db.models import Q

from registrations.models import Registration
from rentals.models import Plan, Project
from rentals.vocab import UnitType


class ResultPlan(Plan):
    """A plan as the freeze, draw and 公示 see it (the admin's 排序与公示 list)."""

    class Meta:
        proxy = True
        verbose_name = "排序与公示"
        verbose_name_plural = "排序与公示"
        permissions = [
            ("freeze_plan", "可以冻结登记名单"),
            ("draw_plan", "可以排序或摇号"),
            ("publish_results", "可以发布公示"),
        ]


class Freeze(models.Model):
    """The registrant list of a closed plan, written once; its SHA-256 is what the draw is checked against."""

    plan = models.OneToOneField(Plan, on_delete=models.PROTECT, related_name="freeze", verbose_name="配租计划")
    frozen_at = models.DateTimeField("冻结时间")
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="操作人")
    list_text = models.TextField("名单文件")
    list_sha256 = models.CharField("名单文件 SHA-256", max_length=64)
    count = models.PositiveIntegerField("登记户数")

    class Meta:
        verbose_name = "冻结名单"
        verbose_name_plural = "冻结名单"

    def __str__(self) -> str:
        return f"{self.plan.code} 名单（{self.count} 户）"


class DrawQuerySet(models.QuerySet):
    def current(self) -> "DrawQuerySet":
        """Draws no later record corrects."""
        return self.filter(correction__isnull=True)


class Draw(models.Model):
    """One ordering of a frozen list; a correction is a further Draw naming the one it replaces."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="draws", verbose_name="配租计划")
    freeze = models.ForeignKey(Freeze, on_delete=models.PROTECT, related_name="draws", verbose_name="冻结名单")
    corrects = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="correction", verbose_name="更正的结果")
    lottery = models.BooleanField("摇号", default=False)
    seed = models.CharField("种子", max_length=200, blank=True)
    public_value = models.CharField("公开值", max_length=500, blank=True)
    reason = models.TextField("更正原因", blank=True)
    drawn_at = models.DateTimeField("排序时间")
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name="操作人")
    published_at = models.DateTimeField("公示时间", null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="公示操作人")

    objects = DrawQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "drawn_at", "id"]
        verbose_name = "排序结果"
        verbose_name_plural = "排序结果"
        constraints = [
            # The invariant the whole procedure rests on: one draw per plan, never a re-run.
            models.UniqueConstraint(fields=["plan"], condition=Q(corrects__isnull=True), name="one_draw_per_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.code} {'更正' if self.corrects_id else '排序'}（{self.drawn_at:%Y-%m-%d %H:%M}）"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Position(models.Model):
    """A registration's 顺序号 in one draw, with the numbers the family is told beside it."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="positions", verbose_name="排序结果")
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="登记")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name="项目")
    unit_type = models.CharField("套型", max_length=10, choices=UnitType.choices)
    number = models.PositiveIntegerField("顺序号")
    group_size = models.PositiveIntegerField("本项目本套型登记户数")
    offer_count = models.PositiveIntegerField("本项目本套型房源套数")

    class Meta:
        ordering = ["draw", "project__code", "unit_type", "number"]
        verbose_name = "顺序号"
        verbose_name_plural = "顺序号"
        constraints = [
            models.UniqueConstraint(fields=["draw", "registration"], name="position_once_per_draw"),
            models.UniqueConstraint(fields=["draw", "project", "unit_type", "number"], name="position_unique_number"),
        ]

    def __str__(self) -> str:
        return f"顺序号 {self.number}"
