"""Receipts (登记回执): the print preview and the PDF, with a QR code to the verify page."""

import mimetypes
from urllib.parse import unquote, urlsplit

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from bphc.masking import mask_id_number

from .models import Registration


def verify_url(request: HttpRequest, registration: Registration) -> str:
    return request.build_absolute_uri(
        reverse("registrations:verify", args=[registration.number, registration.check_code])
    )


def build(request: HttpRequest, rows) -> list[dict]:
    receipts = []
    for registration in rows:
        url = verify_url(request, registration)
        receipts.append({
            "r": registration,
            "name": registration.filing.applicant_name,
            "masked_id": mask_id_number(registration.filing.id_number),
            "verify_url": url,
            "qr": segno.make(url, error="m").svg_data_uri(scale=3, border=2),
        })
    return receipts


def render_pdf(request: HttpRequest, rows) -> bytes:
    # Imported here: WeasyPrint loads Pango at import time, which only this view needs.
    from weasyprint import HTML

    html = render_to_string("registrations/receipt_pdf.html", {"receipts": build(request, rows)})
    return HTML(string=html, base_url=request.build_absolute_uri("/"), url_fetcher=own_files_fetcher()).write_pdf()


def own_files_fetcher():
    """A WeasyPrint URL fetcher that reads only `data:` URLs and our own static files.

    Whatever ends up in a receipt's HTML must not make the server open its own files or
    reach another machine (file:, http: to an internal address) while it renders.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class OwnFilesFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = _static_path(url)
            if path is None:
                raise ValueError(f"receipts may only use data: URLs and static files, not {url[:80]}")
            with open(path, "rb") as file:
                body = file.read()
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return OwnFilesFetcher(allowed_protocols={"data"}, allow_redirects=False)


def _static_path(url: str) -> str | None:
    """The file behind one of our static URLs (http(s)://any host/static/…), else None."""
    parts = urlsplit(url)
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    if parts.scheme not in ("http", "https") or not parts.path.startswith(prefix):
        return None
    name = unquote(parts.path[len(prefix):])
    if not name or ".." in name.split("/"):
        return None
    return finders.find(name)
