"""Who may register for what: one pure function the pages, the admin and the commands share."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from filings.models import Filing
from rentals.models import Plan, Project, Unit
from rentals.vocab import UNIT_TYPE_ORDER


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


NOT_OPEN_YET = "not_open_yet"
CLOSED = "closed"
FILING_INVALID = "filing_invalid"
DISTRICT = "district"
CATEGORY = "category"
UNIT_TYPE_NOT_QUALIFIED = "unit_type_not_qualified"
UNIT_TYPE_NOT_OFFERED = "unit_type_not_offered"
ALREADY_REGISTERED = "already_registered"
UNIT_TAKEN = "unit_taken"
UNIT_NOT_IN_PROJECT = "unit_not_in_project"
UNIT_REQUIRED = "unit_required"
NOT_ACKNOWLEDGED = "not_acknowledged"
PERSON_REGISTERED = "person_registered"

# The refusals whose words do not depend on the case: the service and the pages use these.
NOT_ACKNOWLEDGED_MESSAGE = "请先阅读告知书，并勾选“我已经仔细阅读登记告知书”。"
ALREADY_REGISTERED_MESSAGE = "您已登记过本计划中的房源，本计划每户限登记一次。如需更换，请先取消原登记。"
PERSON_REGISTERED_MESSAGE = (
    "申请人（同一身份证号）已通过另一个备案在本计划中登记，本计划每人限登记一次。如有疑问，请联系保障房中心。"
)
UNIT_TAKEN_MESSAGE = "该房源已被其他家庭登记，请选择其他房源。"
FROZEN = "frozen"


def _when(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y年%m月%d日 %H:%M")


def frozen_message(plan: Plan) -> str:
    return f"本计划的登记名单已于{_when(plan.frozen_at)}冻结并用于排序，不能再登记或取消登记。"


def refusals(
    *,
    filing: Filing,
    plan: Plan,
    project: Project,
    unit_type: str | None,
    unit: Unit | None,
    now: dt.datetime,
    offered_unit_types: set[str],
    has_active_registration: bool,
    person_registered_elsewhere: bool = False,
) -> list[Refusal]:
    """Every reason `filing` may not register for this project's unit type or unit now.

    The caller hands in what would need a query: the unit types the project offers,
    whether the family already holds an active registration in the plan, and whether the
    applicant (the same ID number) holds one through another filing. With neither a unit
    type nor a unit chosen, the project-level question is asked: may the family register
    for any of the offered unit types?
    """
    reasons: list[Refusal] = []
    state = plan.state(now)
    if state == Plan.State.UPCOMING:
        reasons.append(Refusal(NOT_OPEN_YET, f"本计划尚未开始登记，登记开始时间为{_when(plan.opens_at)}。"))
    elif state == Plan.State.CLOSED:
        reasons.append(Refusal(CLOSED, f"本计划登记已于{_when(plan.closes_at)}截止，不能再登记。"))
    if plan.is_frozen:
        reasons.append(Refusal(FROZEN, frozen_message(plan)))

    if not filing.is_valid_on(timezone.localdate(now)):
        reasons.append(Refusal(
            FILING_INVALID, "您的公租房备案已失效或已超过有效期，不能登记。如有疑问，请联系保障房中心。"
        ))
    if plan.districts and filing.district not in plan.districts:
        reasons.append(Refusal(
            DISTRICT,
            f"行政区域限制：本计划仅限备案区为{'、'.join(plan.districts)}的家庭登记，"
            f"您的备案区为{filing.district}。",
        ))
    if plan.categories and filing.category not in plan.categories:
        reasons.append(Refusal(
            CATEGORY,
            f"申请对象限制：本计划仅限{'、'.join(plan.categories)}类家庭登记，您的备案类别为{filing.category}。",
        ))

    if unit is None and not unit_type and not choosable_unit_types(filing, offered_unit_types):
        reasons.append(Refusal(
            UNIT_TYPE_NOT_QUALIFIED,
            f"套型资格不符：您的备案可选套型为{filing.unit_types_text or '无'}，"
            f"该项目提供{'、'.join(sorted(offered_unit_types)) or '无'}，没有您可以登记的套型。",
        ))
    elif plan.is_realtime:
        if unit is None:
            reasons.append(Refusal(UNIT_REQUIRED, "请先选择要登记的房源。"))
        elif unit.project_id != project.pk:
            reasons.append(Refusal(UNIT_NOT_IN_PROJECT, "所选房源不属于该项目，请重新选择。"))
        else:
            unit_type = unit.unit_type
    if unit_type:
        if unit_type not in offered_unit_types:
            reasons.append(Refusal(UNIT_TYPE_NOT_OFFERED, f"该项目本次不提供{unit_type}。"))
        if unit_type not in filing.unit_types:
            reasons.append(Refusal(
                UNIT_TYPE_NOT_QUALIFIED,
                f"套型资格不符：您的备案可选套型为{filing.unit_types_text or '无'}，不能登记{unit_type}。",
            ))

    if has_active_registration:
        reasons.append(Refusal(ALREADY_REGISTERED, ALREADY_REGISTERED_MESSAGE))
    elif person_registered_elsewhere:
        reasons.append(Refusal(PERSON_REGISTERED, PERSON_REGISTERED_MESSAGE))
    if unit is not None and unit.taken:
        reasons.append(Refusal(UNIT_TAKEN, UNIT_TAKEN_MESSAGE))
    return reasons


def choosable_unit_types(filing: Filing, offered_unit_types: set[str]) -> list[str]:
    """The offered unit types the family qualifies for, in the vocabulary's order."""
    return sorted(set(filing.unit_types) & offered_unit_types, key=lambda t: UNIT_TYPE_ORDER.get(t, 99))
