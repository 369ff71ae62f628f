"""A cache operation reuses its Redis client (issue 18): Django's RedisCache built a new
redis.Redis, with its table of ~170 response callbacks, for every get and set — a tenth of a
millisecond of every page's CPU, three or four times a page."""

import pytest
import redis
from django.core.cache import caches

from tests.redis_server import RedisServer


@pytest.fixture
def redis_cache(settings, tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    settings.CACHES = {"default": {"BACKEND": "bphc.cache.ResilientRedisCache", "LOCATION": server.url}}
    yield caches["default"]
    server.kill()


def test_gets_and_sets_reuse_one_client(redis_cache, monkeypatch):
    built = []
    real_init = redis.Redis.__init__
    monkeypatch.setattr(redis.Redis, "__init__", lambda self, *a, **k: built.append(1) or real_init(self, *a, **k))
    for n in range(10):
        redis_cache.set(f"k{n}", n)
        assert redis_cache.get(f"k{n}") == n
    assert redis_cache.get_many(["k1", "k2"]) == {"k1": 1, "k2": 2}
    assert len(built) <= 1  # one server: reads and writes share its pool


def test_a_restarted_redis_is_used_again_by_the_same_client(settings, tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    settings.CACHES = {"default": {"BACKEND": "bphc.cache.ResilientRedisCache", "LOCATION": server.url,
                                   "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    cache = caches["default"]
    try:
        cache.set("before", 1)
        server.kill()
        assert cache.get("before") is None  # away: a miss, not an error
        server.start()  # the same port, empty
        cache.set("after", 2)
        assert cache.get("after") == 2
    finally:
        server.kill()
