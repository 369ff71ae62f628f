import datetime as dt

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from accounts.models import SmsMessage
from accounts.sms import SmsError
from notifications.models import Notification
from notifications.services import notification_enqueue, notifications_recover
from registrations.models import Registration
from registrations.services import registration_cancel, registration_create

from .jobs import pass_time, run_jobs

pytestmark = pytest.mark.django_db


def _register(family, project):
    registration, _ = registration_create(
        filing=family.filing, actor=family, project=project, unit_type="一居室", acknowledged=True
    )
    return registration


class Boom(Exception):
    pass


def test_a_registration_writes_its_notification_and_the_worker_sends_it(family, quick_project):
    registration = _register(family, quick_project)
    notification = Notification.objects.get()
    assert notification.about == registration and notification.phone == family.phone
    assert notification.status == Notification.Status.PENDING and notification.purpose == "registered"
    assert not SmsMessage.objects.exists()  # nothing is sent inside the request

    run_jobs()

    text = SmsMessage.objects.get(phone=family.phone).text
    assert registration.number in text and "成功登记" in text
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT and notification.attempts == 1
    assert notification.sent_at is not None


def test_the_job_written_out_is_the_row_django_tasks_enqueue_writes(family, quick_project):
    from notifications.tasks import deliver

    _register(family, quick_project)
    notification = Notification.objects.get()
    written = DBTaskResult.objects.get(pk=notification.job_id)
    enqueued = DBTaskResult.objects.get(pk=deliver.enqueue(str(notification.pk)).id)
    columns = [f.attname for f in DBTaskResult._meta.concrete_fields if f.attname not in ("id", "enqueued_at")]
    assert {c: getattr(written, c) for c in columns} == {c: getattr(enqueued, c) for c in columns}
    assert written.enqueued_at <= enqueued.enqueued_at and written.task_result.status == "READY"
    assert written.task_result.task.func is deliver.func


def test_a_rolled_back_registration_leaves_no_notification_and_no_job(family, quick_project):
    with pytest.raises(Boom), transaction.atomic():
        _register(family, quick_project)
        assert Notification.objects.count() == 1
        raise Boom
    assert not Registration.objects.exists()
    assert not Notification.objects.exists() and not DBTaskResult.objects.exists()
    run_jobs()
    assert not SmsMessage.objects.exists()


def test_a_cancellation_is_notified_about_the_registration(family, quick_project):
    registration = _register(family, quick_project)
    registration_cancel(registration=registration, actor=family)
    run_jobs()
    cancelled = Notification.objects.get(purpose="cancelled")
    assert cancelled.about == registration and cancelled.status == Notification.Status.SENT
    assert SmsMessage.objects.filter(phone=family.phone, text__contains="已取消").count() == 1


def test_a_provider_error_retries_with_backoff_and_ends_failed_after_the_last_try(family, monkeypatch):
    tries = []

    def refuse(phone, template, context=None, params=None):
        tries.append(phone)
        raise SmsError("LimitExceeded.PhoneNumberDailyLimit")

    monkeypatch.setattr("notifications.services.send_sms", refuse)
    with transaction.atomic():
        notification = notification_enqueue(phone=family.phone, purpose="phone_changed",
                                            params={"when": "2026-12-02 08:00", "new_phone": "136****6666"})
    run_jobs()
    delays = []
    for _ in range(4):
        notification.refresh_from_db()
        assert notification.status == Notification.Status.PENDING
        delays.append(notification.next_attempt_at - notification.last_attempt_at)
        run_jobs()  # not due yet: nothing happens
        assert len(tries) == len(delays)
        pass_time(delays[-1].total_seconds() + 1)
        run_jobs()
    notification.refresh_from_db()
    assert len(tries) == 5 and notification.attempts == 5
    assert notification.status == Notification.Status.FAILED
    assert notification.error == "LimitExceeded.PhoneNumberDailyLimit"
    # 2, 4, 8, 16 minutes: five tries over half an hour.
    assert [round(d.total_seconds() / 60) for d in delays] == [2, 4, 8, 16]
    pass_time(3600)
    run_jobs()
    assert len(tries) == 5


def test_a_sent_notification_is_never_sent_again(family, quick_project):
    _register(family, quick_project)
    notification = Notification.objects.get()
    run_jobs()
    # A stray second job for it (a retry, a recovered job, a second worker) sends nothing.
    from notifications.tasks import deliver

    assert deliver.enqueue(str(notification.pk)) is not None
    run_jobs()
    assert SmsMessage.objects.filter(phone=family.phone).count() == 1
    assert notifications_recover() == 0


def test_a_notification_being_sent_by_another_worker_is_not_sent_twice(family, quick_project):
    from django.utils import timezone

    _register(family, quick_project)
    notification = Notification.objects.get()
    Notification.objects.filter(pk=notification.pk).update(claimed_until=timezone.now() + dt.timedelta(seconds=30))
    run_jobs()
    assert not SmsMessage.objects.exists()


def test_a_job_lost_with_its_worker_is_enqueued_again_and_sent_once(family, quick_project, settings):
    from django.utils import timezone

    _register(family, quick_project)
    notification = Notification.objects.get()
    # A worker took the job and was killed before it sent: the job stays RUNNING for ever.
    long_ago = timezone.now() - dt.timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS + 5)
    DBTaskResult.objects.update(status="RUNNING", started_at=long_ago)
    Notification.objects.filter(pk=notification.pk).update(
        attempts=1, claimed_until=long_ago, next_attempt_at=long_ago, last_attempt_at=long_ago
    )
    run_jobs()
    assert not SmsMessage.objects.exists()

    assert notifications_recover() == 1
    assert notifications_recover() == 0  # its new job is live
    run_jobs()
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT and notification.attempts == 2
    assert SmsMessage.objects.filter(phone=family.phone).count() == 1
