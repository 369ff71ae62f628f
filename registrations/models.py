import secrets
import uuid
from functools import cache

from django.conf import settings
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone

from bphc.statements import insert_one, read_one
from filings.models import Filing
from rentals.models import Plan, Project, Unit
from rentals.vocab import UnitType


class RegistrationQuerySet(models.QuerySet):
    def active(self) -> "RegistrationQuerySet":
        return self.filter(status=Registration.Status.ACTIVE)

    def active_in_plan(self, filing: Filing, plan_id: int) -> list["Registration"]:
        """The active registrations that stop `filing` registering again in the plan.

        The family's own, and the applicant's through any other filing with the same ID number.
        Every page and POST of the opening rush asks, so the statement is written out: the ORM
        compiles one on every call, ~0.5 ms of the worker's CPU against the database's 0.1 ms
        (bench/README.md, "Statements written out"). Only the columns that decide are read (whose
        it is, for what, its number); whatever else is asked of one is loaded then.
        """
        same, params = "filing_id = %s", [filing.pk]
        if filing.id_digest:
            same, params = same + " OR person_digest = %s", [*params, filing.id_digest]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(DECIDING)} FROM {Registration._meta.db_table}"
                           f" WHERE plan_id = %s AND status = %s AND ({same})",
                           [plan_id, Registration.Status.ACTIVE.value, *params])
            # Whole numbers and text, which no database converts: built as a deferred read builds them.
            return [Registration.from_db(self.db, DECIDING, row) for row in cursor.fetchall()]

    def with_related(self) -> "RegistrationQuerySet":
        return self.select_related("plan", "project", "unit", "filing", "clerk", "actor")


class Registration(models.Model):
    """A family's registration (登记) in a plan."""

    class Status(models.TextChoices):
        ACTIVE = "active", "已登记"
        CANCELLED = "cancelled", "已取消"

    class Channel(models.TextChoices):
        ONLINE = "online", "网上登记"
        ASSISTED = "assisted", "现场协助登记"

    number = models.CharField("登记编号", max_length=60, unique=True)
    check_code = models.CharField("校验码", max_length=16)
    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="registrations", verbose_name="备案家庭")
    # The applicant's keyed ID digest, copied from the filing: one person, one registration per
    # plan, even when two filings carry the same ID number.
    person_digest = models.CharField("申请人身份证号摘要", max_length=64, editable=False, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="操作账号"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="registrations", verbose_name="配租计划")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="registrations", verbose_name="项目")
    unit_type = models.CharField("套型", max_length=10, choices=UnitType.choices)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="registrations", verbose_name="房源"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    notice_acknowledged_at = models.DateTimeField("确认告知书时间")
    channel = models.CharField("登记渠道", max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name="协助工作人员",
    )
    consent = models.CharField("家庭确认方式", max_length=100, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now, db_index=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name="取消操作人",
    )

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "登记"
        verbose_name_plural = "登记"
        constraints = [
            models.UniqueConstraint(
                fields=["filing", "plan"], condition=Q(status="active"), name="one_active_registration_per_plan"
            ),
            models.UniqueConstraint(
                fields=["unit"], condition=Q(status="active"), name="one_active_registration_per_unit"
            ),
            models.UniqueConstraint(
                fields=["person_digest", "plan"], condition=Q(status="active") & ~Q(person_digest=""),
                name="one_active_registration_per_person_per_plan",
            ),
        ]
        indexes = [models.Index(fields=["plan", "status", "created_at"], name="reg_plan_status_time")]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def for_success_page(cls, pk: int, filing: Filing) -> "Registration | None":
        """The family's registration with its plan, project and unit (None for a quick plan's), as
        登记成功 shows it, or None when it is not theirs. Every family of the rush opens it once it
        has registered, so the statement is written out (bphc/statements.py): the ORM compiled a
        four-table select_related on each one."""
        reg, plan, project, unit = (m._meta.db_table for m in (cls, Plan, Project, Unit))
        found = read_one((cls, Plan, Project, Unit),
                         f"FROM {reg} JOIN {plan} ON {plan}.id = {reg}.plan_id JOIN {project} ON {project}.id ="
                         f" {reg}.project_id LEFT JOIN {unit} ON {unit}.id = {reg}.unit_id"
                         f" WHERE {reg}.id = %s AND {reg}.filing_id = %s", [pk, filing.pk])
        if found is None:
            return None
        registration, registration.plan, registration.project, registration.unit = found
        if registration.unit.pk is None:  # a quick plan's: the unit's columns were all NULL
            registration.unit = None
        registration.filing = filing
        return registration

    def insert_numbered(self, *, claiming: Unit | None = None) -> bool:
        """Insert the new registration with its readable 登记编号: the plan's code and the primary
        key, so no per-plan counter row becomes the hot spot of an opening rush. With `claiming`,
        only if that unit is still free, taking it: False (and nothing written) when it is not.

        On PostgreSQL the INSERT takes the key from the sequence and makes the number from it, and
        the claim is a data-modifying WITH of it, all in one statement: an UPDATE after the INSERT
        rewrote the row and every one of its indexes, and a nextval or a claim of its own was a
        round trip more (issue 18). Only one statement finds the unit free, whatever `unit.taken`
        says (it may be older than the caller's transaction). SQLite (the first run) claims first,
        then numbers the row as it goes in, so it gets its number after. Statements written out, as
        the rush's others are (bphc/statements.py).
        """
        table = self._meta.db_table
        if connection.vendor == "postgresql":
            sql, fields = _numbered_insert(claiming is not None)
            values = [f.get_db_prep_save(f.pre_save(self, True), connection) for f in fields]
            claim = [True, claiming.pk, False] if claiming is not None else []
            with connection.cursor() as cursor:
                cursor.execute(sql, [*claim, self.plan.code, *values, table])
                row = cursor.fetchone()
            if row is None:
                return False
            self.pk, self.number = row
            self._state.adding, self._state.db = False, connection.alias
        else:
            if claiming is not None and not claiming.claim():
                return False
            self.number = f"tmp-{uuid.uuid4().hex}"
            insert_one(self)
            self.number = f"{self.plan.code}-{self.pk:06d}"
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET number = %s WHERE id = %s", [self.number, self.pk])
        if claiming is not None:
            claiming.taken = True
        return True

    @staticmethod
    def new_check_code() -> str:
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        return "".join(secrets.choice(alphabet) for _ in range(8))

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_assisted(self) -> bool:
        return self.channel == self.Channel.ASSISTED

    def can_cancel(self, now=None) -> bool:
        return self.is_active and self.plan.can_cancel(now)

    @property
    def cancel_closed_reason(self) -> str:
        """Why the family may not cancel it, in its words ("" when it may): the pages that list
        and show registrations say the same, and a frozen list is not a passed deadline."""
        if not self.is_active:
            return "已取消"
        if self.plan.is_frozen:
            return f"登记名单已冻结（{timezone.localtime(self.plan.frozen_at):%Y-%m-%d %H:%M}）"
        if not self.plan.can_cancel():
            return f"已过取消截止时间（{timezone.localtime(self.plan.effective_cancel_deadline):%Y-%m-%d %H:%M}）"
        return ""

    @property
    def what(self) -> str:
        """What was registered, as a family reads it."""
        if self.unit_id:
            return f"{self.unit.label}（{self.unit_type}）"
        return self.unit_type


# What active_in_plan reads of each registration (whose it is, for what, its number), in the
# model's column order, which Model.from_db expects.
DECIDING = [f.attname for f in Registration._meta.concrete_fields
            if f.attname in {"id", "filing_id", "project_id", "unit_id", "unit_type", "number"}]


@cache
def _numbered_insert(claiming: bool) -> tuple[str, list]:
    """The registration's INSERT on PostgreSQL: the key from the sequence, the 登记编号 (the plan's
    code, "-", the key with at least six digits, as f"{code}-{pk:06d}" writes it) made from it;
    `claiming`: only if the UPDATE that takes the unit finds it free (its parameters first)."""
    quote = connection.ops.quote_name
    fields = [f for f in Registration._meta.concrete_fields if f.attname not in ("id", "number")]
    key = "k.n::text"
    # Each value cast to its column's type (without a length: a cast would cut, an INSERT refuses),
    # since in a SELECT list nothing else tells PostgreSQL what a parameter is.
    values = ", ".join(f"CAST(%s AS {f.cast_db_type(connection)})" for f in fields)
    columns = ", ".join(quote(f.column) for f in fields)
    claim = (f"WITH claimed AS (UPDATE {quote(Unit._meta.db_table)} SET taken = %s WHERE id = %s AND taken = %s"
             f" RETURNING id) " if claiming else "")
    return (f"{claim}INSERT INTO {quote(Registration._meta.db_table)} (id, number, {columns})"
            f" SELECT k.n, CAST(%s AS text) || '-' || lpad({key}, greatest(6, length({key})), '0'), {values}"
            f" FROM {'claimed, ' if claiming else ''}(SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS n) AS k"
            f" RETURNING id, number"), fields
