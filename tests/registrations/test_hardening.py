"""Issue 12 item 11, the registration side: /verify/ limited, personal pages not stored, the PDF's fetcher."""

import pytest
from django.urls import reverse

from registrations import receipts
from registrations.services import registration_create
from registrations.views import VERIFY_RATE


@pytest.fixture
def registration(family, quick_project):
    registration, _ = registration_create(filing=family.filing, actor=family, project=quick_project,
                                          unit_type="一居室", acknowledged=True)
    return registration


@pytest.mark.django_db
class TestVerifyLimit:
    def test_guessing_check_codes_is_stopped_after_the_limit(self, stranger, registration):
        limit = int(VERIFY_RATE.split("/")[0])
        for i in range(limit):
            response = stranger.get(reverse("registrations:verify", args=[registration.number, f"GUESS{i:03d}"]))
            assert response.status_code == 404
        # Even the right code is refused now: the limit is on asking, not on failing.
        response = stranger.get(reverse("registrations:verify", args=[registration.number, registration.check_code]))
        assert response.status_code == 429
        assert "这是一份真实的登记回执" not in response.content.decode()

    def test_another_address_is_not_limited(self, stranger, registration):
        limit = int(VERIFY_RATE.split("/")[0])
        for _ in range(limit + 1):
            stranger.get(reverse("registrations:verify", args=[registration.number, "WRONG123"]))
        response = stranger.get(reverse("registrations:verify", args=[registration.number, registration.check_code]),
                                REMOTE_ADDR="10.0.0.9")
        assert response.status_code == 200


@pytest.mark.django_db
class TestNoStore:
    def test_the_familys_pages_and_pdf_are_not_stored(self, family_client, registration):
        for url in (reverse("registrations:records"), reverse("registrations:detail", args=[registration.pk]),
                    reverse("registrations:success", args=[registration.pk]),
                    reverse("registrations:print") + f"?ids={registration.pk}",
                    reverse("registrations:print_pdf") + f"?ids={registration.pk}",
                    reverse("accounts:center")):
            response = family_client.get(url)
            assert response.status_code == 200, url
            assert "no-store" in response["Cache-Control"], url

    def test_the_public_receipt_check_is_not_stored(self, stranger, registration):
        response = stranger.get(reverse("registrations:verify", args=[registration.number, registration.check_code]))
        assert "no-store" in response["Cache-Control"]


class TestPdfFetcher:
    def test_it_reads_data_urls(self):
        fetched = receipts.own_files_fetcher()("data:text/plain;base64,5a6J5YWo")
        assert fetched.read() == "安全".encode()

    def test_it_reads_our_static_files_without_the_network(self, settings):
        fetched = receipts.own_files_fetcher()("http://192.0.2.1/static/css/receipt.css")
        assert b".receipt" in fetched.read()

    @pytest.mark.parametrize("url", [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/x.png",
        "http://testserver/static/../bphc/settings.py",
        "http://testserver/static/%2e%2e/bphc/settings.py",
        "ftp://example.com/x",
    ])
    def test_it_refuses_everything_else(self, url):
        with pytest.raises(ValueError):
            receipts.own_files_fetcher()(url)

    def test_the_pdf_is_rendered_with_it(self, monkeypatch, rf):
        import weasyprint

        seen = {}

        class Spy:
            def __init__(self, **kwargs):
                seen.update(kwargs)

            def write_pdf(self):
                return b"%PDF"

        monkeypatch.setattr(weasyprint, "HTML", Spy)
        receipts.render_pdf(rf.get("/"), [])
        assert type(seen["url_fetcher"]).__name__ == "OwnFilesFetcher"
