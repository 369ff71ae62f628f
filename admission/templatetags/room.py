from django import template

from .. import store

register = template.Library()


@register.inclusion_tag("admission/_notice.html")
def room_notice(plan) -> dict:
    """On the 公告: that a waiting room opens, and the SHA-256 of the seed that will order early arrivals.

    Read from the store (no query on the catalogue page once it is there); a store that lost it
    (Redis restarted or flushed) gets it again from the database, so the 公告 never drops the
    hash. With the store away the box is left out and the rules page (/room/<plan>/rules/)
    still says it all.
    """
    from ..models import Room

    try:
        config = store.config_seen(plan.pk)  # kept a second per process, as the middleware's
        if config is None:
            config = Room.objects.for_plan(plan).publish()
    except store.StoreDown:
        config = None
    if config is None or not config.enabled:
        return {"config": None}
    opened = store.now() >= config.opens
    return {"config": config, "plan": plan, "seed": config.seed if opened else None,
            "minutes": round((config.opens - config.room_opens) / 60)}
