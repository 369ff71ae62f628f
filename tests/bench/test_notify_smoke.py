"""A few seconds of the rush with the notification worker (issue 15, "Measure"): the stack sends
through the fake Tencent provider (bench/fakesms.py), a db_worker drains the queue, is SIGKILLed
halfway and started again, and every registration's 登记成功 reaches the provider exactly once,
but for the one the dead worker had in flight.
"""

import pytest

from tests.bench.test_smoke import DB, _bench_db_url, run_bench

pytestmark = pytest.mark.skipif(
    DB["ENGINE"] != "django.db.backends.postgresql",
    reason="the rush benchmark needs PostgreSQL: run the suite with DATABASE_URL=postgres://… (CI does)",
)


def test_every_registration_reaches_the_provider_once_across_a_killed_worker(tmp_path):
    # 200 ms: slower than the rush registers, so a backlog is left for the kill to land in.
    size = run_bench(tmp_path, _bench_db_url() + "_sms", [
        "--sizes", "12x60", "--floor-requests", "10", "--time-limit", "90",
        "--sms-latency", "200", "--sms-workers", "2", "--kill-worker", "--drain-timeout", "90",
    ])
    n = size["notifications"]
    assert n["registrations"] == size["registrations"] > 0
    assert n["rows"] == n["registrations"] and n["statuses"] == {"sent": n["registrations"]}
    assert n["missing"] == [] and n["unknown_at_fake"] == []
    assert n["reached_once"] + len(n["duplicates"]) == n["registrations"]
    # The kill happened with messages still queued; only what it had in flight may repeat.
    assert 0 < n["kill"]["sent_before"] < n["registrations"]
    # Killed while waiting for the provider: that message was taken, its 已发送 never written,
    # so notifications_due re-enqueues it and it goes out twice — the only one that does.
    assert len(n["kill"]["in_flight"]) == 1
    assert n["duplicates_not_in_flight"] == []
    assert n["duplicates"] == {n["kill"]["in_flight"][0]: 2}
