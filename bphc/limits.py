"""Every rate limit of the portal: counters in the shared cache that fail closed.

A limit that cannot be read must refuse, never pass unlimited: when the cache errors,
each function here raises `Unavailable` and the caller shows its "busy" message. The
counters live in the cache named by RATELIMIT_USE_CACHE; a cache backend may offer a
`strict` view (bphc.cache) whose errors are raised instead of turned into misses.
"""

import hashlib
import logging
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

log = logging.getLogger("bphc.limits")

BUSY_SMS = "系统繁忙，暂时无法发送验证码，请稍后再试。"
BUSY_LOGIN = "系统繁忙，暂时无法登录，请稍后再试。"
BUSY_VERIFY = "系统繁忙，暂时无法认证，请稍后再试。"

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


class Unavailable(Exception):
    """The shared counters cannot be read or written."""


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """'10/d', '60/h', '5/15m' as in django-ratelimit."""
        match = _RATE_RE.match(text or "")
        if not match:
            raise ValueError(f"not a rate: {text!r}")
        count, multiple, unit = match.groups()
        return cls(int(count), int(multiple or 1) * _PERIODS[unit])


def _store():
    backend = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    return getattr(backend, "strict", backend)


def _guarded(operation, *args, **kwargs):
    try:
        return operation(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - any failure of the counters must refuse, whatever raised it
        log.error("Rate-limit counters unavailable (cache down?): %s", type(exc).__name__)
        raise Unavailable from exc


def _key(group: str, key: str, period: int, now: float | None = None) -> str:
    # Fixed windows aligned on the period; the key itself is hashed so that no phone or
    # address is stored in the cache in clear.
    window = int(now if now is not None else time.time()) // period
    digest = hashlib.sha256(f"{group}\0{key}".encode()).hexdigest()[:32]
    return f"rl:{group}:{period}:{window}:{digest}"


def used(group: str, key: str, rate: str | Rate) -> int:
    """How much of the current window is spent, without spending."""
    rate = rate if isinstance(rate, Rate) else Rate.parse(rate)
    return int(_guarded(_store().get, _key(group, key, rate.period), 0) or 0)


def spend(group: str, key: str, rate: str | Rate) -> int:
    """Count one use in the current window and return the new count."""
    rate = rate if isinstance(rate, Rate) else Rate.parse(rate)
    store, cache_key = _store(), _key(group, key, rate.period)
    # add() then incr() is atomic on Redis and on the local-memory cache alike.
    _guarded(store.add, cache_key, 0, rate.period + 60)
    try:
        return int(_guarded(store.incr, cache_key))
    except Unavailable as exc:
        if isinstance(exc.__cause__, ValueError):  # expired between add and incr: a new window
            _guarded(store.add, cache_key, 1, rate.period + 60)
            return 1
        raise


def exceeded(group: str, key: str, rate: str | Rate, *, increment: bool = True) -> bool:
    """True when this use (counted when `increment`) goes over the rate's limit."""
    rate = rate if isinstance(rate, Rate) else Rate.parse(rate)
    count = spend(group, key, rate) if increment else used(group, key, rate) + 1
    return count > rate.limit


def window_left(rate: str | Rate) -> int:
    """Seconds until the current fixed window of `rate` ends and its count starts again."""
    rate = rate if isinstance(rate, Rate) else Rate.parse(rate)
    return rate.period - int(time.time()) % rate.period


def refund(group: str, key: str, rate: str | Rate) -> None:
    """Give back one use counted by `spend` (an action that did not happen after all)."""
    rate = rate if isinstance(rate, Rate) else Rate.parse(rate)
    try:
        _guarded(_store().decr, _key(group, key, rate.period))
    except Unavailable as exc:
        if not isinstance(exc.__cause__, ValueError):
            raise


def claim(name: str, seconds: int) -> bool:
    """Take a short lock such as a resend wait; False when someone holds it already."""
    if seconds <= 0:
        return True
    # The value is when the claim ends, so that `remaining` can say how long to wait.
    return bool(_guarded(_store().add, f"rl:claim:{name}", time.time() + seconds, seconds))


def remaining(name: str) -> int:
    """Whole seconds left on a claim (rounded up), or 0."""
    until = _guarded(_store().get, f"rl:claim:{name}")
    return max(0, int(float(until) - time.time() + 0.999)) if until is not None else 0


def release(name: str) -> None:
    _guarded(_store().delete, f"rl:claim:{name}")
