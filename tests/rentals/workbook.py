"""Plan workbooks for tests, written with openpyxl and loaded through the real importer."""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils import timezone
from openpyxl import Workbook

from rentals.importing import ImportResult, import_plan_file

SHANGHAI = ZoneInfo("Asia/Shanghai")
PLAN_HEADER = ["计划编号", "计划名称", "配租方式", "登记开始时间", "登记截止时间", "取消截止时间",
               "限定区域", "限定类别", "公告", "告知书"]
PROJECT_HEADER = ["计划编号", "项目编号", "项目名称", "区域", "地址", "简介", "套型", "套数", "面积", "月租金"]
UNIT_HEADER = ["项目编号", "楼号", "单元", "楼层", "房号", "套型", "建筑面积", "月租金", "朝向"]


def when(days: float = 0, hours: float = 0) -> str:
    """A moment relative to now, written as an operator would: Shanghai wall time."""
    moment = timezone.now() + dt.timedelta(days=days, hours=hours)
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def plan_row(code: str = "JH2026-01", *, name: str = "", mode: str = "快速配租", opens=None, closes=None,
             cancel="", districts: str = "", categories: str = "", announcement: str = "本次配租面向已备案家庭。",
             notice: str = "请如实登记，登记后不得转让。") -> list:
    return [code, name or f"测试计划{code}", mode, opens or when(days=-1), closes or when(days=30), cancel,
            districts, categories, announcement, notice]


def project_row(plan: str = "JH2026-01", code: str = "XM001", *, name: str = "", district: str = "朝阳区",
                address: str = "朝阳区测试路1号", description: str = "近地铁，配套齐全。", unit_type: str = "一居室",
                count=10, area="38-45", rent="1800-2100") -> list:
    return [plan, code, name or f"{district}项目{code}", district, address, description, unit_type, count, area, rent]


def unit_row(project: str = "XM001", building="1", entrance="1", floor=1, room="101", *, unit_type: str = "一居室",
             area=40, rent=1900, orientation: str = "南") -> list:
    return [project, building, entrance, floor, room, unit_type, area, rent, orientation]


def units_for(project: str, count: int, unit_type: str = "一居室", buildings: int = 1,
              entrance: str = "1") -> list[list]:
    """`count` distinct units spread over `buildings` buildings, ten to a floor."""
    rows = []
    for i in range(count):
        building = str(i % buildings + 1)
        n = i // buildings
        floor = n // 10 + 1
        rows.append(unit_row(project, building, entrance, floor, f"{floor}{n % 10 + 1:02d}", unit_type=unit_type,
                             area=40 + i % 5, rent=1900 + i % 5 * 10))
    return rows


def write_book(path: Path, plans: list, projects: list, units: list | None = None, *, sheets=None) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, header, rows in (("计划", PLAN_HEADER, plans), ("项目", PROJECT_HEADER, projects),
                                ("房源", UNIT_HEADER, units or [])):
        if sheets is not None and title not in sheets:
            continue
        sheet = book.create_sheet(title)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def load(tmp_path: Path, plans: list, projects: list, units: list | None = None, *, publish: bool = True,
         name: str = "plan.xlsx") -> ImportResult:
    return import_plan_file(write_book(tmp_path / name, plans, projects, units), publish=publish)
