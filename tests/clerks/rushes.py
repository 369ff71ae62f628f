"""A plan that opened on the hour, so a simulated rush falls into known hourly buckets."""

import datetime as dt

from django.utils import timezone

from rentals.models import Plan, Project


def open_on_the_hour(project: Project, hours_ago: int = 30) -> Plan:
    plan = project.plan
    start = timezone.localtime(timezone.now() - dt.timedelta(hours=hours_ago)).replace(minute=0, second=0,
                                                                                       microsecond=0)
    Plan.objects.filter(pk=plan.pk).update(opens_at=start)
    plan.refresh_from_db()
    return plan
