from django import template

from ..models import Room

register = template.Library()


@register.inclusion_tag("admission/_notice.html")
def room_notice(plan) -> dict:
    """On the 公告: that a waiting room opens, and the SHA-256 of the seed that will order early arrivals."""
    room = Room.objects.for_plan(plan)
    room = room if room.enabled else None
    return {"room": room, "plan": plan, "seed": room.revealed_seed() if room else None}
