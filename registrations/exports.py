"""A plan's active registrations as a spreadsheet, for `export_registrations` and the dashboard."""

import csv
import io
from collections.abc import Iterator
from typing import BinaryIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from rentals.models import Plan

from .models import Registration

HEADERS = ["登记编号", "备案编号", "申请人", "身份证号", "项目", "套型", "房源", "登记时间", "渠道", "工作人员"]
FORMATS = ("xlsx", "csv")
# What makes Excel, WPS or LibreOffice read a cell as a formula (OWASP "CSV injection"),
# with the full-width forms a Chinese IME types; NFKC would fold them back to the ASCII ones.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_cell(value: object) -> str:
    """A cell as inert text: a leading formula character gets an apostrophe in front."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_rows(plan: Plan, *, full_id: bool = False) -> Iterator[list[str]]:
    """One row per active registration, oldest first; ID numbers masked unless `full_id`."""
    rows = (
        Registration.objects.active().filter(plan=plan).with_related()
        .order_by("created_at", "id").iterator(chunk_size=2000)
    )
    for r in rows:
        yield [
            r.number,
            r.filing.filing_no,
            r.filing.applicant_name,
            r.filing.id_number if full_id else r.filing.masked_id_number,
            r.project.name,
            r.unit_type,
            r.unit.label if r.unit_id else "",
            timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            r.get_channel_display(),
            r.clerk.get_full_name() if r.clerk_id else "",
        ]


def write_export(plan: Plan, out: BinaryIO, *, fmt: str = "xlsx", full_id: bool = False) -> int:
    """Write the export to a binary stream; return the number of registrations written."""
    count = 0
    if fmt == "csv":
        # UTF-8 with a BOM, so that Excel on the centre's PCs shows the Chinese headers.
        text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow(HEADERS)
        for row in export_rows(plan, full_id=full_id):
            writer.writerow([safe_cell(v) for v in row])
            count += 1
        text.flush()
        text.detach()
        return count
    # write_only streams rows to disk, so a plan with 100,000 registrations stays in bounded memory.
    book = Workbook(write_only=True)
    sheet = book.create_sheet("登记名单")
    sheet.append(HEADERS)
    for row in export_rows(plan, full_id=full_id):
        sheet.append([_text_cell(sheet, v) for v in row])
        count += 1
    book.save(out)
    return count


def _text_cell(sheet, value: object) -> WriteOnlyCell:
    # A string cell with the text format: never a formula, and an ID number never a float.
    cell = WriteOnlyCell(sheet, value=safe_cell(value))
    cell.data_type = "s"
    cell.number_format = "@"
    return cell


def default_filename(plan: Plan, fmt: str) -> str:
    return f"registrations-{plan.code}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
