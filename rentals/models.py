import datetime as dt
import re
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from bphc.statements import read_all, read_one

from .vocab import DISTRICT_CHOICES, UNIT_TYPE_ORDER, UnitType

# "1号楼", "1栋" and "1" are one building; stored as "1" so each reads "1号楼" everywhere.
BUILDING_WORDS = re.compile(r"^(\d+)\s*(?:号楼|号|栋|幢)$")
ENTRANCE_WORDS = re.compile(r"^(\d+)\s*(?:单元|门)$")


def normalise_building(text: str) -> str:
    return BUILDING_WORDS.sub(r"\1", text.strip())


def normalise_entrance(text: str) -> str:
    return ENTRANCE_WORDS.sub(r"\1", text.strip())


def new_catalogue_token() -> str:
    return secrets.token_hex(8)


def building_label(building: str) -> str:
    """How a 楼号 reads everywhere: "3" reads 3号楼, a building named "A座" keeps its name."""
    return f"{building}号楼" if building.isdigit() else building


def entrance_label(entrance: str) -> str:
    return f"{entrance}单元" if entrance.isdigit() else entrance


class PlanQuerySet(models.QuerySet):
    def published(self) -> "PlanQuerySet":
        return self.filter(is_published=True)


def _t(model) -> str:
    return model._meta.db_table


class Plan(models.Model):
    """One allocation round (配租计划)."""

    class Mode(models.TextChoices):
        QUICK = "quick", "快速配租"
        REALTIME = "realtime", "实时配租"

    class State(models.TextChoices):
        UPCOMING = "upcoming", "未开始"
        OPEN = "open", "登记中"
        CLOSED = "closed", "已截止"

    class Ordering(models.TextChoices):
        RULES = "rules", "按规则排序"
        LOTTERY = "lottery", "摇号"

    code = models.CharField("计划编号", max_length=40, unique=True)
    name = models.CharField("计划名称", max_length=200)
    mode = models.CharField("配租方式", max_length=10, choices=Mode.choices)
    opens_at = models.DateTimeField("登记开始时间")
    closes_at = models.DateTimeField("登记截止时间")
    cancel_deadline = models.DateTimeField("取消截止时间", null=True, blank=True,
                                           help_text="留空则与登记截止时间相同。")
    districts = models.JSONField("限定区域", default=list, blank=True, help_text="留空表示不限。")
    categories = models.JSONField("限定类别", default=list, blank=True, help_text="留空表示不限。")
    announcement = models.TextField("公告", blank=True)
    notice = models.TextField("告知书", blank=True)
    ordering = models.CharField("排序方式", max_length=10, choices=Ordering.choices, default=Ordering.RULES,
                                help_text="登记截止后如何排定顺序号；发布后不能更改。")
    # The commitment of a 摇号 plan (see results/): published with the plan, never changed after.
    seed_commitment = models.CharField(
        "种子哈希（SHA-256）", max_length=64, blank=True,
        help_text="公证处保管的随机种子的 SHA-256 值（64位十六进制）；中心只录入哈希，不录入种子。")
    public_value_name = models.CharField(
        "公开值名称", max_length=200, blank=True,
        help_text="登记截止时尚未产生的公开数值，如“2027年1月5日 中国福利彩票双色球开奖号码”。")
    frozen_at = models.DateTimeField("名单冻结时间", null=True, blank=True, editable=False)
    is_published = models.BooleanField("已发布", default=False)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    # Names the plan's projects, offers and units as they are now: the shared cache keeps
    # the public catalogue under it (rentals/catalogue.py), and any change to them draws a
    # new one. Random, not a counter, so a reused primary key never meets an old entry.
    catalogue_token = models.CharField(max_length=16, default=new_catalogue_token, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at", "code"]
        verbose_name = "配租计划"
        verbose_name_plural = "配租计划"
        # The window rule, written once: `window_problems` says it in words for forms and imports.
        constraints = [
            models.CheckConstraint(condition=Q(opens_at__lt=F("closes_at")), name="plan_opens_before_closes"),
            models.CheckConstraint(
                condition=Q(cancel_deadline__isnull=True) | Q(cancel_deadline__gt=F("opens_at")),
                name="plan_cancel_deadline_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    # The rush's reads are written out (bphc/statements.py): every page and POST makes one.

    @classmethod
    def published_one(cls, pk: int) -> "Plan | None":
        found = read_one((cls,), f"FROM {_t(cls)} WHERE {_t(cls)}.id = %s AND {_t(cls)}.is_published = %s", [pk, True])
        return found[0] if found else None

    @classmethod
    def published_list(cls) -> list["Plan"]:
        """Every published plan in the model's order (Meta.ordering), as `objects.published()`
        lists them. The plan list is the rush's first page: the ORM compiled its query for every
        family (0.6–0.8 ms of the worker's CPU), so it is written out (bphc/statements.py)."""
        order = ", ".join(f"{_t(cls)}.{cls._meta.get_field(name.lstrip('-')).column}"
                          f" {'DESC' if name.startswith('-') else 'ASC'}" for name in cls._meta.ordering)
        return [plan for (plan,) in read_all((cls,), f"FROM {_t(cls)} WHERE {_t(cls)}.is_published = %s"
                                                      f" ORDER BY {order}", [True])]

    @staticmethod
    def window_problems(
        opens: dt.datetime | None, closes: dt.datetime | None, cancel: dt.datetime | None,
    ) -> dict[str, str]:
        """Field → why the 登记 window is impossible (the words for the constraints in Meta)."""
        problems = {}
        if opens and closes and opens >= closes:
            problems["closes_at"] = "登记截止时间应晚于登记开始时间"
        if opens and cancel and cancel <= opens:
            problems["cancel_deadline"] = "取消截止时间应晚于登记开始时间"
        return problems

    def clean(self) -> None:
        problems = self.window_problems(self.opens_at, self.closes_at, self.cancel_deadline)
        if problems:
            raise ValidationError({name: message + "。" for name, message in problems.items()})

    @property
    def effective_cancel_deadline(self) -> dt.datetime:
        return self.cancel_deadline or self.closes_at

    def state(self, now: dt.datetime | None = None) -> str:
        now = now or timezone.now()
        if now < self.opens_at:
            return self.State.UPCOMING
        if now >= self.closes_at:
            return self.State.CLOSED
        return self.State.OPEN

    def state_label(self, now: dt.datetime | None = None) -> str:
        return self.State(self.state(now)).label

    def is_open(self, now: dt.datetime | None = None) -> bool:
        return self.state(now) == self.State.OPEN

    def can_cancel(self, now: dt.datetime | None = None) -> bool:
        return not self.is_frozen and (now or timezone.now()) < self.effective_cancel_deadline

    @property
    def is_frozen(self) -> bool:
        """The registrant list has been written (results.services.plan_freeze): nothing may change it."""
        return self.frozen_at is not None

    @property
    def is_lottery(self) -> bool:
        return self.ordering == self.Ordering.LOTTERY

    @property
    def is_realtime(self) -> bool:
        return self.mode == self.Mode.REALTIME

    def restriction_words(self) -> dict[str, str]:
        """The 申请对象限制 as a family reads it."""
        return {
            "限定区域": "、".join(self.districts) if self.districts else "不限",
            "限定类别": "、".join(self.categories) if self.categories else "不限",
        }

    def publish_problems(self) -> list[str]:
        """Why this plan cannot be published yet (empty when it can)."""
        problems = []
        if not self.notice.strip():
            problems.append("缺少告知书")
        if not (self.opens_at and self.closes_at):
            problems.append("登记时间窗口不完整")
        problems += self.window_problems(self.opens_at, self.closes_at, self.cancel_deadline).values()
        if self.pk is None or not self.projects.exists():
            problems.append("至少需要一个项目")
        if self.is_lottery and not self.is_realtime:
            if not re.fullmatch(r"[0-9a-f]{64}", self.seed_commitment):
                problems.append("摇号计划须先录入种子哈希（公证处保管的种子的 SHA-256，64位十六进制）")
            if not self.public_value_name.strip():
                problems.append("摇号计划须先写明公开值名称（登记截止时尚未产生的公开数值）")
        return problems


class ProjectQuerySet(models.QuerySet):
    def published(self) -> "ProjectQuerySet":
        return self.filter(plan__is_published=True)

    def with_unit_counts(self) -> "ProjectQuerySet":
        """Annotate `total_units` and `free_units` (subqueries, so other joins cannot multiply them)."""
        return self.annotate(total_units=_unit_count(), free_units=_unit_count(taken=False))


def _unit_count(**filters) -> Coalesce:
    units = Unit.objects.filter(project=OuterRef("pk"), **filters).order_by().values("project")
    return Coalesce(Subquery(units.annotate(n=Count("pk")).values("n")), 0)


class Project(models.Model):
    """One housing estate offered in a plan (项目)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="projects", verbose_name="配租计划")
    code = models.CharField("项目编号", max_length=40, unique=True)
    name = models.CharField("项目名称", max_length=200)
    district = models.CharField("区域", max_length=20, choices=DISTRICT_CHOICES)
    address = models.CharField("地址", max_length=300, blank=True)
    description = models.TextField("简介", blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = "项目"
        verbose_name_plural = "项目"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def published_with_plan(cls, pk: int, *, with_taken: bool = False) -> "Project | None":
        """The project, its plan published, with the plan loaded; written out (bphc/statements.py).

        `with_taken` (the detail page, on PostgreSQL) also gives `taken_units`, (id, building,
        unit_type) of each of its units taken now, from the same statement: one round trip fewer
        for every page of the rush. Elsewhere (SQLite, the first run) the catalogue reads them
        itself when it needs them (`catalogue.project_catalogue`).
        """
        merged = with_taken and connection.vendor == "postgresql"
        extra = (f"(SELECT coalesce(json_agg(json_build_array(u.id, u.building, u.unit_type)), '[]'::json)"
                 f" FROM {_t(Unit)} u WHERE u.project_id = {_t(cls)}.id AND u.taken)",) if merged else ()
        found = read_one((cls, Plan), f"FROM {_t(cls)} JOIN {_t(Plan)} ON {_t(Plan)}.id = {_t(cls)}.plan_id"
                                      f" WHERE {_t(cls)}.id = %s AND {_t(Plan)}.is_published = %s", [pk, True],
                         extra=extra)
        if found is None:
            return None
        project, project.plan = found[:2]
        if merged:
            project.taken_units = [tuple(taken) for taken in found[2]]
        return project

    def offer_list(self) -> list["Offer"]:
        """The offers (from the prefetch cache when there is one) in 套型 order (一居室 before 二居室)."""
        return sorted(self.offers.all(), key=lambda o: UNIT_TYPE_ORDER.get(o.unit_type, 99))

    def rent_text(self) -> str:
        offers = self.offer_list()
        if not offers:
            return ""
        return _range_text(min(o.rent_min for o in offers), max(o.rent_max for o in offers))


class Offer(models.Model):
    """A unit type a project offers, with how many and at what size and rent."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="offers", verbose_name="项目")
    unit_type = models.CharField("套型", max_length=10, choices=UnitType.choices)
    count = models.PositiveIntegerField("套数")
    area_min = models.DecimalField("面积下限（㎡）", max_digits=7, decimal_places=2)
    area_max = models.DecimalField("面积上限（㎡）", max_digits=7, decimal_places=2)
    rent_min = models.DecimalField("月租金下限（元）", max_digits=9, decimal_places=2)
    rent_max = models.DecimalField("月租金上限（元）", max_digits=9, decimal_places=2)

    class Meta:
        ordering = ["project", "unit_type"]
        verbose_name = "套型"
        verbose_name_plural = "套型"
        constraints = [
            models.UniqueConstraint(fields=["project", "unit_type"], name="offer_one_per_unit_type"),
        ]

    def __str__(self) -> str:
        return f"{self.project.name} {self.unit_type}"

    @property
    def area_text(self) -> str:
        return _range_text(self.area_min, self.area_max)

    @property
    def rent_text(self) -> str:
        return _range_text(self.rent_min, self.rent_max)


class Unit(models.Model):
    """One flat (房源) of a real-time plan; `taken` is claimed with a conditional UPDATE."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="units", verbose_name="项目")
    building = models.CharField("楼号", max_length=20)
    entrance = models.CharField("单元", max_length=20)
    floor = models.IntegerField("楼层")
    room = models.CharField("房号", max_length=20)
    unit_type = models.CharField("套型", max_length=10, choices=UnitType.choices)
    area = models.DecimalField("建筑面积（㎡）", max_digits=7, decimal_places=2)
    rent = models.DecimalField("月租金（元）", max_digits=9, decimal_places=2)
    orientation = models.CharField("朝向", max_length=20, blank=True)
    taken = models.BooleanField("已被登记", default=False)

    class Meta:
        ordering = ["project", "building", "entrance", "floor", "room"]
        verbose_name = "房源"
        verbose_name_plural = "房源"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "building", "entrance", "room"], name="unit_unique_room"
            ),
        ]
        indexes = [models.Index(fields=["project", "taken"], name="unit_free_by_project")]

    def __str__(self) -> str:
        return f"{self.project.name} {self.label}"

    def save(self, *args, **kwargs) -> None:
        # A unit typed in the admin is stored like an imported one, so `1栋` and `1` are one building.
        self.building, self.entrance = normalise_building(self.building), normalise_entrance(self.entrance)
        super().save(*args, **kwargs)

    @classmethod
    def published_with_project(cls, pk: int, project_id: int) -> "Unit | None":
        """The project's unit, its plan published, with both loaded (`unit.project.plan`)."""
        found = read_one((cls, Project, Plan),
                         f"FROM {_t(cls)} JOIN {_t(Project)} ON {_t(Project)}.id = {_t(cls)}.project_id"
                         f" JOIN {_t(Plan)} ON {_t(Plan)}.id = {_t(Project)}.plan_id WHERE {_t(cls)}.id = %s"
                         f" AND {_t(cls)}.project_id = %s AND {_t(Plan)}.is_published = %s", [pk, project_id, True])
        if found is None:
            return None
        unit, project, project.plan = found
        unit.project = project
        return unit

    # The opening rush's statements about units are written out: the ORM compiles one on every
    # call, 0.3–0.5 ms of the worker's CPU against the database's 0.1 ms for these (bench/README.md,
    # "Statements written out"), and every page and POST of the rush makes one.

    def claim(self) -> bool:
        """Take the unit if it is still free: True for the one call that finds it free, whatever
        `self.taken` says (it may be older than the caller's transaction)."""
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {self._meta.db_table} SET taken = %s WHERE id = %s AND taken = %s",
                           [True, self.pk, False])
            claimed = cursor.rowcount == 1
        self.taken = self.taken or claimed
        return claimed

    @classmethod
    def taken_in(cls, project_id: int) -> list[tuple[int, str, str]]:
        """(id, building, unit_type) of each of the project's units taken now."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, building, unit_type FROM {cls._meta.db_table}"
                           " WHERE project_id = %s AND taken = %s", [project_id, True])
            return cursor.fetchall()

    @classmethod
    def taken_counts(cls, project_ids: list[int]) -> dict[int, int]:
        """Project id → how many of its units are taken now (the projects with none left out)."""
        if not project_ids:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT project_id, COUNT(*) FROM {cls._meta.db_table} WHERE project_id IN"
                           f" ({', '.join(['%s'] * len(project_ids))}) AND taken = %s GROUP BY project_id",
                           [*project_ids, True])
            return dict(cursor.fetchall())

    @property
    def building_label(self) -> str:
        return building_label(self.building)

    @property
    def entrance_label(self) -> str:
        return entrance_label(self.entrance)

    @property
    def label(self) -> str:
        return f"{self.building_label}{self.entrance_label}{self.room}室"

    @property
    def area_text(self) -> str:
        return _num(self.area)

    @property
    def rent_text(self) -> str:
        return _num(self.rent)


def _range_text(low: Decimal, high: Decimal) -> str:
    low_s, high_s = _num(low), _num(high)
    return low_s if low_s == high_s else f"{low_s}–{high_s}"


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}" if value is not None else ""

