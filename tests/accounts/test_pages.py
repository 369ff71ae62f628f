import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from accounts.models import SmsMessage

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
class TestPages:
    def test_home_leads_to_the_public_rental_module(self, client):
        page = client.get("/").content.decode()
        assert "多元业务" in page and "公共租赁住房" in page
        assert "业务办理" in client.get("/gzf/").content.decode()

    def test_a_missing_page_answers_in_chinese(self, client):
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert "页面不存在" in response.content.decode()

    def test_the_dev_outbox_page_lists_messages_when_debug_is_on(self, client):
        SmsMessage.objects.create(phone="13812345678", text="【北京保障房中心】验证码：123456")
        with override_settings(DEBUG=True):
            page = client.get("/dev/sms/").content.decode()
        assert "123456" in page and "13812345678" in page

    def test_the_dev_outbox_page_does_not_exist_when_debug_is_off(self, client):
        SmsMessage.objects.create(phone="13812345678", text="验证码：123456")
        with override_settings(DEBUG=False):
            response = client.get("/dev/sms/")
        assert response.status_code == 404
        assert "123456" not in response.content.decode()


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in (*PRODUCTION, "DATABASE_URL")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-production-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "gzf.example.cn",
    "SMS_BACKEND": "tencent",
    "CACHE_URL": "redis://127.0.0.1:6379/9",
    "FIELD_ENCRYPTION_KEY": "cHJvZHVjdGlvbi1rZXktZm9yLXRoZS1kZXBsb3ktY2g=",
    "FIELD_HMAC_KEY": "a-production-hmac-key-for-the-deploy-check",
}


def test_production_settings_pass_the_deploy_check():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEY", "FIELD_HMAC_KEY"])
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG is off" in result.stderr
