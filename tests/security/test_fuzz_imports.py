"""The import commands under hostile spreadsheets: a clear refusal or a whole load, never a crash."""

import csv
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from filings.models import Filing
from rentals.models import Plan, Project, Unit

from .strategies import hostile_text

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FILING_HEADER = "备案编号 验证码 申请人姓名 身份证号 手机号 备案区 家庭人数 类别 可选套型 状态 有效期至".split()
GOOD_FILING = ["GLH2026100001", "AB12CD", "陈静", "110105198001010016", "13800001111", "朝阳区", "3", "普通",
               "一居室;二居室", "有效", "2030-12-31"]

PLAN_HEADER = "计划编号 计划名称 配租方式 登记开始时间 登记截止时间 取消截止时间 限定区域 限定类别 公告 告知书".split()
GOOD_PLAN = ["FZ-2026", "测试计划", "实时配租", "2026-01-01 09:00", "2026-01-31 17:00", "", "", "", "公告", "告知书"]
PROJECT_HEADER = ["计划编号", "项目编号", "项目名称", "区域", "地址", "简介", "套型", "套数", "面积", "月租金"]
GOOD_PROJECT = ["FZ-2026", "FZ-XM-1", "测试项目", "朝阳区", "测试路1号", "简介", "一居室", "1", "40-45", "1500-1800"]
UNIT_HEADER = ["项目编号", "楼号", "单元", "楼层", "房号", "套型", "建筑面积", "月租金", "朝向"]
GOOD_UNIT = ["FZ-XM-1", "1", "1", "3", "301", "一居室", "42.5", "1650", "南"]


def _mutate(row: list[str], changes: dict[int, str]) -> list[str]:
    row = list(row)
    for index, value in changes.items():
        row[index % len(row)] = value
    return row


def _safe_cell(value: str) -> str:
    # openpyxl refuses control characters in cells; a spreadsheet cannot hold them either.
    return "".join(ch for ch in value if ch >= " " or ch in "\t\n")


class ImportFuzz(TestCase):
    @FUZZ
    @given(changes=st.dictionaries(st.integers(0, 10), hostile_text, min_size=1, max_size=4),
           encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    def test_import_filings(self, changes, encoding):
        bad = _mutate(GOOD_FILING, changes)
        second = list(GOOD_FILING)
        second[0] = "GLH2026100002"
        buffer = io.StringIO()
        csv.writer(buffer).writerows([FILING_HEADER, bad, second])
        path = self._tmp / "filings.csv"
        path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))
        try:
            call_command("import_filings", str(path), stdout=io.StringIO(), stderr=io.StringIO())
        except CommandError as refused:
            assert "第" in str(refused) or "文件" in str(refused)
            assert Filing.objects.count() == 0  # refused whole: not even the good row
        else:
            assert Filing.objects.count() in (1, 2)  # both rows, possibly the same number twice

    @FUZZ
    @given(sheet=st.sampled_from(["计划", "项目", "房源"]),
           changes=st.dictionaries(st.integers(0, 9), hostile_text, min_size=1, max_size=3))
    def test_import_plan(self, sheet, changes):
        rows = {
            "计划": [PLAN_HEADER, GOOD_PLAN], "项目": [PROJECT_HEADER, GOOD_PROJECT], "房源": [UNIT_HEADER, GOOD_UNIT],
        }
        rows[sheet] = [rows[sheet][0], [_safe_cell(v) for v in _mutate(rows[sheet][1], changes)]]
        book = openpyxl.Workbook()
        book.remove(book.active)
        for name, lines in rows.items():
            ws = book.create_sheet(name)
            for line in lines:
                ws.append(line)
        path = self._tmp / "plan.xlsx"
        book.save(path)
        try:
            call_command("import_plan", str(path), stdout=io.StringIO(), stderr=io.StringIO())
        except CommandError:
            assert (Plan.objects.count(), Project.objects.count(), Unit.objects.count()) == (0, 0, 0)
        else:
            assert (Plan.objects.count(), Project.objects.count()) == (1, 1)

    @pytest.fixture(autouse=True)
    def _tmpdir(self, tmp_path):
        self._tmp = tmp_path
