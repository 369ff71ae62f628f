"""What a process keeps of the shared catalogue (rentals/catalogue.py `kept`): read once, kept by
key, bounded; a miss is never kept, so what another server writes later is read."""

from django.core.cache import cache

from rentals.catalogue import _Kept


def test_a_value_read_from_the_shared_cache_is_kept_and_a_miss_is_not():
    kept = _Kept()
    cache.set("k:one", ["a"])
    assert kept.get_many(["k:one", "k:two"]) == {"k:one": ["a"]}
    cache.delete("k:one")
    cache.set("k:two", "written later, by another server")
    assert kept.get_many(["k:one", "k:two"]) == {"k:one": ["a"], "k:two": "written later, by another server"}


def test_a_value_written_is_in_both():
    kept = _Kept()
    kept.set("k:three", 3)
    assert cache.get("k:three") == 3 and _Kept().get("k:three") == 3 and kept.get("k:three") == 3


def test_the_least_recently_used_go_beyond_the_limit():
    kept = _Kept()
    kept.LIMIT = 3
    for n in range(3):
        kept.set(f"k:{n}", n)
    kept.get("k:0")  # used: k:1 is now the oldest
    kept.set("k:3", 3)
    cache.clear()
    assert kept.get_many([f"k:{n}" for n in range(4)]) == {"k:0": 0, "k:2": 2, "k:3": 3}
