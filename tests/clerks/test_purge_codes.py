import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import SmsCode

pytestmark = pytest.mark.django_db


@pytest.fixture
def codes():
    now = timezone.now()
    SmsCode.issue(phone="13800000001", purpose="login", now=now - dt.timedelta(minutes=10))  # expired
    used, _ = SmsCode.issue(phone="13800000002", purpose="login")
    SmsCode.objects.filter(pk=used.pk).update(used_at=now)
    return SmsCode.issue(phone="13800000003", purpose="login")


def test_it_deletes_expired_and_used_codes_and_keeps_live_ones(codes):
    out = StringIO()
    call_command("purge_codes", stdout=out)
    assert list(SmsCode.objects.all()) == [codes[0]]
    assert "已删除 2 条" in out.getvalue() and "剩余 1 条" in out.getvalue()


def test_a_live_code_still_verifies_after_a_purge(codes):
    call_command("purge_codes", stdout=StringIO())
    assert SmsCode.verify(phone="13800000003", purpose="login", code=codes[1]) is None


def test_a_dry_run_counts_and_deletes_nothing(codes):
    out = StringIO()
    call_command("purge_codes", "--dry-run", stdout=out)
    assert SmsCode.objects.count() == 3 and "有 2 条" in out.getvalue()


def test_with_nothing_to_delete_it_says_so(db):
    out = StringIO()
    call_command("purge_codes", stdout=out)
    assert "已删除 0 条" in out.getvalue()
