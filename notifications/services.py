"""The one way to promise a family an SMS, and the writes that move a notification on."""

import datetime as dt
import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from accounts.audit import audit_record
from accounts.models import User
from accounts.sms import SmsError, send_sms
from bphc.masking import mask_phone
from bphc.statements import insert_all

from .models import Notification, PlanReminder

log = logging.getLogger("bphc.notifications")


def notification_enqueue(*, phone: str, purpose: str, params: dict, about: models.Model | None = None) -> Notification:
    """Write the notification and its delivery job in the caller's transaction (call it inside one).

    Roll the caller back and both are gone; commit it and a worker sends the text. No savepoint
    of its own: one INSERT of the two rows (two on SQLite) is all it adds to a registration.
    """
    from .tasks import deliver

    now = timezone.now()
    notification = Notification(
        phone=phone, purpose=purpose, params=params, created_at=now, next_attempt_at=now,
        about_type=ContentType.objects.get_for_model(about) if about is not None else None,
        about_id=about.pk if about is not None else None,
    )
    job = _delivery_job(deliver, str(notification.pk))
    notification.job_id = job.id
    # Written out, the two in one statement: every registration of the rush makes them (bphc/statements.py).
    insert_all(job, notification)
    return notification


def _delivery_job(deliver, notification_id: str) -> DBTaskResult:
    """The row `deliver.enqueue(notification_id)` writes, made here for the caller to insert:
    enqueue checks the task's signature, builds its result object twice and sends a signal whose
    receiver logs a debug line, and its INSERT goes through the ORM — 0.33 ms of app CPU against
    0.17 written out, for every registration of the rush (bench/README.md). Runs as soon as a
    worker is free, as a job enqueued without `run_after` does; a later retry goes through `enqueue` (`_schedule`).
    tests/notifications/test_delivery.py compares the row with enqueue's."""
    backend = deliver.get_backend()
    job = DBTaskResult(id=backend._get_id(), args_kwargs={"args": [notification_id], "kwargs": {}},
                       priority=deliver.priority, task_path=deliver.module_path, queue_name=deliver.queue_name,
                       run_after=get_date_max(), backend_name=backend.alias)
    return job


def _schedule(notification_id, *, run_after: dt.datetime, **changes) -> None:
    """A new delivery job for the notification; the caller holds the transaction."""
    from .tasks import deliver

    task = deliver.using(run_after=run_after) if run_after > timezone.now() else deliver
    job = task.enqueue(str(notification_id))
    Notification.objects.filter(pk=notification_id).update(job_id=job.id, next_attempt_at=run_after, **changes)


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff: 2, 4, 8, 16 minutes after tries 1–4 (30 minutes for five tries)."""
    return dt.timedelta(seconds=settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** (attempts - 1))


def notification_deliver(notification_id: str) -> str:
    """Send one notification unless it is sent, given up, or being sent by another worker."""
    now = timezone.now()
    lease = dt.timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
    # The claim: one conditional UPDATE, so two jobs for the same notification (a retry and
    # a recovered one, or two workers) never both send it.
    claimed = Notification.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=notification_id, status=Notification.Status.PENDING,
    ).update(claimed_until=now + lease, attempts=F("attempts") + 1, last_attempt_at=now)
    if claimed != 1:
        return "skipped"
    notification = Notification.objects.get(pk=notification_id)
    try:
        message_id = send_sms(notification.phone, notification.purpose, notification.params)
    except Exception as exc:  # noqa: BLE001 — any failure of the transport is a failed try, not a lost message
        if not isinstance(exc, SmsError):
            log.exception("Notification %s: the transport failed unexpectedly", notification_id)
        return _failed_try(notification, str(exc) or type(exc).__name__)
    Notification.objects.filter(pk=notification_id).update(
        status=Notification.Status.SENT, sent_at=timezone.now(), provider_message_id=message_id or "",
        error="", claimed_until=None,
    )
    return "sent"


def _failed_try(notification: Notification, error: str) -> str:
    now = timezone.now()
    with transaction.atomic():
        if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            Notification.objects.filter(pk=notification.pk).update(
                status=Notification.Status.FAILED, error=error[:300], claimed_until=None,
            )
            log.warning("Notification %s to %s failed after %s tries: %s", notification.pk,
                        mask_phone(notification.phone), notification.attempts, error)
            return "failed"
        _schedule(notification.pk, run_after=now + retry_delay(notification.attempts),
                  error=error[:300], claimed_until=None)
    return "retry"


def notification_resend(*, notification: Notification, clerk: User, reason: str = "") -> bool:
    """Give a failed notification a fresh set of tries; audited. False if it was not failed."""
    with transaction.atomic():
        changed = Notification.objects.filter(pk=notification.pk, status=Notification.Status.FAILED).update(
            status=Notification.Status.PENDING, attempts=0,
        )
        if changed != 1:
            return False
        _schedule(notification.pk, run_after=timezone.now())
        audit_record(
            actor=clerk, action="重新发送短信通知", target=notification, reason=reason,
            details={"purpose": notification.purpose, "phone": mask_phone(notification.phone),
                     "error": notification.error},
        )
    return True


def notifications_recover(*, now: dt.datetime | None = None) -> int:
    """Re-enqueue pending notifications whose job was lost (its worker was killed); their count."""
    now = now or timezone.now()
    lease = dt.timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
    live_jobs = DBTaskResult.objects.filter(
        Q(status="READY") | Q(status="RUNNING", started_at__gt=now - lease)
    ).values("id")
    lost = list(
        Notification.objects.filter(status=Notification.Status.PENDING, next_attempt_at__lt=now - lease)
        .exclude(claimed_until__gt=now)
        .exclude(job_id__in=live_jobs)
        .values_list("pk", flat=True)
    )
    for pk in lost:
        with transaction.atomic():
            _schedule(pk, run_after=now)
    if lost:
        log.warning("Re-enqueued %s notifications whose delivery job was lost", len(lost))
    return len(lost)


def plan_reminders_send(*, now: dt.datetime | None = None) -> int:
    """One SMS to each subscriber of every plan that has opened; the number enqueued."""
    now = now or timezone.now()
    due = PlanReminder.objects.filter(
        notified_at__isnull=True, plan__opens_at__lte=now, plan__closes_at__gt=now,
    ).select_related("plan", "user")
    sent = 0
    for reminder in due.iterator():
        with transaction.atomic():
            # Claimed like a unit: a second run of the command (or two at once) skips it.
            if PlanReminder.objects.filter(pk=reminder.pk, notified_at__isnull=True).update(notified_at=now) != 1:
                continue
            notification_enqueue(
                phone=reminder.user.phone, purpose=Notification.Purpose.PLAN_OPENED,
                params={"plan": reminder.plan.name,
                        "closes": timezone.localtime(reminder.plan.closes_at).strftime("%m月%d日%H:%M")},
                about=reminder.plan,
            )
            sent += 1
    return sent
