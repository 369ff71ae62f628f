"""The app servers' gunicorn settings (bphc/gunicorn.conf.py): each worker takes what lives as long
as it does out of the garbage collector's walk, once up and again once its pages have been drawn."""

import gc
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest

CONF = Path(__file__).resolve().parents[2] / "bphc" / "gunicorn.conf.py"


@pytest.fixture
def conf(monkeypatch):
    monkeypatch.setenv("GUNICORN_GC_FREEZE_AFTER", "3")
    yield runpy.run_path(str(CONF))
    gc.unfreeze()


def test_a_worker_freezes_what_it_loaded_once_up_and_again_after_its_first_requests(conf):
    gc.unfreeze()
    conf["post_worker_init"](SimpleNamespace())
    after_init = gc.get_freeze_count()
    assert after_init > 1000  # Django, the settings, every view and what it imports
    kept = [[n] for n in range(100)]  # noqa: F841 - what the first requests leave loaded
    for nr in (1, 2):
        conf["post_request"](SimpleNamespace(nr=nr), None, {}, None)
    before_third = gc.get_freeze_count()
    assert before_third <= after_init  # nothing more frozen (a frozen object may still be freed)
    conf["post_request"](SimpleNamespace(nr=3), None, {}, None)
    assert gc.get_freeze_count() >= before_third + 100


def test_the_access_log_keeps_gunicorns_format_unless_one_is_given(monkeypatch):
    monkeypatch.delenv("GUNICORN_ACCESS_LOG_FORMAT", raising=False)
    assert "access_log_format" not in runpy.run_path(str(CONF))
    monkeypatch.setenv("GUNICORN_ACCESS_LOG_FORMAT", "%(m)s %(U)s %(s)s %(D)s")
    assert runpy.run_path(str(CONF))["access_log_format"] == "%(m)s %(U)s %(s)s %(D)s"
