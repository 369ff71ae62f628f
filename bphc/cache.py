"""Redis as a cache only: when it is away, pages keep working and limits refuse.

Every fact a page needs is in the database, so a read from an unreachable Redis is a
miss and a write is dropped, with a log line (at most one per half minute per process).
Rate limits must not pass unlimited, so `bphc.limits` uses `.strict`, whose errors are
raised. redis-py reconnects on the next call, so nothing needs a restart when it returns.
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

log = logging.getLogger("bphc.cache")

_MISS_AS = {"add": False, "get": None, "set": None, "touch": False, "delete": False, "get_many": {},
            "has_key": False, "set_many": [], "delete_many": None, "clear": False}
LOG_EVERY = 30.0


class _Strict:
    """The same connection pool, with errors raised."""

    def __init__(self, cache: RedisCache) -> None:
        self._cache = cache

    def __getattr__(self, name: str):
        return functools.partial(getattr(RedisCache, name), self._cache)


class _ReusedClients(RedisCacheClient):
    """One redis.Redis per connection pool, not one per operation: Django's client builds a new
    one (with its table of ~170 response callbacks) for every get and set, 0.1 ms of each (issue
    18). redis.Redis is safe to share between threads, and its pool reconnects after a fork or
    a restart of Redis, so nothing is lost by keeping it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class ResilientRedisCache(RedisCache):
    _down_since: float | None = None
    _logged_at: float = 0.0

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _ReusedClients

    @functools.cached_property
    def strict(self) -> _Strict:
        return _Strict(self)

    def _failed(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if self._down_since is None:
            self._down_since = now
        if now - self._logged_at >= LOG_EVERY:
            self._logged_at = now
            log.error("Cache unavailable (%s on %s); pages read the database, codes and logins are refused",
                      type(exc).__name__, operation)

    def _succeeded(self) -> None:
        if self._down_since is not None:
            log.warning("Cache available again after %.0f s", time.monotonic() - self._down_since)
            self._down_since = None
            self._logged_at = 0.0
            self._drop_sessions()

    def _drop_sessions(self) -> None:
        # A session saved or ended while Redis was away changed only in the database; its
        # cached copy is stale (a logout would come back), so every cached session goes and
        # is read again from the database.
        from django.contrib.sessions.backends.cached_db import KEY_PREFIX

        try:
            client = self._cache.get_client(write=True)
            for key in client.scan_iter(match=f"*{KEY_PREFIX}*", count=1000):
                client.delete(key)
        except RedisError as exc:
            self._failed("drop_sessions", exc)


def _tolerant(name: str):
    strict = getattr(RedisCache, name)

    @functools.wraps(strict)
    def method(self, *args, **kwargs):
        try:
            result = strict(self, *args, **kwargs)
        except RedisError as exc:
            self._failed(name, exc)
            if name == "get":
                return kwargs.get("default", args[1] if len(args) > 1 else None)
            return _MISS_AS[name]
        self._succeeded()
        return result

    return method


for _name in _MISS_AS:
    setattr(ResilientRedisCache, _name, _tolerant(_name))
