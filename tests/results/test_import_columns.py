"""The new sheet columns: 排序方式/种子哈希/公开值名称 in the plan sheet's 计划, 备案年份 in the filings sheet."""

import csv
import datetime as dt

import pytest
from django.utils import timezone

from filings.importing import import_filings
from filings.models import Filing
from rentals.importing import ImportRefused
from rentals.models import Plan
from results.draw import sha256_hex
from tests.filings.data.make_data import HEADER
from tests.filings.test_import_filings import row
from tests.rentals import workbook
from tests.rentals.workbook import load, plan_row, project_row

pytestmark = pytest.mark.django_db
COMMITMENT = sha256_hex("seed")


@pytest.fixture
def result_columns(monkeypatch):
    monkeypatch.setattr(workbook, "PLAN_HEADER", [*workbook.PLAN_HEADER, "排序方式", "种子哈希", "公开值名称"])


def test_a_plan_without_the_column_is_ordered_by_the_rules(tmp_path):
    load(tmp_path, [plan_row("A")], [project_row("A")])
    assert Plan.objects.get(code="A").ordering == Plan.Ordering.RULES


def test_a_lottery_plan_loads_with_its_commitment_and_publishes(tmp_path, result_columns):
    load(tmp_path, [[*plan_row("A"), "摇号", COMMITMENT.upper(), "某日开奖号码"]], [project_row("A")])
    plan = Plan.objects.get(code="A")
    assert (plan.ordering, plan.seed_commitment, plan.public_value_name, plan.is_published) == (
        Plan.Ordering.LOTTERY, COMMITMENT, "某日开奖号码", True)


def test_a_lottery_plan_without_a_commitment_is_not_published(tmp_path, result_columns):
    with pytest.raises(ImportRefused) as refused:
        load(tmp_path, [[*plan_row("A"), "摇号", "", ""]], [project_row("A")])
    assert "种子哈希" in "\n".join(refused.value.problems) and not Plan.objects.exists()


def test_bad_ordering_and_hash_words_are_refused(tmp_path, result_columns):
    with pytest.raises(ImportRefused) as refused:
        load(tmp_path, [[*plan_row("A"), "抽签", "abc", ""]], [project_row("A")])
    text = "\n".join(refused.value.problems)
    assert "排序方式“抽签”应为“按规则排序”或“摇号”" in text and "种子哈希应为 64 位十六进制数" in text


def test_a_published_plan_keeps_its_ordering_and_commitment(tmp_path, result_columns):
    load(tmp_path, [[*plan_row("A"), "摇号", COMMITMENT, "某日开奖号码"]], [project_row("A")])
    with pytest.raises(ImportRefused) as refused:
        load(tmp_path, [[*plan_row("A"), "摇号", sha256_hex("other"), "某日开奖号码"]], [project_row("A")])
    assert "已发布，不能更改排序方式、种子哈希或公开值名称" in "\n".join(refused.value.problems)
    assert Plan.objects.get(code="A").seed_commitment == COMMITMENT


def _filings_csv(tmp_path, rows, header):
    path = tmp_path / "filings.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def test_the_filing_year_column_is_read_and_defaults_to_the_year_of_creation(tmp_path):
    import_filings(_filings_csv(tmp_path, [[*row(1), "2023"], [*row(2), ""]], [*HEADER, "备案年份"]))
    assert Filing.objects.get(filing_no="GLH2026000001").year == 2023
    assert Filing.objects.get(filing_no="GLH2026000002").year == timezone.localdate().year
    import_filings(_filings_csv(tmp_path, [row(3)], HEADER))
    assert Filing.objects.get(filing_no="GLH2026000003").filing_year is None


def test_a_bad_filing_year_is_refused(tmp_path):
    from filings.importing import ImportRefused as FilingsRefused

    with pytest.raises(FilingsRefused) as refused:
        import_filings(_filings_csv(tmp_path, [[*row(1), "23年度"]], [*HEADER, "备案年份"]))
    assert "备案年份「23年度」应为四位年份" in str(refused.value) and not Filing.objects.exists()


def test_the_admin_refuses_to_change_the_commitment_of_a_published_plan(db):
    from rentals.admin import PlanForm

    plan = Plan.objects.create(code="A", name="A", mode="quick", opens_at=timezone.now(),
                               closes_at=timezone.now() + dt.timedelta(days=1), notice="n", is_published=True,
                               ordering="lottery", seed_commitment=COMMITMENT, public_value_name="v")
    data = {"code": "A", "name": "A", "mode": "quick", "opens_at_0": "2026-12-01", "opens_at_1": "09:00",
            "closes_at_0": "2026-12-31", "closes_at_1": "17:00", "notice": "n", "ordering": "lottery",
            "seed_commitment": sha256_hex("other"), "public_value_name": "v"}
    form = PlanForm(data, instance=plan)
    assert not form.is_valid() and "计划发布后不能更改" in str(form.errors["seed_commitment"])
