"""With DEBUG off the portal refuses to start on settings that only suit a laptop."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "deploy-check-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
    "ALLOWED_HOSTS": "gzf.example.org",
    "FIELD_ENCRYPTION_KEY": "ZGV2LW9ubHkta2V5LW5ldmVyLXVzZS1pbi1wcm9kISE=",
    "FIELD_HMAC_KEY": "deploy-check-hmac-key",
    "SMS_BACKEND": "tencent",
    "DATABASE_URL": "sqlite:////tmp/bphc-deploy-check.sqlite3",
}
REDIS = "redis" in settings.CACHES["default"]["BACKEND"].lower()


def _check(**overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(PRODUCTION, **overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_a_local_memory_cache_is_refused():
    result = _check()
    assert result.returncode != 0
    assert "bphc.E001" in result.stderr


def test_a_dummy_cache_is_refused():
    result = _check(CACHE_URL="dummycache://")
    assert result.returncode != 0
    assert "bphc.E001" in result.stderr


@pytest.mark.parametrize("backend", ["outbox", "console"])
def test_the_development_sms_backends_are_refused(backend):
    result = _check(CACHE_URL=os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/3"), SMS_BACKEND=backend)
    assert result.returncode != 0
    assert "bphc.E002" in result.stderr


@pytest.mark.skipif(not REDIS, reason="needs a Redis CACHE_URL")
def test_redis_passes():
    result = _check(CACHE_URL=os.environ["CACHE_URL"])
    assert result.returncode == 0, result.stderr


def test_a_development_checkout_is_not_refused():
    env = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "DEBUG")}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
