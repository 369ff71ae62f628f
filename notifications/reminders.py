"""Who may ask for an opening reminder: a family that could register once the plan opens."""

from django.utils import timezone

from filings.models import Filing
from registrations import eligibility
from rentals.models import Plan

# What the plan's opening (and the family's later choice of a unit) will settle.
NOT_YET = {eligibility.NOT_OPEN_YET, eligibility.UNIT_REQUIRED}


def may_subscribe(filing: Filing | None, plan: Plan) -> bool:
    """True if the plan has not opened and one of its projects has a unit type the family qualifies for."""
    now = timezone.now()
    if filing is None or plan.state(now) != Plan.State.UPCOMING:
        return False
    for project in plan.projects.prefetch_related("offers"):
        offered = {o.unit_type for o in project.offers.all()}
        for unit_type in eligibility.choosable_unit_types(filing, offered):
            reasons = eligibility.refusals(
                filing=filing, plan=plan, project=project, unit_type=unit_type, unit=None, now=now,
                offered_unit_types=offered, has_active_registration=False,
            )
            if {r.code for r in reasons} <= NOT_YET:
                return True
    return False
