"""The one helper every clerk and operator write goes through."""

import getpass
import os
import shlex
import sys

from django.db import models

from .models import AuditLog, User


def os_user() -> str:
    """Who ran the command, as far as the machine knows: the audit log's "who" for operators."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "未知用户"


def running_command() -> tuple[str, str] | None:
    """(name, whole command line) when this process is a management command, else None."""
    argv = sys.argv or [""]
    program = os.path.basename(argv[0])
    if program not in ("manage.py", "django-admin") or len(argv) < 2 or argv[1] == "runserver":
        return None
    return argv[1], shlex.join([program, *argv[1:]])[:300]


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    reason: str = "",
    details: dict | None = None,
    actor_label: str = "",
    command: str = "",
) -> AuditLog:
    """Write one audit row; call it inside the transaction of the change it records.

    A row written by an operator's command (`command`, or this process is `manage.py <name>`)
    names the operating-system user and the command line, never just "系统".
    """
    details = dict(details or {})
    label = actor_label or (str(actor.get_full_name()) if actor is not None else "系统")
    running = running_command()
    if actor is None and (command or running):
        name, line = running or (command, f"manage.py {command}")
        if command and name != command:
            line = f"manage.py {command}"
        user = os_user()
        details.update(os_user=user, command=line)
        label = f"{actor_label}，操作系统用户 {user}" if actor_label else f"命令行（{user}）：{command or name}"
    return AuditLog.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=label[:100],
        action=action,
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        reason=reason,
        details=details,
    )
