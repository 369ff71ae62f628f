"""The one helper every clerk and operator write goes through."""

from django.db import models

from .models import AuditLog, User


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    reason: str = "",
    details: dict | None = None,
    actor_label: str = "",
) -> AuditLog:
    """Write one audit row; call it inside the transaction of the change it records."""
    return AuditLog.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor_label or (str(actor.get_full_name()) if actor is not None else "系统"),
        action=action,
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        reason=reason,
        details=details or {},
    )
