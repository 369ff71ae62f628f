"""A real `manage.py db_worker` process sends what a committed registration enqueued."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import SmsMessage
from notifications.models import Notification
from registrations.services import registration_create

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_sends_the_registration_notice(family, quick_project):
    if connection.vendor != "postgresql":
        pytest.skip("the SQLite test database lives in this process's memory; CI runs this on PostgreSQL")
    registration, _ = registration_create(
        filing=family.filing, actor=family, project=quick_project, unit_type="一居室", acknowledged=True
    )
    env = {**os.environ, "DATABASE_URL": _database_url(), "SMS_BACKEND": "outbox", "DEBUG": "1"}
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not SmsMessage.objects.exists() and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        output = worker.communicate(timeout=30)[0]
    assert worker.returncode == 0, output
    message = SmsMessage.objects.get()
    assert message.phone == family.phone and registration.number in message.text
    assert Notification.objects.get().status == Notification.Status.SENT
