"""Freeze, draw, publish: the audited writes of the results procedure (see README, 排序与公示)."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import User
from notifications.models import Notification
from notifications.services import notification_enqueue
from registrations.models import Registration
from rentals.models import Offer, Plan

from . import draw as rules
from .models import Draw, Freeze, Position


class ResultsRefused(Exception):
    """The step may not be taken; the message says why in the operator's words."""


def _when(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y年%m月%d日 %H:%M")


def _entries(plan: Plan) -> list[rules.Entry]:
    rows = Registration.objects.active().filter(plan=plan).select_related("project", "filing").order_by()
    return [
        rules.Entry(
            number=r.number, project=r.project.code, unit_type=r.unit_type, tier=rules.tier_of(r.filing.category),
            filing_year=r.filing.year, registered_at=timezone.localtime(r.created_at).strftime(rules.TIME_FORMAT),
        )
        for r in rows
    ]


def plan_freeze(*, plan: Plan, actor: User | None, actor_label: str = "", now: dt.datetime | None = None) -> Freeze:
    """Write the registrant list of a closed quick plan and stop every registration and cancel in it."""
    now = now or timezone.now()
    if plan.is_realtime:
        raise ResultsRefused(f"“{plan.name}”是实时配租计划：登记即配租，无需冻结名单和排序。")
    if plan.state(now) != Plan.State.CLOSED:
        raise ResultsRefused(f"“{plan.name}”登记尚未截止（截止时间{_when(plan.closes_at)}），不能冻结名单。")
    with transaction.atomic():
        # Cancels lock the same row (registrations.services.registration_cancel), so none
        # can slip in between reading the list and marking the plan frozen.
        locked = Plan.objects.select_for_update().get(pk=plan.pk)
        if locked.is_frozen:
            raise ResultsRefused(f"“{plan.name}”的名单已于{_when(locked.frozen_at)}冻结，不能重复冻结。")
        text = rules.list_text(_entries(plan))
        freeze = Freeze.objects.create(
            plan=plan, frozen_at=now, frozen_by=actor if actor and actor.pk else None, list_text=text,
            list_sha256=rules.sha256_hex(text), count=text.count("\n") - 1,
        )
        Plan.objects.filter(pk=plan.pk).update(frozen_at=now)
        plan.frozen_at = now
        audit_record(actor=actor, actor_label=actor_label, action="冻结登记名单", target=plan,
                     details={"list_sha256": freeze.list_sha256, "count": freeze.count})
    return freeze


def draw_run(
    *, plan: Plan, seed: str = "", public_value: str = "", actor: User | None, actor_label: str = "",
    reason: str = "", correct: bool = False, now: dt.datetime | None = None,
) -> Draw:
    """Order the frozen list (rules, or the lottery checked against the commitment); store every 顺序号.

    `correct=True` replaces the current draw by a new record carrying `reason`; the first
    stays, shown beside it on the 公示.
    """
    now = now or timezone.now()
    seed, public_value, reason = seed.strip(), public_value.strip(), reason.strip()
    freeze = Freeze.objects.filter(plan=plan).first()
    if freeze is None:
        raise ResultsRefused(f"“{plan.name}”的名单尚未冻结：请先冻结名单，再排序。")
    if plan.is_lottery:
        if not seed or not public_value:
            raise ResultsRefused("摇号计划须同时提供公证处的种子和公开值。")
        if rules.sha256_hex(seed) != plan.seed_commitment:
            raise ResultsRefused("种子与发布时公布的种子哈希不符，未摇号。请与公证处核对种子。")
    elif seed or public_value:
        raise ResultsRefused(f"“{plan.name}”按规则排序，不使用种子和公开值。")
    previous = Draw.objects.current().filter(plan=plan).first()
    if correct and previous is None:
        raise ResultsRefused("本计划还没有排序结果，无需更正。")
    if correct and not reason:
        raise ResultsRefused("更正须写明原因，原因将与原结果一并公示。")
    if not correct and previous is not None:
        raise ResultsRefused(f"“{plan.name}”已于{_when(previous.drawn_at)}排序，每个计划只排序一次；"
                             "如确需更正，请按更正流程办理。")
    groups = rules.order(rules.parse_list(freeze.list_text), lottery=plan.is_lottery, seed=seed,
                         public_value=public_value)
    try:
        with transaction.atomic():
            draw = Draw.objects.create(
                plan=plan, freeze=freeze, corrects=previous if correct else None, lottery=plan.is_lottery,
                seed=seed, public_value=public_value, reason=reason, drawn_at=now,
                drawn_by=actor if actor and actor.pk else None,
            )
            _store_positions(draw, plan, groups)
            audit_record(actor=actor, actor_label=actor_label, action="更正排序结果" if correct else "排序",
                         target=plan, reason=reason, details={
                             "draw": draw.pk, "list_sha256": freeze.list_sha256, "lottery": plan.is_lottery,
                             "seed_sha256": rules.sha256_hex(seed) if seed else "", "public_value": public_value,
                             "corrects": previous.pk if correct else None})
    except IntegrityError:
        # Another operator's draw committed first: the constraint, not this code, keeps it single.
        raise ResultsRefused(f"“{plan.name}”已有排序结果，每个计划只排序一次。") from None
    return draw


def _store_positions(draw: Draw, plan: Plan, groups: dict) -> None:
    ids = dict(Registration.objects.filter(plan=plan).values_list("number", "pk"))
    projects = dict(plan.projects.values_list("code", "pk"))
    offers = {(o.project_id, o.unit_type): o.count for o in Offer.objects.filter(project__plan=plan)}
    rows = []
    for (project_code, unit_type), entries in groups.items():
        project_id = projects[project_code]
        for position, entry in enumerate(entries, start=1):
            rows.append(Position(
                draw=draw, registration_id=ids[entry.number], project_id=project_id, unit_type=unit_type,
                number=position, group_size=len(entries), offer_count=offers.get((project_id, unit_type), 0),
            ))
    Position.objects.bulk_create(rows, batch_size=2000)


def results_publish(*, plan: Plan, actor: User | None, actor_label: str = "", now: dt.datetime | None = None) -> Draw:
    """Put the current draw on the public 公示 page and tell each family its 顺序号."""
    now = now or timezone.now()
    with transaction.atomic():
        draw = Draw.objects.current().select_for_update(of=("self",)).filter(plan=plan).first()
        if draw is None:
            raise ResultsRefused(f"“{plan.name}”还没有排序结果，不能公示。")
        if draw.is_published:
            raise ResultsRefused(f"“{plan.name}”的排序结果已于{_when(draw.published_at)}公示。")
        draw.published_at, draw.published_by = now, actor if actor and actor.pk else None
        draw.save(update_fields=["published_at", "published_by"])
        audit_record(actor=actor, actor_label=actor_label, action="发布公示", target=plan, details={
            "draw": draw.pk, "list_sha256": draw.freeze.list_sha256, "positions": draw.positions.count()})
        for position in draw.positions.select_related("registration__filing__account", "project"):
            _announce(plan, position)
    return draw


def _announce(plan: Plan, position: Position) -> None:
    """The family's SMS about its 顺序号; the one place results sends anything."""
    filing = position.registration.filing
    phone = filing.account.phone if filing.account_id else filing.phone
    if phone:
        notification_enqueue(phone=phone, purpose=Notification.Purpose.RESULTS_PUBLISHED,
                             about=position.registration, params={
            "plan": plan.name, "project": position.project.name, "unit_type": position.unit_type,
            "number": position.registration.number, "position": position.number,
            "group_size": position.group_size, "offer_count": position.offer_count,
        })
