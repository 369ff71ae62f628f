"""Writes that span several models: register and cancel, online or at the counter."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import User
from filings.models import Filing
from notifications.models import Notification
from notifications.services import notification_enqueue
from rentals.models import Plan, Project, Unit

from . import eligibility
from .eligibility import Refusal
from .models import Registration


class RegistrationRefused(Exception):
    """The family may not register (or cancel); `reasons` says why, in its words."""

    def __init__(self, reasons: list[Refusal]) -> None:
        super().__init__("; ".join(r.message for r in reasons))
        self.reasons = reasons

    @property
    def codes(self) -> set[str]:
        return {r.code for r in self.reasons}


def _refuse(code: str, message: str) -> RegistrationRefused:
    return RegistrationRefused([Refusal(code, message)])


def _same_target(registration: Registration, project: Project, unit_type: str | None, unit: Unit | None) -> bool:
    if unit is not None:
        return registration.unit_id == unit.pk
    return registration.project_id == project.pk and registration.unit_type == unit_type


def blocking_registration(*, filing: Filing, plan_id: int) -> Registration | None:
    """The active registration that blocks `filing` in the plan: its own first, else the applicant's."""
    rows = Registration.objects.active_in_plan(filing, plan_id)
    return next((r for r in rows if r.filing_id == filing.pk), rows[0] if rows else None)


def _blocked(filing: Filing, existing: Registration) -> RegistrationRefused:
    if existing.filing_id == filing.pk:
        return _refuse(eligibility.ALREADY_REGISTERED, eligibility.ALREADY_REGISTERED_MESSAGE)
    return _refuse(eligibility.PERSON_REGISTERED, eligibility.PERSON_REGISTERED_MESSAGE)


def registration_create(
    *,
    filing: Filing,
    actor: User,
    project: Project,
    unit_type: str | None = None,
    unit: Unit | None = None,
    acknowledged: bool,
    channel: str = Registration.Channel.ONLINE,
    clerk: User | None = None,
    consent: str = "",
    offered_unit_types: set[str] | None = None,
    now: dt.datetime | None = None,
) -> tuple[Registration, bool]:
    """Register `filing` for a unit type (quick) or a unit (real-time); (registration, created).

    The same request sent twice returns the first registration with created=False, so a
    double click or a resubmitted form registers once. `offered_unit_types` spares a query
    when the caller has just read the project's offers.
    """
    now = now or timezone.now()
    if not acknowledged:
        raise _refuse(eligibility.NOT_ACKNOWLEDGED, eligibility.NOT_ACKNOWLEDGED_MESSAGE)
    try:
        with transaction.atomic():
            return _create(
                filing=filing, actor=actor, project=project, unit_type=unit_type, unit=unit, channel=channel,
                clerk=clerk, consent=consent, offered=offered_unit_types, now=now,
            )
    except IntegrityError:
        # Another request of the same family or applicant (or for the same unit) committed
        # first. The whole transaction, unit claim included, has been rolled back.
        mine = blocking_registration(filing=filing, plan_id=project.plan_id)
        if is_repeat(filing=filing, existing=mine, project=project, unit_type=unit_type, unit=unit):
            return mine, False
        if mine is not None:
            raise _blocked(filing, mine) from None
        raise _refuse(eligibility.UNIT_TAKEN, eligibility.UNIT_TAKEN_MESSAGE) from None


def is_repeat(*, filing: Filing, existing: Registration | None, project: Project, unit_type: str | None,
              unit: Unit | None) -> bool:
    """The same family asking again for what it already holds: a double click, not a refusal."""
    return existing is not None and existing.filing_id == filing.pk and _same_target(existing, project, unit_type, unit)


def refusal_flags(*, filing: Filing, existing: Registration | None) -> dict[str, bool]:
    """What `eligibility.refusals` needs to know of the registration that blocks `filing`."""
    own = existing is not None and existing.filing_id == filing.pk
    return {"has_active_registration": own, "person_registered_elsewhere": existing is not None and not own}


def _create(*, filing, actor, project, unit_type, unit, channel, clerk, consent, offered, now):
    """registration_create's body, inside its transaction; IntegrityError escapes to it."""
    plan = project.plan
    existing = blocking_registration(filing=filing, plan_id=project.plan_id)
    if is_repeat(filing=filing, existing=existing, project=project, unit_type=unit_type, unit=unit):
        return existing, False
    if offered is None:
        offered = set(project.offers.order_by().values_list("unit_type", flat=True))
    reasons = eligibility.refusals(
        filing=filing, plan=plan, project=project, unit_type=unit_type, unit=unit, now=now,
        offered_unit_types=offered, **refusal_flags(filing=filing, existing=existing),
    )
    if reasons:
        raise RegistrationRefused(reasons)
    if unit is not None:
        unit_type = unit.unit_type
    registration = Registration(
        check_code=Registration.new_check_code(),
        filing=filing, person_digest=filing.id_digest, actor=actor, plan=plan, project=project,
        unit_type=unit_type, unit=unit,
        notice_acknowledged_at=now, channel=channel, clerk=clerk, consent=consent, created_at=now,
    )
    # For a unit, the claim in the insert is the check that counts: `unit.taken` may be older than
    # this transaction (the caller read it), but only one claim finds the unit free.
    if not registration.insert_numbered(claiming=unit):
        mine = blocking_registration(filing=filing, plan_id=project.plan_id)
        if is_repeat(filing=filing, existing=mine, project=project, unit_type=unit_type, unit=unit):
            return mine, False
        raise _refuse(eligibility.UNIT_TAKEN, eligibility.UNIT_TAKEN_MESSAGE)
    if clerk is not None:
        audit_record(
            actor=clerk, action="现场协助登记", target=registration, reason=consent,
            details={"filing": filing.filing_no, "plan": plan.code, "project": project.code,
                     "what": unit.label if unit else unit_type},
        )
    phone = filing.contact_phone
    if phone:
        notification_enqueue(phone=phone, purpose=Notification.Purpose.REGISTERED, about=registration, params={
            "number": registration.number, "plan": plan.name, "project": project.name,
            "what": registration.what,
        })
    return registration, True


def registration_cancel(
    *,
    registration: Registration,
    actor: User,
    clerk: User | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Registration:
    """Cancel an active registration before its plan's cancel deadline; free its unit at once."""
    now = now or timezone.now()
    plan = registration.plan
    with transaction.atomic():
        # Read afresh and hold the plan's row: a freeze (which locks it too) either waits
        # for this cancel or has already happened, so the frozen list is never stale.
        plan.frozen_at = Plan.objects.select_for_update().filter(pk=plan.pk).values_list("frozen_at", flat=True)[0]
        if plan.is_frozen:
            raise _refuse(eligibility.FROZEN, eligibility.frozen_message(plan))
        if not plan.can_cancel(now):
            deadline = timezone.localtime(plan.effective_cancel_deadline).strftime("%Y年%m月%d日 %H:%M")
            raise _refuse("cancel_closed", f"本计划的取消截止时间（{deadline}）已过，不能再取消登记。")
        changed = Registration.objects.filter(pk=registration.pk, status=Registration.Status.ACTIVE).update(
            status=Registration.Status.CANCELLED, cancelled_at=now, cancelled_by=clerk or actor,
        )
        if changed != 1:
            raise _refuse("not_active", f"登记{registration.number}已取消，无需重复操作。")
        if registration.unit_id:
            Unit.objects.filter(pk=registration.unit_id).update(taken=False)
        if clerk is not None:
            audit_record(
                actor=clerk, action="协助取消登记", target=registration, reason=reason,
                details={"filing": registration.filing.filing_no},
            )
        phone = registration.filing.contact_phone
        if phone:
            notification_enqueue(phone=phone, purpose=Notification.Purpose.CANCELLED, about=registration,
                                 params={"number": registration.number, "plan": plan.name})
    registration.refresh_from_db()
    return registration
