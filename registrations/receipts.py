"""Receipts (登记回执): the print preview and the PDF, with a QR code to the verify page."""

import segno
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
    return HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
