from django import template

from bphc.gating import family_filing

from ..models import PlanReminder
from ..reminders import may_subscribe

register = template.Library()


@register.inclusion_tag("notifications/_plan_reminder.html", takes_context=True)
def plan_reminder(context, plan) -> dict:
    """The 开放登记时短信提醒我 box, for a family that qualifies for a plan not yet open."""
    request = context["request"]
    shown = may_subscribe(family_filing(request), plan)
    subscribed = shown and PlanReminder.objects.filter(plan=plan, user=request.user).exists()
    return {"plan": plan, "shown": shown, "subscribed": subscribed, "csrf_token": context.get("csrf_token")}
