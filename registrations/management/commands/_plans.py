"""What the registrations commands share: finding the plan an operator names."""

from django.core.management.base import CommandError

from rentals.models import Plan


def get_plan(code: str) -> Plan:
    """The plan with this 计划编号, or a CommandError that lists the codes there are."""
    # Operators type codes as they remember them: gzf-2026-ks04 is GZF-2026-KS04.
    plan = Plan.objects.filter(code__iexact=code.strip()).first()
    if plan is None:
        codes = list(Plan.objects.order_by("-opens_at").values_list("code", flat=True)[:10])
        known = "、".join(codes) if codes else "（尚无配租计划）"
        raise CommandError(f"未找到计划编号为“{code}”的配租计划。现有计划编号：{known}")
    return plan
