"""The waiting room's store must be shared by every app server in production."""

from django.conf import settings
from django.core import checks


def shared_store_in_production(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if not settings.ADMISSION_STORE_URL.startswith("memory:"):
        return []
    return [checks.Error(
        "ADMISSION_STORE_URL is memory://, which each process keeps for itself: two app servers "
        "would give the same family two places and admit twice the rate.",
        hint="Set CACHE_URL=redis://… or ADMISSION_STORE_URL=redis://… (README, 'The waiting room').",
        id="admission.E001",
    )]


def register() -> None:
    """Only with DEBUG off at start-up, like bphc.checks."""
    if not settings.DEBUG:
        checks.register(shared_store_in_production)
