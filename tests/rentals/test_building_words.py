"""楼号 and 单元 as operators write them (`1号楼`, `2栋`, `东区3号楼`, `A座`, `1单元`) read once,
never doubled, wherever a family, a clerk or an export shows them: `Unit.building_label` /
`rentals.models.building_label` is the one rule (issue 14 item 18)."""

import csv
import re
import shutil
import subprocess
from urllib.parse import quote

import pytest
from django.core.management import call_command

from registrations.services import registration_create
from rentals.models import Unit

from .workbook import load, plan_row, project_row, unit_row

pytestmark = pytest.mark.django_db

DOUBLED = re.compile(r"号楼号楼|栋号楼|座号楼|单元单元|楼号楼")
BUILDINGS = {"1号楼": "1号楼", "2栋": "2号楼", "东区3号楼": "东区3号楼", "A座": "A座"}


@pytest.fixture
def project(tmp_path):
    units = [unit_row("XM-W", building=b, entrance="1单元", room=f"{i}01") for i, b in enumerate(BUILDINGS, start=1)]
    load(tmp_path, [plan_row("SS-W", mode="实时配租")], [project_row("SS-W", "XM-W", count=len(units))], units)
    return Unit.objects.get(building="东区3号楼").project


def doubled(text: str) -> list[str]:
    return DOUBLED.findall(text)


def test_the_detail_page_tabs_headings_and_rows_read_each_building_once(family_client, project):
    for stored in Unit.objects.values_list("building", flat=True):
        page = family_client.get(f"/gzf/projects/{project.pk}/?building={quote(stored)}").content.decode()
        assert doubled(page) == []
        for label in BUILDINGS.values():
            assert f">{label} <small>可选" in page  # the tab
        label = Unit.objects.filter(building=stored).first().building_label
        assert f"<h3>{label}</h3>" in page


def test_the_building_choice_reads_each_building_once():
    from rentals.forms import UnitFilterForm

    form = UnitFilterForm({"building": "东区9号楼"}, unit_types=[], buildings=["1", "东区3号楼", "A座"])
    assert not form.is_valid() and doubled(str(form.errors)) == []
    assert form.errors["building"] == ["本项目没有楼号“东区9号楼”，已显示第一栋楼。"]
    valid = UnitFilterForm({"building": "东区3号楼"}, unit_types=[], buildings=["1", "东区3号楼", "A座"])
    assert valid.is_valid() and valid.cleaned_data["building"] == "东区3号楼"


def test_the_notice_receipt_and_export_read_each_building_once(family, family_client, project, tmp_path):
    unit = Unit.objects.get(building="东区3号楼")
    notice = family_client.get(f"/register/{project.pk}/?unit={unit.pk}").content.decode()
    assert "东区3号楼1单元301室" in notice and doubled(notice) == []

    registration, _ = registration_create(filing=family.filing, actor=family, project=project, unit=unit,
                                          acknowledged=True)
    receipt = family_client.get(f"/registrations/print/?ids={registration.pk}").content.decode()
    assert "东区3号楼1单元301室" in receipt and doubled(receipt) == []

    path = tmp_path / "out.csv"
    call_command("export_registrations", "SS-W", "--format", "csv", "--output", str(path))
    exported = path.read_text(encoding="utf-8-sig")
    assert "东区3号楼1单元301室" in exported and doubled(exported) == []
    assert len(list(csv.reader(exported.splitlines()))) == 2


def test_a_unit_saved_by_hand_is_stored_like_an_imported_one(project):
    unit = Unit.objects.get(building="1")
    unit.building, unit.entrance = "1栋", "1单元"
    unit.save()
    unit.refresh_from_db()
    assert (unit.building, unit.entrance, unit.label) == ("1", "1", "1号楼1单元101室")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (make sysdeps) provides pdftotext")
def test_the_pdf_receipt_and_the_clerks_pages_read_each_building_once(family, family_client, project, tmp_path):
    from tests.clerks.conftest import CLERK, PLAN_MANAGER, client_for, staff

    unit = Unit.objects.get(building="东区3号楼")
    registration, _ = registration_create(filing=family.filing, actor=family, project=project, unit=unit,
                                          acknowledged=True)
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(family_client.get(f"/registrations/print.pdf?ids={registration.pk}").content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "东区3号楼1单元301室" in re.sub(r"\s", "", text) and doubled(text) == []

    clerk = client_for(staff("13900000101", CLERK))
    for url in ("/admin/registrations/registration/", f"/admin/registrations/registration/{registration.pk}/change/"):
        page = clerk.get(url).content.decode()
        assert "东区3号楼1单元301室" in page and doubled(page) == [], url
    manager = client_for(staff("13900000102", PLAN_MANAGER))
    page = manager.get(f"/admin/rentals/unit/?project__id__exact={project.pk}").content.decode()
    assert "东区3号楼" in page and "1号楼" in page and doubled(page) == []
