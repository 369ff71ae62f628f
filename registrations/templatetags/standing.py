"""What the signed-in family may do in a plan, said on the catalogue pages before any button.

A template tag, so the rentals views keep knowing nothing of registrations.
"""

from django import template
from django.utils import timezone

from bphc.gating import family_filing
from registrations import eligibility
from registrations.models import Registration
from registrations.services import blocking_registration, refusal_flags

register = template.Library()

# Said elsewhere on the page (the plan's state) or asked only when a unit is chosen.
NOT_ABOUT_THE_FAMILY = {eligibility.NOT_OPEN_YET, eligibility.CLOSED, eligibility.FROZEN, eligibility.UNIT_REQUIRED}


@register.simple_tag(takes_context=True)
def family_standing(context, plan, unit_types, project=None) -> dict | None:
    """{"registration": the family's own in the plan} or {"reasons": why it may not register}; None for no filing."""
    filing = family_filing(context["request"])
    if filing is None:
        return None
    existing = blocking_registration(filing=filing, plan_id=plan.pk)
    if existing is not None and existing.filing_id == filing.pk:
        # The tag says where and what: the project's name and the unit's label, in one read.
        own = Registration.objects.select_related("project", "unit").get(pk=existing.pk)
        return {"registration": own, "reasons": []}
    reasons = eligibility.refusals(
        filing=filing, plan=plan, project=project, unit_type=None, unit=None, now=timezone.now(),
        offered_unit_types=set(unit_types), **refusal_flags(filing=filing, existing=existing),
    )
    return {"registration": None, "reasons": [r for r in reasons if r.code not in NOT_ABOUT_THE_FAMILY]}
