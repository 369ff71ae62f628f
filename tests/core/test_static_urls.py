"""The pages link each static file by its hashed name, as WhiteNoise's storage names it, with the
address kept per process (bphc/staticfiles.py): the same links as the stock storage, a missing
file still refused, and a new collectstatic linked at once."""

import pytest
from django.core.management import call_command
from whitenoise.storage import CompressedManifestStaticFilesStorage

from bphc.staticfiles import StaticStorage

PRODUCTION_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}


@pytest.fixture
def collected(tmp_path, settings):
    """A static root of our own, collected with the production storage."""
    source = tmp_path / "source"
    (source / "css").mkdir(parents=True)
    (source / "css" / "page.css").write_text("body { color: #111; }\n")
    settings.STATICFILES_DIRS = [source]
    settings.STATIC_ROOT = tmp_path / "root"
    settings.STORAGES = {"default": PRODUCTION_STORAGE,
                         "staticfiles": {"BACKEND": "bphc.staticfiles.StaticStorage"}}
    settings.DEBUG = False
    call_command("collectstatic", interactive=False, verbosity=0)
    return source


def test_the_links_are_the_stock_storages(collected):
    ours, stock = StaticStorage(), CompressedManifestStaticFilesStorage()
    for name in ("css/page.css", "css/page.css", "css/page.css?v=1#top"):
        assert ours.url(name) == stock.url(name)
    hashed = ours.url("css/page.css")
    assert hashed.startswith("/static/css/page.") and hashed != "/static/css/page.css"


def test_a_missing_file_is_refused_every_time(collected):
    storage = StaticStorage()
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/none.css")


def test_debug_links_the_plain_name(collected, settings):
    storage = StaticStorage()
    hashed = storage.url("css/page.css")
    settings.DEBUG = True
    assert storage.url("css/page.css") == "/static/css/page.css"
    settings.DEBUG = False
    assert storage.url("css/page.css") == hashed


def test_a_new_collectstatic_is_linked_at_once(collected):
    from django.contrib.staticfiles.storage import staticfiles_storage

    before = staticfiles_storage.url("css/page.css")
    (collected / "css" / "page.css").write_text("body { color: #000; }\n")
    call_command("collectstatic", interactive=False, verbosity=0)
    after = staticfiles_storage.url("css/page.css")
    assert after != before and after == CompressedManifestStaticFilesStorage().url("css/page.css")

