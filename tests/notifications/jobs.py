"""Run the delivery queue in the test's own process and transaction, as a worker would."""

import datetime as dt
from unittest import mock

from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult


def run_jobs() -> None:
    """Every job that is due, through django-tasks-db's own worker loop (`db_worker --batch`).

    The loop closes connections it thinks stale, and inside the test's transaction (autocommit
    off) PostgreSQL's looks so; Django's test client skips that close for the same reason.
    """
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", batch=True, interval=0, reload=False, startup_delay=False, verbosity=0)


def pass_time(seconds: float) -> None:
    """Make jobs due `seconds` from now due at once, as if that time had passed."""
    later = timezone.now() + dt.timedelta(seconds=seconds)
    due = DBTaskResult.objects.filter(status="READY", run_after__lte=later).exclude(run_after__year=9999)
    due.update(run_after=timezone.now() - dt.timedelta(seconds=1))
