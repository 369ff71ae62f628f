"""The family's 顺序号 beside its registrations, for templates of apps that know nothing of results."""

from django import template

from results.models import Position

register = template.Library()


@register.simple_tag
def standings(registrations) -> dict:
    """{registration pk: its Position in the latest published draw}, in one query.

    Accepts one registration, a list of them, or the (registration, …) rows of 业务记录.
    """
    if registrations is None:
        return {}
    items = registrations if isinstance(registrations, list | tuple) else [registrations]
    ids = [(r[0] if isinstance(r, tuple) else r).pk for r in items]
    rows = (Position.objects.filter(registration_id__in=ids, draw__published_at__isnull=False)
            .select_related("draw__plan").order_by("draw__published_at", "draw_id"))
    return {p.registration_id: p for p in rows}  # later draws (corrections) win


@register.filter
def standing_of(table: dict, registration):
    return table.get(registration.pk) if table else None
