import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from accounts.models import AuditLog
from bphc.validators import id_check_char
from filings import importing
from filings.models import Filing
from tests.filings.data.make_data import HEADER, ROWS

DATA = Path(__file__).resolve().parent / "data"
GOOD_ID = "110105198001010016"
GOOD_ROW = [
    "GLH2026100001", "AB12CD", "陈静", GOOD_ID, "13612345678", "朝阳区", "3", "普通",
    "一居室;二居室", "有效", "2027-12-31",
]


def run_import(path: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_filings", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(path: Path, *args: str) -> str:
    with pytest.raises(CommandError) as info:
        run_import(path, *args)
    return str(info.value)


def write_csv(tmp_path: Path, rows: list[list], header: list[str] = HEADER, name: str = "filings.csv",
              encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def id_number_of(n: int) -> str:
    """The n-th person's checksum-valid 身份证号 (one person, one valid filing)."""
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=n // 999)
    first17 = f"110105{birth:%Y%m%d}{n % 999 + 1:03d}"
    return first17 + id_check_char(first17)


def row(n: int, **changes: str) -> list[str]:
    """A good row with its own 备案编号 and its own person; `changes` replace cells by header name."""
    values = dict(zip(HEADER, GOOD_ROW, strict=True))
    values["备案编号"] = f"GLH2026{n:06d}"
    values["身份证号"] = GOOD_ID if n == 1 else id_number_of(n)
    values.update(changes)
    return list(values.values())


def snapshot() -> list[tuple]:
    return list(
        Filing.objects.order_by("filing_no").values_list(
            "filing_no", "code_hash", "applicant_name", "id_number", "phone", "district", "family_size",
            "category", "unit_types", "status", "valid_until",
        )
    )


@pytest.mark.django_db
class TestFormats:
    def test_a_gb18030_csv_a_utf8_bom_csv_and_an_xlsx_with_the_same_rows_import_to_the_same_filings(self):
        results = []
        for name in ("filings_gb18030.csv", "filings_utf8_bom.csv", "filings.xlsx"):
            out, _ = run_import(DATA / name)
            assert "新建 4" in out, name
            results.append(snapshot())
            Filing.objects.all().delete()
        assert results[0] == results[1] == results[2]
        first = results[0][0]
        assert first[:3] == ("TST2026000001", Filing.hash_code("QW12ER"), "陈静")
        assert results[0][1][2] == "刘䶮"  # outside GBK: only GB18030 carries it
        assert results[0][1][8] == ["二居室", "三居室"]
        assert results[0][2][9] == "失效" and results[0][2][10] == dt.date(2027, 1, 15)

    def test_the_encoding_can_be_given_instead_of_detected(self):
        out, _ = run_import(DATA / "filings_gb18030.csv", "--encoding", "GBK")  # read as its superset GB18030
        assert "新建 4" in out
        assert Filing.objects.get(filing_no="TST2026000002").applicant_name == "刘䶮"

    def test_it_refuses_a_file_read_with_the_wrong_encoding(self):
        message = refused(DATA / "filings_gb18030.csv", "--encoding", "utf-8")
        assert "无法按 utf-8 编码读取" in message
        assert not Filing.objects.exists()

    def test_it_refuses_an_unknown_encoding_name(self):
        assert "未知的编码：klingon" in refused(DATA / "filings_utf8_bom.csv", "--encoding", "klingon")

    def test_english_headers_and_extra_columns_are_accepted(self, tmp_path):
        header = ["filing_no", "code", "name", "id_number", "phone", "district", "family_size", "category",
                  "unit_types", "status", "valid_until", "备注"]
        path = write_csv(tmp_path, [[*row(1), "现场核验"]], header=header)
        run_import(path)
        assert Filing.objects.get().filing_no == "GLH2026000001"

    def test_the_phone_column_may_be_left_out(self, tmp_path):
        header = [h for h in HEADER if h != "手机号"]
        path = write_csv(tmp_path, [[c for h, c in zip(HEADER, row(1), strict=True) if h != "手机号"]], header=header)
        run_import(path)
        assert Filing.objects.get().phone == ""

    def test_it_accepts_the_date_forms_operators_use(self):
        assert importing._date("2026/12/31") == dt.date(2026, 12, 31)
        assert importing._date("2026-1-5") == dt.date(2026, 1, 5)
        assert importing._date("2026年12月31日") == importing._date("20261231") == dt.date(2026, 12, 31)
        assert importing._date("2026-12-31 00:00:00") == dt.date(2026, 12, 31)
        assert importing._date(46387) == dt.date(2026, 12, 31)  # Excel serial day
        assert importing._date(dt.datetime(2026, 12, 31, 0, 0)) == dt.date(2026, 12, 31)
        assert importing._date("31/12/2026") is None
        assert importing._date("2026-02-30") is None

    def test_an_xlsx_with_date_cells_as_serial_numbers_imports(self, tmp_path):
        book = openpyxl.Workbook()
        book.active.append(HEADER)
        book.active.append([*row(1)[:10], 46387])
        book.save(tmp_path / "serial.xlsx")
        run_import(tmp_path / "serial.xlsx")
        assert Filing.objects.get().valid_until == dt.date(2026, 12, 31)

    def test_number_and_code_are_stored_upper_case_and_the_code_only_as_a_hash(self, tmp_path):
        path = write_csv(tmp_path, [row(1, 备案编号="glh2026000001", 验证码="ab12cd")])
        run_import(path)
        filing = Filing.objects.get()
        assert filing.filing_no == "GLH2026000001"
        assert filing.code_matches("AB12CD")
        stored = " ".join(str(v) for v in Filing.objects.values().get().values())
        assert "AB12CD" not in stored.upper()

    def test_it_refuses_other_file_types_and_missing_files(self, tmp_path):
        (tmp_path / "filings.xls").write_bytes(b"\xd0\xcf\x11\xe0")
        assert "不支持的文件格式" in refused(tmp_path / "filings.xls")
        assert "找不到文件" in refused(tmp_path / "nope.csv")

    def test_it_refuses_a_broken_xlsx_without_a_traceback(self, tmp_path):
        (tmp_path / "broken.xlsx").write_bytes(b"not a zip file")
        assert "无法读取 Excel 文件" in refused(tmp_path / "broken.xlsx")

    def test_it_refuses_an_empty_file_and_a_header_without_rows(self, tmp_path):
        (tmp_path / "empty.csv").write_text("")
        assert "文件是空的" in refused(tmp_path / "empty.csv")
        assert "没有数据行" in refused(write_csv(tmp_path, []))


@pytest.mark.django_db
class TestRefusals:
    def test_a_file_with_three_bad_rows_among_good_ones_is_refused_with_all_three_reasons_and_writes_nothing(
        self, tmp_path
    ):
        rows = [
            row(1),
            row(2, 备案区="朝阳"),                      # row 3
            row(3),
            row(4, 身份证号="110105198001010017"),     # row 5
            row(5),
            row(6, 有效期至="2026-13-45"),             # row 7
            row(7),
        ]
        message = refused(write_csv(tmp_path, rows))
        lines = message.splitlines()
        assert "第3行：未知的备案区「朝阳」" in lines
        assert "第5行：身份证号校验位不正确，请核对后重新输入" in lines
        assert "第7行：有效期至「2026-13-45」不是有效日期（例如 2026-12-31）" in lines
        assert len([line for line in lines if line.startswith("第")]) == 3
        assert not Filing.objects.exists()
        assert not AuditLog.objects.exists()

    def test_a_refused_file_leaves_earlier_filings_as_they_were(self, tmp_path):
        run_import(write_csv(tmp_path, [row(1), row(2)], name="first.csv"))
        before = snapshot()
        refused(write_csv(tmp_path, [row(1, 状态="失效"), row(2, 家庭人数="两")], name="second.csv"))
        assert snapshot() == before

    def test_it_refuses_a_file_missing_a_column(self, tmp_path):
        header = [h for h in HEADER if h not in ("验证码", "有效期至")]
        message = refused(write_csv(tmp_path, [row(1)[:9]], header=header))
        assert "第1行：缺少列：验证码、有效期至" in message.splitlines()
        assert not Filing.objects.exists()

    def test_it_refuses_a_header_naming_a_column_twice(self, tmp_path):
        message = refused(write_csv(tmp_path, [[*row(1), "x"]], header=[*HEADER, "filing_no"]))
        assert "第1行：列「备案编号」出现了两次" in message

    def test_it_refuses_a_filing_number_repeated_within_the_file(self, tmp_path):
        rows = [row(1), row(2), row(1, 申请人姓名="另一人"), row(3, 备案编号="glh2026000002")]
        lines = refused(write_csv(tmp_path, rows)).splitlines()
        assert "第4行：备案编号「GLH2026000001」与第2行重复" in lines
        assert "第5行：备案编号「GLH2026000002」与第3行重复" in lines
        assert not Filing.objects.exists()

    def test_it_refuses_two_valid_filings_for_one_person_naming_both_rows(self, tmp_path):
        # Different names and numbers, one 身份证号: two accounts could each bind one (issue 14 item 1).
        rows = [row(1), row(2), row(3), row(4), row(5), row(6, 申请人姓名="新建", 身份证号=id_number_of(2))]
        lines = refused(write_csv(tmp_path, rows)).splitlines()
        assert "第7行：第3行与第7行的身份证号相同" in lines
        assert id_number_of(2) not in "\n".join(lines)
        assert not Filing.objects.exists()

    def test_an_invalid_filing_may_share_the_id_number_of_a_valid_one(self, tmp_path):
        rows = [row(1), row(2, 状态="失效", 身份证号=GOOD_ID)]
        out, _ = run_import(write_csv(tmp_path, rows))
        assert "新建 2" in out

    def test_it_refuses_a_row_whose_id_number_has_a_valid_filing_already(self, tmp_path):
        run_import(write_csv(tmp_path, [row(1), row(2)], name="first.csv"))
        before = snapshot()
        lines = refused(write_csv(tmp_path, [row(3), row(4, 身份证号=GOOD_ID)], name="second.csv")).splitlines()
        assert "第3行：身份证号与已有的有效备案「GLH2026000001」相同" in lines
        assert snapshot() == before

    def test_a_file_may_move_a_person_to_a_new_filing_by_invalidating_the_old_one(self, tmp_path):
        run_import(write_csv(tmp_path, [row(1)], name="first.csv"))
        out, _ = run_import(write_csv(tmp_path, [row(1, 状态="失效"), row(2, 身份证号=GOOD_ID)], name="second.csv"))
        assert "新建 1，更新 1" in out
        assert Filing.objects.get(status=Filing.Status.VALID).filing_no == "GLH2026000002"

    def test_the_database_refuses_a_second_valid_filing_for_one_person(self, db):
        from django.db import IntegrityError

        from tests.conftest import make_filing_row

        make_filing_row("GLH2026000901", id_number=GOOD_ID)
        make_filing_row("GLH2026000902", id_number=GOOD_ID, status=Filing.Status.INVALID)
        with pytest.raises(IntegrityError):
            make_filing_row("GLH2026000903", id_number=GOOD_ID)

    @pytest.mark.parametrize(
        ("changes", "reason"),
        [
            ({"备案编号": ""}, "缺少备案编号"),
            ({"备案编号": "GLH 2026/1"}, "备案编号「GLH2026/1」格式不正确"),
            ({"验证码": ""}, "缺少验证码"),
            ({"验证码": "12"}, "验证码格式不正确"),
            ({"申请人姓名": ""}, "缺少申请人姓名"),
            ({"身份证号": "11010519800101001"}, "身份证号应为18位"),
            ({"身份证号": "110105190002300019"}, "出生日期不正确"),
            ({"手机号": "1234"}, "手机号格式不正确"),
            ({"备案区": ""}, "缺少备案区"),
            ({"家庭人数": "三"}, "家庭人数「三」应为1到20之间的整数"),
            ({"家庭人数": "0"}, "家庭人数「0」应为1到20之间的整数"),
            ({"家庭人数": ""}, "缺少家庭人数"),
            ({"类别": ""}, "缺少类别"),
            ({"可选套型": "一居室;五居室"}, "未知的套型「五居室」"),
            ({"可选套型": ""}, "缺少可选套型"),
            ({"状态": "暂停"}, "状态「暂停」应为“有效”或“失效”"),
            ({"有效期至": ""}, "缺少有效期至"),
            ({"有效期至": "1899-12-31"}, "不是有效日期"),
        ],
    )
    def test_it_names_each_kind_of_bad_value(self, tmp_path, changes, reason):
        message = refused(write_csv(tmp_path, [row(1), row(2, **changes)]))
        bad = [line for line in message.splitlines() if line.startswith("第")]
        assert len(bad) == 1 and bad[0].startswith("第3行：") and reason in bad[0], message
        assert not Filing.objects.exists()

    def test_all_problems_of_one_row_are_listed_together(self, tmp_path):
        message = refused(write_csv(tmp_path, [row(1, 备案区="火星", 可选套型="宫殿")]))
        assert "第2行：未知的备案区「火星」；未知的套型「宫殿」" in message

    def test_the_code_and_id_number_are_never_echoed_in_errors(self, tmp_path):
        message = refused(write_csv(tmp_path, [row(1, 验证码="S3", 身份证号="110105198001010017")]))
        assert "S3" not in message and "110105198001010017" not in message


@pytest.mark.django_db
class TestUpsert:
    def test_reimporting_the_same_file_reports_all_unchanged_and_writes_nothing(self, tmp_path):
        path = write_csv(tmp_path, [row(n) for n in range(1, 6)])
        assert "新建 5，更新 0，未变 0" in run_import(path)[0]
        stamps = list(Filing.objects.values_list("updated_at", flat=True))
        assert "新建 0，更新 0，未变 5" in run_import(path)[0]
        assert list(Filing.objects.values_list("updated_at", flat=True)) == stamps
        assert AuditLog.objects.filter(action="导入备案").count() == 1

    def test_reordered_unit_types_count_as_unchanged(self, tmp_path):
        run_import(write_csv(tmp_path, [row(1, 可选套型="一居室;二居室")], name="a.csv"))
        assert "未变 1" in run_import(write_csv(tmp_path, [row(1, 可选套型="二居室、一居室")], name="b.csv"))[0]

    def test_a_later_file_can_mark_a_filing_invalid(self, tmp_path, person):
        run_import(write_csv(tmp_path, [row(1), row(2)], name="first.csv"))
        Filing.objects.filter(filing_no="GLH2026000001").update(account=person)
        out, _ = run_import(write_csv(tmp_path, [row(1, 状态="失效"), row(2)], name="second.csv"))
        assert "新建 0，更新 1，未变 1" in out
        filing = Filing.objects.get(filing_no="GLH2026000001")
        assert filing.status == Filing.Status.INVALID
        assert not filing.is_valid_today
        assert filing.account == person  # the binding outlives the change of status

    def test_new_changed_and_unchanged_rows_are_counted_across_batches(self, tmp_path, monkeypatch):
        monkeypatch.setattr(importing, "BATCH_SIZE", 2)
        run_import(write_csv(tmp_path, [row(n) for n in range(1, 5)], name="first.csv"))
        rows = [row(1), row(2, 验证码="NEW123"), row(3), row(4, 家庭人数="4"), row(5), row(6)]
        out, _ = run_import(write_csv(tmp_path, rows, name="second.csv"))
        assert "共 6 行；新建 2，更新 2，未变 2" in out
        assert Filing.objects.get(filing_no="GLH2026000002").code_matches("NEW123")
        assert Filing.objects.get(filing_no="GLH2026000004").family_size == 4

    def test_a_dry_run_checks_and_counts_but_writes_nothing(self, tmp_path):
        run_import(write_csv(tmp_path, [row(1)], name="first.csv"))
        before = snapshot()
        out, _ = run_import(write_csv(tmp_path, [row(1, 状态="失效"), row(2)], name="second.csv"), "--dry-run")
        assert "试运行" in out and "新建 1，更新 1，未变 0" in out
        assert snapshot() == before
        assert AuditLog.objects.filter(action="导入备案").count() == 1

    def test_a_dry_run_still_refuses_bad_rows(self, tmp_path):
        assert "第2行：未知的备案区「朝阳」" in refused(write_csv(tmp_path, [row(1, 备案区="朝阳")]), "--dry-run")

    def test_each_imported_file_is_audited_once_with_its_counts(self, tmp_path):
        run_import(write_csv(tmp_path, [row(1), row(2)], name="batch-1.csv"))
        run_import(write_csv(tmp_path, [row(1, 状态="失效"), row(2), row(3)], name="batch-2.csv"))
        logs = AuditLog.objects.filter(action="导入备案").order_by("id")
        assert [log.details["file"] for log in logs] == ["batch-1.csv", "batch-2.csv"]
        assert logs[1].details["created"] == 1
        assert (logs[1].details["updated"], logs[1].details["unchanged"], logs[1].details["rows"]) == (1, 1, 3)
        assert logs[1].actor is None and "运营" in logs[1].actor_label

    def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_the_sheet(self, tmp_path):
        path = write_csv(tmp_path, [row(1), ["", "", ""], row(2, 备案区="朝阳")])
        assert "第4行：未知的备案区「朝阳」" in refused(path)

    def test_long_files_report_progress_on_stderr(self, tmp_path, monkeypatch):
        monkeypatch.setattr(importing, "PROGRESS_EVERY", 2)
        out, err = run_import(write_csv(tmp_path, [row(n) for n in range(1, 6)]))
        assert "已校验 2 行" in err and "已校验 4 行" in err and "已写入" in err
        assert "新建 5" in out

    def test_the_rows_of_the_fixture_files_match_their_generator(self):
        # The committed files are made by data/make_data.py; a stale file would test nothing new.
        with (DATA / "filings_utf8_bom.csv").open(encoding="utf-8-sig", newline="") as f:
            lines = list(csv.reader(f))
        assert lines[0] == HEADER and [r[0] for r in lines[1:]] == [r[0] for r in ROWS]


@pytest.mark.django_db
class TestTheSheetLayer:
    def test_a_header_marked_required_with_a_star_imports(self, tmp_path):
        header = [f"{h}*" if i % 2 else f"{h}＊" for i, h in enumerate(HEADER)]
        run_import(write_csv(tmp_path, [row(1)], header=header))
        assert Filing.objects.get().filing_no == "GLH2026000001"

    def test_a_number_cell_in_an_id_column_is_refused_not_read_through_a_float(self, tmp_path):
        book = openpyxl.Workbook()
        book.active.append(HEADER)
        book.active.append([*row(1)[:3], 110105198001010016, *row(1)[4:]])
        book.active.append([*row(2)[:4], 13612345678, *row(2)[5:]])
        book.save(tmp_path / "numbers.xlsx")
        lines = refused(tmp_path / "numbers.xlsx").splitlines()
        assert any(line.startswith("第2行：身份证号请以文本格式填写") for line in lines)
        assert any(line.startswith("第3行：手机号请以文本格式填写") for line in lines)
        assert not Filing.objects.exists()

    def test_a_code_shorter_than_six_characters_is_refused(self, tmp_path):
        assert "验证码格式不正确（6–20位字母或数字）" in refused(write_csv(tmp_path, [row(1, 验证码="AB12C")]))

    def test_an_xlsx_renamed_csv_says_what_it_is(self, tmp_path):
        book = openpyxl.Workbook()
        book.active.append(HEADER)
        book.save(tmp_path / "filings.csv")
        message = refused(tmp_path / "filings.csv")
        assert "该文件实际是 Excel 工作簿（.xlsx），扩展名却是 .csv：请把扩展名改为 .xlsx 后导入" in message
        assert "gb18030" not in message

    def test_a_utf16_csv_says_what_it_is_and_how_to_save_it(self, tmp_path):
        path = write_csv(tmp_path, [row(1)], encoding="utf-16")
        message = refused(path)
        assert "UTF-16 编码的文本" in message and "CSV UTF-8（逗号分隔）" in message
        assert "gb18030" not in message

    def test_a_corrupt_xlsx_says_it_is_damaged_not_badzipfile(self, tmp_path):
        good = openpyxl.Workbook()
        good.active.append(HEADER)
        good.save(tmp_path / "full.xlsx")
        (tmp_path / "cut.xlsx").write_bytes((tmp_path / "full.xlsx").read_bytes()[:300])
        message = refused(tmp_path / "cut.xlsx")
        assert "文件已损坏或不完整" in message and "BadZipFile" not in message
