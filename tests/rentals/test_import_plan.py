import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, ManagementUtility, call_command
from openpyxl import Workbook

from accounts.models import AuditLog
from rentals.importing import ImportRefused, _decimal, import_plan_file, read_book
from rentals.models import Offer, Plan, Project, Unit

from .workbook import (
    PLAN_HEADER,
    PROJECT_HEADER,
    SHANGHAI,
    UNIT_HEADER,
    load,
    plan_row,
    project_row,
    unit_row,
    units_for,
    when,
    write_book,
)

pytestmark = pytest.mark.django_db


def run(path, *args) -> str:
    out = StringIO()
    call_command("import_plan", str(path), *args, stdout=out)
    return out.getvalue()


def good_book(tmp_path, name="plans.xlsx", units=None, count=6):
    """A quick plan with two projects and a real-time plan with one project of six units."""
    plans = [
        plan_row("KS01", name="快速配租计划", opens="2026-12-01 09:00", closes="2026-12-31 17:00",
                 cancel="2026-12-20 17:00", districts="朝阳区、海淀区", categories="普通;优先"),
        plan_row("SS01", name="实时配租计划", mode="实时配租", opens=when(days=-1), closes=when(days=10)),
    ]
    projects = [
        project_row("KS01", "XM001", name="朝阳家园", unit_type="一居室", count=20, area="38-45", rent="1800-2100"),
        project_row("KS01", "XM001", name="朝阳家园", unit_type="二居室", count=10, area=60, rent="2900"),
        project_row("KS01", "XM002", name="海淀家园", district="海淀区", unit_type="二居室", count=5,
                    area="55～62", rent="3000-3300"),
        project_row("SS01", "XM101", name="实时家园", district="丰台区", count=count, area="40-44", rent="1900-1940"),
    ]
    return write_book(tmp_path / name, plans, projects, units if units is not None else units_for("XM101", 6))


def snapshot() -> list:
    """Everything the importer writes, to prove a refused file changed nothing."""
    return [
        list(Plan.objects.values_list("code", "name", "mode", "opens_at", "is_published").order_by("code")),
        list(Project.objects.values_list("code", "name", "district", "plan__code").order_by("code")),
        list(Offer.objects.values_list("project__code", "unit_type", "count", "rent_min").order_by("pk")),
        list(Unit.objects.values_list("project__code", "building", "room", "rent", "taken").order_by("pk")),
        AuditLog.objects.count(),
    ]


class TestAGoodFile:
    def test_it_loads_plans_projects_offers_and_units(self, tmp_path):
        output = run(good_book(tmp_path))

        assert "计划：新建 2，更新 0，未变 0" in output
        assert "房源：新建 6，更新 0，未变 0" in output
        plan = Plan.objects.get(code="KS01")
        assert plan.mode == Plan.Mode.QUICK and not plan.is_published
        assert plan.opens_at == dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
        assert plan.cancel_deadline == dt.datetime(2026, 12, 20, 17, 0, tzinfo=SHANGHAI)
        assert plan.districts == ["朝阳区", "海淀区"] and plan.categories == ["普通", "优先"]
        one_room = Offer.objects.get(project__code="XM001", unit_type="一居室")
        assert (one_room.count, one_room.area_min, one_room.area_max) == (20, Decimal("38"), Decimal("45"))
        assert one_room.area_text == "38–45" and one_room.rent_text == "1800–2100"
        assert Offer.objects.get(project__code="XM002").area_text == "55–62"
        assert Offer.objects.get(project__code="XM001", unit_type="二居室").rent_text == "2900"
        assert Unit.objects.filter(project__code="XM101", taken=False).count() == 6

    def test_it_records_one_audit_event_per_file(self, tmp_path):
        run(good_book(tmp_path))

        event = AuditLog.objects.get()
        assert event.action == "导入配租计划" and event.actor is None
        assert event.reason == "plans.xlsx"
        assert event.details["counts"]["房源"]["created"] == 6
        assert sorted(event.details["plans"]) == ["KS01", "SS01"]

    def test_it_accepts_datetime_cells_and_english_headers(self, tmp_path):
        book = Workbook()
        sheet = book.active
        sheet.title = "计划"
        sheet.append(["plan_code", "plan_name", "mode", "opens_at", "closes_at", "notice"])
        sheet.append(["KS09", "英文表头计划", "quick", dt.datetime(2026, 12, 1, 9), dt.datetime(2026, 12, 31, 17),
                      "告知"])
        projects = book.create_sheet("项目")
        projects.append(["plan_code", "project_code", "project_name", "district", "unit_type", "count", "area", "rent"])
        projects.append(["KS09", "XM900", "英文家园", "通州区", "三居室", 3, 80.5, 4200])
        book.save(tmp_path / "english.xlsx")

        run(tmp_path / "english.xlsx", "--publish")

        plan = Plan.objects.get(code="KS09")
        assert plan.opens_at == dt.datetime(2026, 12, 1, 9, tzinfo=SHANGHAI) and plan.is_published
        assert Offer.objects.get(project__code="XM900").area_text == "80.5"

    def test_loading_the_same_file_twice_changes_nothing(self, tmp_path):
        path = good_book(tmp_path)
        run(path, "--publish")
        before = snapshot()[:-1]
        updated = list(Plan.objects.values_list("updated_at", flat=True))

        output = run(path, "--publish")

        assert "计划：新建 0，更新 0，未变 2" in output
        assert "项目：新建 0，更新 0，未变 3" in output
        assert "套型：新建 0，更新 0，未变 4" in output
        assert "房源：新建 0，更新 0，未变 6" in output
        assert snapshot()[:-1] == before
        assert list(Plan.objects.values_list("updated_at", flat=True)) == updated

    def test_a_changed_row_is_updated_in_place(self, tmp_path):
        run(good_book(tmp_path))
        units = units_for("XM101", 6)
        units[0][7] = 2500  # the first unit's rent

        output = run(good_book(tmp_path, name="again.xlsx", units=units))

        assert "房源：新建 0，更新 1，未变 5" in output
        assert Unit.objects.get(project__code="XM101", room="101").rent == Decimal("2500")

    def test_a_dry_run_counts_but_writes_nothing(self, tmp_path):
        output = run(good_book(tmp_path), "--dry-run", "--publish")

        assert "计划：新建 2" in output and "试运行" in output
        assert snapshot() == [[], [], [], [], 0]


class TestABadFile:
    def test_a_bad_row_in_each_sheet_is_refused_with_every_reason_and_nothing_changes(self, tmp_path):
        run(good_book(tmp_path))
        before = snapshot()
        plans = [
            plan_row("KS01", opens="2026-12-01 09:00", closes="2026-12-31 17:00"),
            plan_row("KS02", mode="抢租", opens="明天", closes="2026-12-31 17:00"),
        ]
        projects = [
            project_row("KS01", "XM001", rent="1900"),
            project_row("KS01", "XM003", district="火星区"),
            project_row("KS01", "XM004", unit_type="五居室", count="十"),
        ]
        units = [unit_row("XM001"), unit_row("XM404")]
        path = write_book(tmp_path / "bad.xlsx", plans, projects, units)

        with pytest.raises(CommandError) as refused:
            run(path)

        message = str(refused.value)
        assert "计划 第3行：配租方式“抢租”应为“快速配租”或“实时配租”" in message
        assert "计划 第3行：登记开始时间“明天”无法识别" in message
        assert "项目 第3行：未知区域“火星区”" in message
        assert "项目 第4行：未知套型“五居室”" in message
        assert "项目 第4行：套数“十”应为正整数" in message
        assert "房源 第2行：项目“XM001”属于快速配租计划，不登记具体房源" in message
        assert "房源 第3行：项目编号“XM404”不在“项目”工作表中" in message
        assert snapshot() == before

    def test_the_command_exits_non_zero(self, tmp_path, capsys):
        path = write_book(tmp_path / "bad.xlsx", [plan_row(districts="火星区")], [project_row()])

        with pytest.raises(SystemExit) as exited:
            ManagementUtility(["manage.py", "import_plan", str(path)]).execute()

        assert exited.value.code != 0
        assert "计划 第2行：未知区域“火星区”" in capsys.readouterr().err

    @pytest.mark.parametrize("area, reason", [
        ("45-38", "面积“45-38”的下限大于上限"),
        ("大约40", "面积“大约40”应为大于0的数字或范围"),
        ("", "面积不能为空"),
    ])
    def test_it_names_a_bad_range(self, tmp_path, area, reason):
        with pytest.raises(ImportRefused) as refused:
            load(tmp_path, [plan_row()], [project_row(area=area)])
        [problem] = refused.value.problems
        assert problem.startswith(f"项目 第2行：{reason}")

    def test_it_refuses_rows_that_contradict_each_other(self, tmp_path):
        plans = [plan_row("P1"), plan_row("P1"), plan_row("P2", opens=when(days=2), closes=when(days=1))]
        projects = [project_row("P1", "X1"), project_row("P1", "X1", name="另一个名字", unit_type="二居室"),
                    project_row("P1", "X2"), project_row("P1", "X2")]
        with pytest.raises(ImportRefused) as refused:
            load(tmp_path, plans, projects)
        problems = refused.value.problems
        assert "计划 第3行：计划编号“P1”重复（已在第2行）" in problems
        assert "计划 第4行：登记截止时间应晚于登记开始时间" in problems
        assert any(p.startswith("项目 第3行：项目“X1”的计划编号、名称") for p in problems)
        assert "项目 第5行：项目“X2”的套型“一居室”重复（已在第4行）" in problems

    def test_a_real_time_project_lists_as_many_units_as_its_count(self, tmp_path):
        with pytest.raises(ImportRefused) as refused:
            load(tmp_path, [plan_row(mode="实时配租")], [project_row(count=5)], units_for("XM001", 4))
        assert refused.value.problems == ["项目 第2行：套型“一居室”套数为5，但“房源”工作表列出4套"]

    def test_duplicate_units_and_unoffered_unit_types_are_refused(self, tmp_path):
        units = [unit_row(), unit_row(), unit_row(room="102", unit_type="三居室")]
        with pytest.raises(ImportRefused) as refused:
            load(tmp_path, [plan_row(mode="实时配租")], [project_row(count=1)], units)
        assert "房源 第3行：房源“1号楼1单元101室”重复（已在第2行）" in refused.value.problems
        assert "房源 第4行：项目“XM001”在“项目”工作表中没有套型“三居室”" in refused.value.problems

    def test_a_missing_sheet_or_column_is_named(self, tmp_path):
        path = write_book(tmp_path / "plans-only.xlsx", [plan_row()], [], sheets=["计划"])
        with pytest.raises(ImportRefused) as refused:
            import_plan_file(path)
        assert refused.value.problems == ["缺少工作表“项目”。"]

        book = Workbook()
        book.active.title = "计划"
        book.active.append(["计划编号", "计划名称"])
        book.create_sheet("项目").append(["项目编号"])
        book.save(tmp_path / "columns.xlsx")
        with pytest.raises(ImportRefused) as refused:
            import_plan_file(tmp_path / "columns.xlsx")
        assert refused.value.problems[0].startswith("计划 第1行：缺少列“配租方式”、“登记开始时间”")

    def test_control_characters_are_dropped_from_cells(self):
        book = read_book({"计划": [(1, PLAN_HEADER), (2, tuple(plan_row(name="计划\x00名称")))],
                          "项目": [(1, PROJECT_HEADER), (2, tuple(project_row("JH2026-01", "XM\x01001")))]})
        assert book.problems == []
        assert book.plans["JH2026-01"].values["name"] == "计划名称" and list(book.projects) == ["XM001"]

    def test_a_file_that_is_not_a_workbook_is_refused(self, tmp_path):
        (tmp_path / "plans.csv").write_text("计划编号\n")
        (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
        with pytest.raises(CommandError, match="只支持 .xlsx"):
            run(tmp_path / "plans.csv")
        with pytest.raises(CommandError, match="无法读取 Excel 文件：该文件不是 Excel 工作簿"):
            run(tmp_path / "broken.xlsx")
        with pytest.raises(CommandError, match="找不到文件"):
            run(tmp_path / "missing.xlsx")


class TestAPlanThatHasOpened:
    def test_it_cannot_lose_a_unit(self, tmp_path):
        run(good_book(tmp_path))
        before = snapshot()

        with pytest.raises(CommandError) as refused:
            run(good_book(tmp_path, name="fewer.xlsx", units=units_for("XM101", 5)))

        assert "计划已开始登记，不能删除房源“1号楼1单元106室”" in str(refused.value)
        assert snapshot() == before

    def test_it_cannot_change_its_mode(self, tmp_path):
        load(tmp_path, [plan_row("SS01", mode="实时配租")], [project_row("SS01", count=2)], units_for("XM001", 2))

        with pytest.raises(ImportRefused) as refused:
            load(tmp_path, [plan_row("SS01", mode="快速配租")], [project_row("SS01", count=2)], name="quick.xlsx")

        assert "计划 第2行：计划“SS01”已开始登记（登记中），不能更改配租方式" in refused.value.problems
        assert Plan.objects.get().mode == Plan.Mode.REALTIME and Unit.objects.count() == 2

    def test_a_changed_mode_is_said_first_and_the_units_it_orphans_are_summed_up(self, tmp_path):
        units = units_for("XM001", 30)
        load(tmp_path, [plan_row("SS01", mode="实时配租")], [project_row("SS01", count=30)], units)

        with pytest.raises(ImportRefused) as refused:
            load(tmp_path, [plan_row("SS01", mode="快速配租")], [project_row("SS01", count=30)], units,
                 name="quick.xlsx")

        problems = refused.value.problems
        assert problems[0] == "计划 第2行：计划“SS01”已开始登记（登记中），不能更改配租方式"
        assert problems[1:11] == [f"房源 第{n}行：项目“XM001”属于快速配租计划，不登记具体房源" for n in range(2, 12)]
        assert problems[11:] == ["房源 另有 20 行同类错误（如第12行：项目“XM001”属于快速配租计划，不登记具体房源）"]

    def test_a_closed_plan_keeps_its_units_too(self, tmp_path):
        plan = plan_row("SS01", mode="实时配租", opens=when(days=-20), closes=when(days=-10))
        load(tmp_path, [plan], [project_row("SS01", count=2)], units_for("XM001", 2))

        with pytest.raises(ImportRefused) as refused:
            load(tmp_path, [plan], [project_row("SS01", count=1)], units_for("XM001", 1), name="again.xlsx")

        assert refused.value.problems == ["项目 第2行：计划已开始登记，不能删除房源“1号楼1单元102室”"]

    def test_it_may_still_grow_and_be_corrected(self, tmp_path):
        run(good_book(tmp_path))
        units = units_for("XM101", 7)
        units[0][8] = "北"

        output = run(good_book(tmp_path, name="more.xlsx", units=units, count=7))

        assert "房源：新建 1，更新 1，未变 5" in output
        assert Unit.objects.get(room="101").orientation == "北"


class TestAPlanNotYetOpen:
    def upcoming(self, count: int) -> tuple:
        return ([plan_row("SS02", mode="实时配租", opens=when(days=5), closes=when(days=20))],
                [project_row("SS02", "XM201", count=count)], units_for("XM201", count))

    def test_units_missing_from_the_file_are_deleted(self, tmp_path):
        load(tmp_path, *self.upcoming(4))

        result = load(tmp_path, *self.upcoming(3), name="fewer.xlsx")

        assert result.counts["房源"]["deleted"] == 1
        assert Unit.objects.count() == 3

    def test_a_taken_unit_is_never_deleted(self, tmp_path):
        load(tmp_path, *self.upcoming(4))
        Unit.objects.filter(room="104").update(taken=True)

        with pytest.raises(ImportRefused) as refused:
            load(tmp_path, *self.upcoming(3), name="fewer.xlsx")

        assert refused.value.problems == ["项目 第2行：房源“1号楼1单元104室”已被登记，不能删除"]
        assert Unit.objects.count() == 4

    def test_its_mode_may_change_and_its_units_go(self, tmp_path):
        load(tmp_path, *self.upcoming(2))
        plans = [plan_row("SS02", mode="快速配租", opens=when(days=5), closes=when(days=20))]

        load(tmp_path, plans, [project_row("SS02", "XM201", count=2)], name="quick.xlsx")

        assert Plan.objects.get().mode == Plan.Mode.QUICK and Unit.objects.count() == 0

    def test_a_project_missing_from_the_file_is_deleted(self, tmp_path):
        plans, projects, units = self.upcoming(2)
        load(tmp_path, plans, projects + [project_row("SS02", "XM202", count=1)], units + units_for("XM202", 1))

        result = load(tmp_path, plans, projects, units, name="fewer.xlsx")

        assert result.counts["项目"]["deleted"] == 1
        assert list(Project.objects.values_list("code", flat=True)) == ["XM201"]


class TestPublishing:
    def test_publish_is_refused_without_a_notice_and_nothing_is_written(self, tmp_path):
        path = write_book(tmp_path / "no-notice.xlsx", [plan_row(notice="")], [project_row()])

        with pytest.raises(CommandError) as refused:
            run(path, "--publish")

        assert "计划 第2行：计划“JH2026-01”不能发布：缺少告知书" in str(refused.value)
        assert snapshot() == [[], [], [], [], 0]

    def test_a_published_plan_cannot_lose_its_notice(self, tmp_path):
        run(write_book(tmp_path / "one.xlsx", [plan_row()], [project_row()]), "--publish")

        with pytest.raises(CommandError) as refused:
            run(write_book(tmp_path / "two.xlsx", [plan_row(notice="")], [project_row()]))

        assert "计划 第2行：计划“JH2026-01”已发布，导入后将不满足发布条件：缺少告知书" in str(refused.value)
        assert Plan.objects.get().notice

    def test_without_publish_a_plan_stays_a_draft(self, tmp_path):
        run(write_book(tmp_path / "draft.xlsx", [plan_row(notice="")], [project_row()]))

        assert Plan.objects.get().is_published is False

    def test_publish_marks_the_plans_and_says_so(self, tmp_path):
        output = run(good_book(tmp_path), "--publish")

        assert "发布：KS01、SS01" in output
        assert Plan.objects.filter(is_published=True, published_at__isnull=False).count() == 2


def test_a_number_of_hundreds_of_digits_reads_as_no_number():
    # The importer then lists the row as bad instead of failing on it.
    assert _decimal("9" * 300) is None
    assert _decimal("42.505") == Decimal("42.51")


class TestTheSheetLayer:
    def test_a_header_marked_required_with_a_star_imports(self, tmp_path):
        book = read_book({"计划": [(1, tuple(f"{h}*" for h in PLAN_HEADER)), (2, tuple(plan_row()))],
                          "项目": [(1, tuple(f"＊{h}" for h in PROJECT_HEADER)), (2, tuple(project_row()))]})
        assert book.problems == []
        assert list(book.plans) == ["JH2026-01"] and list(book.projects) == ["XM001"]

    def test_a_number_cell_where_text_is_required_is_refused(self, tmp_path):
        book = read_book({"计划": [(1, PLAN_HEADER), (2, tuple(plan_row(code=20260001)))],
                          "项目": [(1, PROJECT_HEADER), (2, tuple(project_row(20260001, "XM001")))]})
        assert "计划 第2行：计划编号请以文本格式填写" in book.problems[0]
        assert any(p.startswith("项目 第2行：计划编号请以文本格式填写") for p in book.problems)

    def test_whole_numbers_for_building_entrance_and_room_read_as_their_digits(self, tmp_path):
        units = [unit_row(building=3, entrance=2, room=101)]
        load(tmp_path, [plan_row(mode="实时配租")], [project_row(count=1)], units)
        unit = Unit.objects.get()
        assert (unit.building, unit.entrance, unit.room) == ("3", "2", "101")

    def test_an_xlsx_renamed_csv_is_told_to_take_its_name_back(self, tmp_path):
        write_book(tmp_path / "plans.csv", [plan_row()], [project_row()])
        with pytest.raises(CommandError, match="实际是 Excel 工作簿（.xlsx），扩展名却是 .csv：请把扩展名改为 .xlsx"):
            run(tmp_path / "plans.csv")


class TestUnitCellsOutOfRange:
    def test_floor_zero_an_unknown_orientation_and_an_out_of_range_floor_are_refused(self):
        units = [unit_row(floor=0, room="101"), unit_row(room="102", orientation="上"), unit_row(floor=999, room="103")]
        book = read_book({"计划": [(1, PLAN_HEADER), (2, tuple(plan_row(mode="实时配租")))],
                          "项目": [(1, PROJECT_HEADER), (2, tuple(project_row(count=3)))],
                          "房源": [(1, UNIT_HEADER), *((i, tuple(u)) for i, u in enumerate(units, start=2))]})
        assert any(p.startswith("房源 第2行：楼层不能为0") for p in book.problems)
        assert any(p.startswith("房源 第3行：朝向“上”应写成") for p in book.problems)
        assert "房源 第4行：楼层“999”超出范围（应在-10到200之间）" in book.problems


def test_the_commands_find_an_imported_plan_by_its_code_in_any_case(tmp_path):
    load(tmp_path, [plan_row("JH2026-01")], [project_row()])
    out = StringIO()
    call_command("plan_stats", "jh2026-01", stdout=out)
    assert "（JH2026-01）" in out.getvalue()


def test_names_that_a_spreadsheet_would_run_as_formulas_are_refused():
    book = read_book({"计划": [(1, PLAN_HEADER), (2, tuple(plan_row(name="=HYPERLINK(1)")))],
                      "项目": [(1, PROJECT_HEADER), (2, tuple(project_row(name="＠SUM(A1)")))]})
    assert any(p.startswith("计划 第2行：计划名称不能以 = + - @ 或制表符开头") for p in book.problems)
    assert any(p.startswith("项目 第2行：项目名称不能以 = + - @ 或制表符开头") for p in book.problems)


@pytest.mark.parametrize("building,entrance", [("1", "1"), ("1号楼", "1单元"), ("1栋", "1")])
def test_buildings_and_entrances_written_the_natural_way_read_right(tmp_path, building, entrance):
    units = [unit_row(building=building, entrance=entrance, room="101")]
    load(tmp_path, [plan_row(mode="实时配租")], [project_row(count=1)], units)
    unit = Unit.objects.get()
    assert (unit.building, unit.entrance, unit.label) == ("1", "1", "1号楼1单元101室")
