"""Loading plans, projects, unit types and units from the operators' workbook (import_plan).

The workbook has three sheets, 计划, 项目 and 房源 (see SPEC). A file with any bad row is
refused whole: every problem is listed as `工作表 第N行：reason` and nothing is written.
Loading the same file twice changes nothing.
"""

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from accounts.audit import audit_record
from bphc.sheets import (
    Column,
    ImportRefused,
    NotText,
    Spreadsheet,
    as_text_problem,
    cell_text,
    formula_problem,
    read_table,
)

from .catalogue import catalogue_renew
from .models import Offer, Plan, Project, Unit, normalise_building, normalise_entrance
from .vocab import DISTRICTS, UNIT_TYPE_ORDER, UnitType, split_words

PLAN_TZ = ZoneInfo("Asia/Shanghai")
PLAN_SHEET, PROJECT_SHEET, UNIT_SHEET = "计划", "项目", "房源"
KINDS = ("计划", "项目", "套型", "房源")
# How many missing units a refusal names before it says "等 N 套".
NAME_AT_MOST = 5
SHEET_ORDER = (PLAN_SHEET, PROJECT_SHEET, UNIT_SHEET)
# How many rows with the same kind of error are listed before the rest are counted.
SAME_KIND_SHOWN = 10

# The Chinese headers are the contract; the aliases let an operator's English export load as
# well (headers compared by `bphc.sheets.header_key`). A new column is one more line.
COLUMNS: dict[str, tuple[Column, ...]] = {
    PLAN_SHEET: (
        Column("计划编号", "计划编号", ("plan_code", "code")),
        Column("计划名称", "计划名称", ("plan_name", "name")),
        Column("配租方式", "配租方式", ("mode",)),
        Column("登记开始时间", "登记开始时间", ("opens_at",)),
        Column("登记截止时间", "登记截止时间", ("closes_at",)),
        Column("取消截止时间", "取消截止时间", ("cancel_deadline",), required=False),
        Column("限定区域", "限定区域", ("districts",), required=False),
        Column("限定类别", "限定类别", ("categories",), required=False),
        Column("公告", "公告", ("announcement",), required=False),
        Column("告知书", "告知书", ("notice",), required=False),
        Column("排序方式", "排序方式", ("ordering",), required=False),
        Column("种子哈希", "种子哈希", ("seed_commitment",), required=False),
        Column("公开值名称", "公开值名称", ("public_value_name",), required=False),
    ),
    PROJECT_SHEET: (
        Column("计划编号", "计划编号", ("plan_code",)),
        Column("项目编号", "项目编号", ("project_code", "code")),
        Column("项目名称", "项目名称", ("project_name", "name")),
        Column("区域", "区域", ("district",)),
        Column("地址", "地址", ("address",), required=False),
        Column("简介", "简介", ("description",), required=False),
        Column("套型", "套型", ("unit_type",)),
        Column("套数", "套数", ("count",)),
        Column("面积", "面积", ("area",)),
        Column("月租金", "月租金", ("rent",)),
    ),
    UNIT_SHEET: (
        Column("项目编号", "项目编号", ("project_code",)),
        Column("楼号", "楼号", ("building",)),
        Column("单元", "单元", ("entrance",)),
        Column("楼层", "楼层", ("floor",)),
        Column("房号", "房号", ("room",)),
        Column("套型", "套型", ("unit_type",)),
        Column("建筑面积", "建筑面积", ("area",)),
        Column("月租金", "月租金", ("rent",)),
        Column("朝向", "朝向", ("orientation",), required=False),
    ),
}
MODES = {"快速配租": Plan.Mode.QUICK, "实时配租": Plan.Mode.REALTIME, "quick": Plan.Mode.QUICK,
         "realtime": Plan.Mode.REALTIME}
# Blank means 按规则排序: the order the centre used before lotteries.
ORDERINGS = {"": Plan.Ordering.RULES, "按规则排序": Plan.Ordering.RULES, "摇号": Plan.Ordering.LOTTERY,
             "rules": Plan.Ordering.RULES, "lottery": Plan.Ordering.LOTTERY}
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S")
# What a number cell may be in each column (see `bphc.sheets.cell_text`); any other column
# is text, where a number cell is refused rather than read through a float.
NUMBERS = {
    "楼号": "whole", "单元": "whole", "房号": "whole",
    "楼层": "any", "套数": "any", "面积": "any", "月租金": "any", "建筑面积": "any",
    "登记开始时间": "any", "登记截止时间": "any", "取消截止时间": "any",
}
RANGE_SPLIT = re.compile(r"\s*(?:-|–|—|~|～|至|到)\s*")
# 朝向 as families read it: 南, 南北, 东南, 朝南 written with the compass words only.
ORIENTATION_RE = re.compile(r"朝?[东南西北]{1,4}(向)?")
AREA_LIMIT, RENT_LIMIT = Decimal("99999"), Decimal("9999999")


@dataclass
class PlanRow:
    row: int
    code: str
    values: dict[str, Any]


@dataclass
class ProjectRow:
    row: int
    plan_code: str
    code: str
    values: dict[str, Any]
    offers: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class UnitRow:
    row: int
    project_code: str
    key: tuple[str, str, str]
    values: dict[str, Any]


@dataclass
class Book:
    """What a workbook says, after every row has been checked."""

    plans: dict[str, PlanRow] = field(default_factory=dict)
    projects: dict[str, ProjectRow] = field(default_factory=dict)
    units: dict[str, list[UnitRow]] = field(default_factory=lambda: defaultdict(list))
    problems: list[str] = field(default_factory=list)
    # Codes with a bad row somewhere: what the file says of them is incomplete, so they are
    # not compared with the database (that would add false "missing" refusals).
    unsure: set[str] = field(default_factory=set)

    # For `report`: what is wrong with the file as a whole, and (sheet, row, reason) of each refusal.
    general: list[str] = field(default_factory=list)
    refusals: list[tuple[str, int, str]] = field(default_factory=list)

    def note(self, reason: str) -> None:
        self.problems.append(reason)
        self.general.append(reason)

    def refuse(self, sheet: str, row: int, reason: str) -> None:
        self.problems.append(f"{sheet} 第{row}行：{reason}")
        self.refusals.append((sheet, row, reason))

    def report(self) -> list[str]:
        """The problems as an operator reads them: the file's, then 计划, 项目, 房源 in row order, so
        that a cause (a plan's mode) comes before its consequences (every unit of it); a reason
        repeated on many rows is shown SAME_KIND_SHOWN times, then counted."""
        lines = list(self.general)
        seen: Counter = Counter()
        first_extra: dict[tuple[str, str], str] = {}
        for sheet, row, reason in sorted(self.refusals, key=lambda r: (SHEET_ORDER.index(r[0]), r[1])):
            kind = (sheet, re.sub(r"“[^”]*”|\d+", "…", reason))
            seen[kind] += 1
            if seen[kind] <= SAME_KIND_SHOWN:
                lines.append(f"{sheet} 第{row}行：{reason}")
            else:
                first_extra.setdefault(kind, f"第{row}行：{reason}")
        for kind, example in first_extra.items():
            lines.append(f"{kind[0]} 另有 {seen[kind] - SAME_KIND_SHOWN} 行同类错误（如{example}）")
        return lines


@dataclass
class ImportResult:
    counts: dict[str, Counter]
    plan_codes: list[str]
    published: list[str]
    dry_run: bool

    def summary(self) -> list[str]:
        lines = []
        for kind in KINDS:
            c = self.counts[kind]
            line = f"{kind}：新建 {c['created']}，更新 {c['updated']}，未变 {c['unchanged']}"
            if c["deleted"]:
                line += f"，删除 {c['deleted']}"
            lines.append(line)
        if self.published:
            lines.append("发布：" + "、".join(self.published))
        return lines

    def details(self) -> dict:
        return {
            "plans": self.plan_codes,
            "counts": {kind: dict(self.counts[kind]) for kind in KINDS},
            "published": self.published,
        }


def import_plan_file(
    source: str | Path | IO[bytes], *, publish: bool = False, dry_run: bool = False,
    now: dt.datetime | None = None, name: str = "",
) -> ImportResult:
    """Check the whole workbook, then write it in one transaction (or roll back for a dry run)."""
    now = now or timezone.now()
    book = read_book(_load_rows(source))
    try:
        with transaction.atomic():
            # Checked inside the transaction so the stored state cannot move under the writes.
            _check_against_database(book, now)
            if book.problems:
                raise ImportRefused(book.report())
            result = _write(book, publish=publish, dry_run=dry_run, now=now)
            if dry_run:
                transaction.set_rollback(True)
            else:
                # In the same transaction: a loaded file always has its record.
                audit_record(actor=None, action="导入配租计划", reason=name or _file_name(source),
                             details=result.details())
    except ProtectedError:
        raise ImportRefused(["文件要删除的项目或房源已有登记记录，不能删除。"]) from None
    return result


# -- reading ------------------------------------------------------------------------------


def _file_name(source: str | Path | IO[bytes]) -> str:
    return Path(source).name if isinstance(source, str | Path) else getattr(source, "name", "")


def _load_rows(source: str | Path | IO[bytes]) -> dict[str, list[tuple[int, tuple]]]:
    """Each sheet's rows with their spreadsheet row numbers (the header is row 1)."""
    unsupported = "只支持 .xlsx 格式的配租计划文件（需包含“计划”“项目”“房源”三个工作表）。"
    with Spreadsheet(source, kinds=(".xlsx",), unsupported=unsupported) as book:
        names = book.sheet_names()
        return {name: list(book.rows(name)) for name in (PLAN_SHEET, PROJECT_SHEET, UNIT_SHEET) if name in names}


def read_book(sheets: dict[str, list[tuple[int, tuple]]]) -> Book:
    book = Book()
    for name in (PLAN_SHEET, PROJECT_SHEET):
        if name not in sheets:
            book.note(f"缺少工作表“{name}”。")
    for row, cells in _records(book, PLAN_SHEET, sheets.get(PLAN_SHEET, [])):
        _read_plan(book, row, cells)
    for row, cells in _records(book, PROJECT_SHEET, sheets.get(PROJECT_SHEET, [])):
        _read_project(book, row, cells)
    for row, cells in _records(book, UNIT_SHEET, sheets.get(UNIT_SHEET, [])):
        _read_unit(book, row, cells)
    _check_offers_against_units(book)
    if PLAN_SHEET in sheets and not book.plans and not book.problems:
        book.note("“计划”工作表中没有任何计划。")
    return book


def _records(book: Book, sheet: str, rows: list[tuple[int, tuple]]):
    """Yield (row number, {column: cell value}) for each non-empty data row whose text cells are text."""
    header, records = read_table(rows, COLUMNS[sheet])
    if not header.found:
        return
    problems = [f"列“{label}”出现了两次" for label in header.repeated]
    if header.missing:
        problems.insert(0, "缺少列" + "、".join(f"“{c}”" for c in header.missing))
    if problems:
        book.refuse(sheet, header.row, "；".join(problems))
        return
    for number, cells in records:
        numbers = [column for column, value in cells.items() if _number_in_text_column(column, value)]
        if not numbers:
            yield number, cells
            continue
        for column in numbers:
            book.refuse(sheet, number, as_text_problem(column))
        # What the file says of this row's codes is incomplete now (see Book.unsure).
        book.unsure.update(_text(cells[c]) for c in ("计划编号", "项目编号") if c in cells and c not in numbers)


def _number_in_text_column(column: str, value: Any) -> bool:
    """An identifier or a name typed as a number, which is refused rather than read through a float."""
    try:
        cell_text(value, numbers=NUMBERS.get(column, "refuse"))
    except NotText:
        return True
    return False


def _read_plan(book: Book, row: int, cells: dict) -> None:
    problems: list[str] = []
    code = _text(cells["计划编号"])
    name = _text(cells["计划名称"])
    if not code:
        problems.append("计划编号不能为空")
    elif code in book.plans:
        problems.append(f"计划编号“{code}”重复（已在第{book.plans[code].row}行）")
    if not name:
        problems.append("计划名称不能为空")
    elif problem := formula_problem("计划名称", name):
        problems.append(problem)
    mode = MODES.get(_text(cells["配租方式"]))
    if mode is None:
        problems.append(f"配租方式“{_text(cells['配租方式'])}”应为“快速配租”或“实时配租”")
    opens = _time(cells["登记开始时间"], "登记开始时间", problems, required=True)
    closes = _time(cells["登记截止时间"], "登记截止时间", problems, required=True)
    cancel = _time(cells.get("取消截止时间"), "取消截止时间", problems, required=False)
    problems += Plan.window_problems(opens, closes, cancel).values()
    districts = split_words(_text(cells.get("限定区域")))
    problems += [f"未知区域“{d}”" for d in districts if d not in DISTRICTS]
    ordering = ORDERINGS.get(_text(cells.get("排序方式")))
    if ordering is None:
        problems.append(f"排序方式“{_text(cells.get('排序方式'))}”应为“按规则排序”或“摇号”（留空为按规则排序）")
    commitment = _text(cells.get("种子哈希")).lower()
    if commitment and not re.fullmatch(r"[0-9a-f]{64}", commitment):
        problems.append("种子哈希应为 64 位十六进制数（种子的 SHA-256）")
    public_value_name = _text(cells.get("公开值名称"))
    _too_long(Plan, {"code": code, "name": name, "public_value_name": public_value_name}, problems)
    for problem in problems:
        book.refuse(PLAN_SHEET, row, problem)
    if problems:
        book.unsure.add(code)
        return
    book.plans[code] = PlanRow(row, code, {
        "name": name, "mode": mode, "opens_at": opens, "closes_at": closes, "cancel_deadline": cancel,
        "districts": districts, "categories": split_words(_text(cells.get("限定类别"))),
        "announcement": _text(cells.get("公告"), multiline=True), "notice": _text(cells.get("告知书"), multiline=True),
        "ordering": ordering, "seed_commitment": commitment, "public_value_name": public_value_name,
    })


def _read_project(book: Book, row: int, cells: dict) -> None:
    problems: list[str] = []
    plan_code, code = _text(cells["计划编号"]), _text(cells["项目编号"])
    if not plan_code:
        problems.append("计划编号不能为空")
    elif plan_code not in book.plans:
        problems.append(f"计划编号“{plan_code}”不在“计划”工作表中（或该行有误）")
    if not code:
        problems.append("项目编号不能为空")
    values = {
        "name": _text(cells["项目名称"]), "district": _text(cells["区域"]),
        "address": _text(cells.get("地址")), "description": _text(cells.get("简介"), multiline=True),
    }
    if not values["name"]:
        problems.append("项目名称不能为空")
    elif problem := formula_problem("项目名称", values["name"]):
        problems.append(problem)
    if values["district"] not in DISTRICTS:
        problems.append(f"未知区域“{values['district']}”" if values["district"] else "区域不能为空")
    _too_long(Project, {"code": code, "name": values["name"], "address": values["address"]}, problems)
    unit_type = _unit_type(cells["套型"], problems)
    count = _count(cells["套数"], problems)
    area = _range(cells["面积"], "面积", AREA_LIMIT, problems)
    rent = _range(cells["月租金"], "月租金", RENT_LIMIT, problems)
    known = book.projects.get(code)
    if known and not problems:
        if known.plan_code != plan_code or known.values != values:
            problems.append(f"项目“{code}”的计划编号、名称、区域、地址或简介与第{known.row}行不一致")
        elif unit_type in known.offers:
            problems.append(f"项目“{code}”的套型“{unit_type}”重复（已在第{known.offers[unit_type]['row']}行）")
    for problem in problems:
        book.refuse(PROJECT_SHEET, row, problem)
    if problems:
        book.unsure.update({code, plan_code})
        return
    project = known or book.projects.setdefault(code, ProjectRow(row, plan_code, code, values))
    project.offers[unit_type] = {
        "row": row, "count": count, "area_min": area[0], "area_max": area[1], "rent_min": rent[0], "rent_max": rent[1],
    }


def _read_unit(book: Book, row: int, cells: dict) -> None:
    problems: list[str] = []
    project_code = _text(cells["项目编号"])
    project = book.projects.get(project_code)
    if not project_code:
        problems.append("项目编号不能为空")
    elif project is None:
        problems.append(f"项目编号“{project_code}”不在“项目”工作表中（或该行有误）")
    elif book.plans[project.plan_code].values["mode"] != Plan.Mode.REALTIME:
        problems.append(f"项目“{project_code}”属于快速配租计划，不登记具体房源")
    building, entrance, room = (_text(cells[c]) for c in ("楼号", "单元", "房号"))
    building, entrance = normalise_building(building), normalise_entrance(entrance)
    for column, value in (("楼号", building), ("单元", entrance), ("房号", room)):
        if not value:
            problems.append(f"{column}不能为空")
        elif len(value) > 20:
            problems.append(f"{column}“{value}”过长（最多20个字）")
    floor = _integer(cells["楼层"], "楼层", problems, low=-10, high=200)
    if floor == 0:
        problems.append("楼层不能为0（地上从1层起，地下层写负数，如 -1）")
    orientation = _text(cells.get("朝向"))
    if orientation and not ORIENTATION_RE.fullmatch(orientation):
        problems.append(f"朝向“{orientation}”应写成 东、南、西、北 或其组合（如 南北、东南）")
    unit_type = _unit_type(cells["套型"], problems)
    if project is not None and unit_type and unit_type not in project.offers:
        problems.append(f"项目“{project_code}”在“项目”工作表中没有套型“{unit_type}”")
    area = _number(cells["建筑面积"], "建筑面积", AREA_LIMIT, problems)
    rent = _number(cells["月租金"], "月租金", RENT_LIMIT, problems)
    key = (building, entrance, room)
    if not problems:
        for other in book.units[project_code]:
            if other.key == key:
                name = Unit(building=building, entrance=entrance, room=room).label
                problems.append(f"房源“{name}”重复（已在第{other.row}行）")
    for problem in problems:
        book.refuse(UNIT_SHEET, row, problem)
    if problems:
        book.unsure.add(project_code)
        return
    book.units[project_code].append(UnitRow(row, project_code, key, {
        "floor": floor, "unit_type": unit_type, "area": area, "rent": rent,
        "orientation": orientation,
    }))


def _too_long(model, values: dict, problems: list[str]) -> None:
    """Refuse text longer than its column holds, instead of failing at the write."""
    for name, value in values.items():
        field = model._meta.get_field(name)
        if field.max_length and len(value) > field.max_length:
            problems.append(f"{field.verbose_name}过长（最多{field.max_length}个字）")


def _check_offers_against_units(book: Book) -> None:
    """A real-time project's 套数 per 套型 must be the units the file lists for it."""
    for project in book.projects.values():
        plan = book.plans.get(project.plan_code)
        if plan is None or plan.values["mode"] != Plan.Mode.REALTIME:
            continue
        listed = Counter(u.values["unit_type"] for u in book.units.get(project.code, []))
        if not listed:
            book.refuse(PROJECT_SHEET, project.row, f"实时配租项目“{project.code}”在“房源”工作表中没有房源")
            continue
        for unit_type, offer in project.offers.items():
            if offer["count"] != listed[unit_type]:
                book.refuse(PROJECT_SHEET, offer["row"],
                            f"套型“{unit_type}”套数为{offer['count']}，但“房源”工作表列出{listed[unit_type]}套")


# -- what the database already holds --------------------------------------------------------


def _check_against_database(book: Book, now: dt.datetime) -> None:
    """Refusals that depend on what is stored: a plan that has opened only grows."""
    stored_plans = {p.code: p for p in Plan.objects.filter(code__in=book.plans)}
    stored_projects = {
        p.code: p for p in Project.objects.select_related("plan").filter(code__in=book.projects)
    }
    for code, project in stored_projects.items():
        row = book.projects[code]
        if project.plan.code != row.plan_code:
            book.refuse(PROJECT_SHEET, row.row, f"项目编号“{code}”已属于计划“{project.plan.code}”，不能移到其他计划")

    started = {
        code for code, plan in stored_plans.items() if plan.state(now) != Plan.State.UPCOMING
    }
    for code in started:
        stored, row = stored_plans[code], book.plans[code]
        if stored.mode != row.values["mode"]:
            book.refuse(PLAN_SHEET, row.row,
                        f"计划“{code}”已开始登记（{stored.state_label(now)}），不能更改配租方式")
    for code, stored in stored_plans.items():
        row = book.plans[code]
        # What the 公告 promised about the order cannot change once families can read it.
        promised = ("ordering", "seed_commitment", "public_value_name")
        if stored.is_published and any(getattr(stored, f) != row.values[f] for f in promised):
            book.refuse(PLAN_SHEET, row.row, f"计划“{code}”已发布，不能更改排序方式、种子哈希或公开值名称")
    in_file = set(book.projects)
    sure = [code for code in started if code not in book.unsure]
    for project in Project.objects.filter(plan__code__in=sure).exclude(code__in=in_file | book.unsure).select_related(
        "plan"
    ):
        book.refuse(PLAN_SHEET, book.plans[project.plan.code].row,
                    f"计划已开始登记，文件中缺少项目“{project.name}”（{project.code}），不能删除项目")

    for offer in Offer.objects.filter(project__code__in=in_file, project__plan__code__in=started).select_related(
        "project"
    ):
        row = book.projects[offer.project.code]
        if offer.unit_type not in row.offers and row.code not in book.unsure:
            book.refuse(PROJECT_SHEET, row.row, f"计划已开始登记，不能删除项目“{row.code}”的套型“{offer.unit_type}”")

    # Units the file no longer lists: refused once the plan has opened (families may be
    # choosing them right now), and refused for a unit already taken in any case.
    listed = {code: {u.key for u in units} for code, units in book.units.items()}
    missing: dict[str, list[Unit]] = defaultdict(list)
    stored_units = Unit.objects.filter(project__code__in=in_file).select_related("project__plan")
    for unit in stored_units.only("building", "entrance", "room", "taken", "project__code", "project__plan__code"):
        if (unit.building, unit.entrance, unit.room) not in listed.get(unit.project.code, set()):
            missing[unit.project.code].append(unit)
    for code, units in missing.items():
        row = book.projects[code]
        if code in book.unsure:
            continue
        if row.plan_code in started:
            book.refuse(PROJECT_SHEET, row.row, f"计划已开始登记，不能删除房源{_name_units(units)}")
        elif taken := [u for u in units if u.taken]:
            book.refuse(PROJECT_SHEET, row.row, f"房源{_name_units(taken)}已被登记，不能删除")
    upcoming = Project.objects.filter(plan__code__in=set(book.plans) - started - book.unsure).exclude(
        code__in=in_file | book.unsure
    )
    for project in upcoming.select_related("plan"):
        if project.units.filter(taken=True).exists():
            book.refuse(PLAN_SHEET, book.plans[project.plan.code].row,
                        f"文件中缺少项目“{project.name}”（{project.code}），但其房源已被登记，不能删除")


def _name_units(units: list[Unit]) -> str:
    names = "、".join(f"“{u.label}”" for u in units[:NAME_AT_MOST])
    return names + (f"等{len(units)}套" if len(units) > NAME_AT_MOST else "")


# -- writing --------------------------------------------------------------------------------


def _write(book: Book, *, publish: bool, dry_run: bool, now: dt.datetime) -> ImportResult:
    counts = {kind: Counter(created=0, updated=0, unchanged=0, deleted=0) for kind in KINDS}
    plans = {}
    for code, row in book.plans.items():
        plans[code] = _upsert(Plan, {"code": code}, row.values, counts["计划"])

    stale = Project.objects.filter(plan__in=plans.values()).exclude(code__in=book.projects)
    counts["项目"]["deleted"] += stale.count()
    stale.delete()
    projects = {}
    for code, row in book.projects.items():
        values = {**row.values, "plan_id": plans[row.plan_code].pk}
        projects[code] = _upsert(Project, {"code": code}, values, counts["项目"])

    _sync_offers(book, projects, counts["套型"])
    _sync_units(book, projects, counts["房源"])
    # Bulk writes send no signals: the pages' cached catalogue goes with this transaction.
    catalogue_renew(plan_ids=[plan.pk for plan in plans.values()])

    published, problems = [], []
    for code, plan in plans.items():
        # A plan families can already see must stay publishable (say, keep its 告知书).
        if not (publish or plan.is_published):
            continue
        if reasons := plan.publish_problems():
            doing = "不能发布" if not plan.is_published else "已发布，导入后将不满足发布条件"
            problems.append(f"{PLAN_SHEET} 第{book.plans[code].row}行：计划“{code}”{doing}：" + "；".join(reasons))
        elif not plan.is_published:
            plan.is_published, plan.published_at = True, now
            plan.save(update_fields=["is_published", "published_at", "updated_at"])
            published.append(code)
    if problems:
        raise ImportRefused(problems)
    return ImportResult(counts, list(plans), published, dry_run)


def _upsert(model, lookup: dict, values: dict, counter: Counter):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        counter["created"] += 1
        return model.objects.create(**lookup, **values)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save()
        counter["updated"] += 1
    else:
        counter["unchanged"] += 1
    return obj


def _sync_offers(book: Book, projects: dict[str, Project], counter: Counter) -> None:
    stored = {(o.project_id, o.unit_type): o for o in Offer.objects.filter(project__in=projects.values())}
    new, changed, keep = [], [], set()
    for code, row in book.projects.items():
        project = projects[code]
        for unit_type, offer in sorted(row.offers.items(), key=lambda item: UNIT_TYPE_ORDER[item[0]]):
            values = {k: v for k, v in offer.items() if k != "row"}
            key = (project.pk, unit_type)
            keep.add(key)
            _merge(stored.get(key), values, new, changed, counter,
                   lambda values=values, project=project, unit_type=unit_type: Offer(
                       project=project, unit_type=unit_type, **values))
    Offer.objects.bulk_create(new)
    Offer.objects.bulk_update(changed, ["count", "area_min", "area_max", "rent_min", "rent_max"])
    gone = [o.pk for key, o in stored.items() if key not in keep]
    counter["deleted"] += len(gone)
    Offer.objects.filter(pk__in=gone).delete()


def _sync_units(book: Book, projects: dict[str, Project], counter: Counter) -> None:
    stored = {
        (u.project_id, u.building, u.entrance, u.room): u for u in Unit.objects.filter(project__in=projects.values())
    }
    new, changed, keep = [], [], set()
    for code, units in book.units.items():
        project = projects[code]
        for unit in units:
            key = (project.pk, *unit.key)
            keep.add(key)
            _merge(stored.get(key), unit.values, new, changed, counter,
                   lambda unit=unit, project=project: Unit(
                       project=project, building=unit.key[0], entrance=unit.key[1], room=unit.key[2], **unit.values))
    Unit.objects.bulk_create(new, batch_size=500)
    # `taken` is never written here: only a registration claims or frees a unit.
    Unit.objects.bulk_update(changed, ["floor", "unit_type", "area", "rent", "orientation"], batch_size=500)
    gone = [u.pk for key, u in stored.items() if key not in keep]
    counter["deleted"] += len(gone)
    Unit.objects.filter(pk__in=gone, taken=False).delete()


def _merge(obj, values: dict, new: list, changed: list, counter: Counter, build) -> None:
    if obj is None:
        new.append(build())
        counter["created"] += 1
    elif any(getattr(obj, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(obj, name, value)
        changed.append(obj)
        counter["updated"] += 1
    else:
        counter["unchanged"] += 1


# -- cells ----------------------------------------------------------------------------------


def _text(value: Any, multiline: bool = False) -> str:
    # Text columns were checked in `_records`; here a number cell is a count or an amount.
    return cell_text(value, multiline=multiline, numbers="any")


def _time(value: Any, column: str, problems: list[str], *, required: bool) -> dt.datetime | None:
    if value is None or _text(value) == "":
        if required:
            problems.append(f"{column}不能为空")
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        moment = None
        for fmt in TIME_FORMATS:
            try:
                moment = dt.datetime.strptime(_text(value), fmt)
                break
            except ValueError:
                continue
        if moment is None:
            problems.append(f"{column}“{_text(value)}”无法识别，请写成 2026-12-01 09:00 的格式")
            return None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=PLAN_TZ)
    return moment.replace(microsecond=0)


def _unit_type(value: Any, problems: list[str]) -> str:
    text = _text(value)
    if text in UnitType.values:
        return text
    problems.append(f"未知套型“{text}”" if text else "套型不能为空")
    return ""


def _decimal(value: Any) -> Decimal | None:
    text = _text(value)
    for unit in ("平方米", "㎡", "m²", "元/月", "元"):
        text = text.replace(unit, "")
    try:
        number = Decimal(text.strip().replace(",", ""))
        # quantize itself fails on numbers wider than the context's 28 digits.
        return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if number.is_finite() else None
    except InvalidOperation:
        return None


def _number(value: Any, column: str, limit: Decimal, problems: list[str]) -> Decimal | None:
    number = _decimal(value)
    if number is None or not (0 < number <= limit):
        problems.append(f"{column}“{_text(value)}”应为大于0的数字" if _text(value) else f"{column}不能为空")
        return None
    return number


def _range(value: Any, column: str, limit: Decimal, problems: list[str]) -> tuple:
    """'38-45', '38～45' or '40' as (low, high)."""
    parts = RANGE_SPLIT.split(_text(value)) if isinstance(value, str) else [value]
    numbers = [_decimal(p) for p in parts]
    if not _text(value):
        problems.append(f"{column}不能为空")
    elif len(parts) > 2 or any(n is None or not (0 < n <= limit) for n in numbers):
        problems.append(f"{column}“{_text(value)}”应为大于0的数字或范围（如 38-45）")
    elif numbers[0] > numbers[-1]:
        problems.append(f"{column}“{_text(value)}”的下限大于上限")
    else:
        return numbers[0], numbers[-1]
    return None, None


def _integer(value: Any, column: str, problems: list[str], *, low: int, high: int) -> int | None:
    text = _text(value)
    if not re.fullmatch(r"-?\d+", text):
        problems.append(f"{column}“{text}”应为整数" if text else f"{column}不能为空")
        return None
    if not low <= int(text) <= high:
        problems.append(f"{column}“{text}”超出范围（应在{low}到{high}之间）")
        return None
    return int(text)


def _count(value: Any, problems: list[str]) -> int | None:
    text = _text(value)
    if not re.fullmatch(r"\d+", text) or not (0 < int(text) <= 100000):
        problems.append(f"套数“{text}”应为正整数" if text else "套数不能为空")
        return None
    return int(text)
