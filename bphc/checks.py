"""System checks for settings that are only wrong in production (DEBUG off)."""

from django.conf import settings
from django.core import checks

# Per-process caches: every limit would be multiplied by workers × servers.
NOT_SHARED_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache": "一个进程一份（local memory）",
    "django.core.cache.backends.dummy.DummyCache": "什么都不存（dummy）",
}
# Backends that keep or print a message's text (and so the codes) where many can read it.
DEV_SMS_BACKENDS = {"outbox", "console"}


def shared_cache_in_production(app_configs, **kwargs) -> list[checks.CheckMessage]:
    name = getattr(settings, "RATELIMIT_USE_CACHE", "default")
    backend = settings.CACHES.get(name, {}).get("BACKEND", "")
    if backend in NOT_SHARED_CACHES:
        return [checks.Error(
            f"The rate-limit cache '{name}' is {backend}, which is not shared between processes: "
            "every limit would be multiplied by workers × servers.",
            hint="Set CACHE_URL=redis://… (see README, 'Running in production').",
            id="bphc.E001",
        )]
    return []


def real_sms_in_production(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.SMS_BACKEND not in DEV_SMS_BACKENDS:
        return []
    return [checks.Error(
        f"SMS_BACKEND={settings.SMS_BACKEND!r} keeps message texts, codes included, in the "
        "database or the log; it is for development only.",
        hint="Set SMS_BACKEND=tencent with its SMS_TENCENT_* settings.",
        id="bphc.E002",
    )]


def register() -> None:
    """Register the production checks when the process starts with DEBUG off.

    Decided at start-up, not per run: the test runner turns DEBUG off after start-up,
    and a development checkout's commands must not be refused for that.
    """
    if not settings.DEBUG:
        checks.register(shared_cache_in_production, checks.Tags.caches)
        checks.register(real_sms_in_production)
