"""The plan dashboard: the same numbers as plan_stats, a server-drawn chart, flat queries."""

import re
from html.parser import HTMLParser

import pytest

from registrations.stats import plan_stats

from .conftest import make_plan, make_project, rush
from .rushes import open_on_the_hour

pytestmark = pytest.mark.django_db


def url(plan) -> str:
    return f"/admin/registrations/registration/dashboard/{plan.pk}/"


class TableRows(HTMLParser):
    """The text of each body row of the table with id="by-project"."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_table = self._in_body = self._in_cell = False

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "table" and ("id", "by-project") in attrs:
            self._in_table = True
        elif self._in_table and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag == "td":
            self._in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag) -> None:
        if tag == "td":
            self._in_cell = False
        elif tag == "tbody":
            self._in_body = self._in_table = False

    def handle_data(self, data) -> None:
        if self._in_cell:
            self.rows[-1][-1] += data.strip()


def table(page: str) -> list[list[str]]:
    parser = TableRows()
    parser.feed(page)
    return parser.rows


def bar_counts(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<rect class="bar"[^>]*><title>[^<]* 登记 (\d+) 条</title>', page)]


@pytest.fixture
def rushed_quick(quick_project, clerk):
    """A quick plan after a morning rush: 9 hours, a peak in the first, a lull, a second wave."""
    plan = open_on_the_hour(quick_project, hours_ago=12)
    second = make_project(plan, "XM-KS-02", ("一居室", "二居室"))
    hours = [0] * 12 + [1] * 7 + [2] * 3 + [5] * 2 + [8] * 6
    rush(plan, [quick_project, second], 60, hours, clerk)
    return plan


def test_after_a_rush_the_dashboard_shows_the_numbers_of_plan_stats(manager_client, rushed_quick):
    page = manager_client.get(url(rushed_quick)).content.decode()
    stats = plan_stats(rushed_quick)
    expected = [
        [r.project_code, r.project_name, r.unit_type, str(r.offered), str(r.registrations), f"{r.ratio:.2f}"]
        for r in stats.rows
    ]
    assert table(page) == expected
    assert f'id="total-registrations">{stats.registrations}<' in page
    assert bar_counts(page) == [h.count for h in stats.per_hour]
    assert bar_counts(page)[:9] == [24, 14, 6, 0, 0, 4, 0, 0, 12]
    assert sum(bar_counts(page)) == stats.created == 60
    assert f"{stats.peak.start:%m-%d %H}:00 · 24 条" in page


def test_a_real_time_dashboard_shows_units_and_free_units(manager_client, realtime_project, clerk):
    plan = open_on_the_hour(realtime_project)
    rush(plan, [realtime_project], 8, [0, 1], clerk)  # every unit is now taken
    page = manager_client.get(url(plan)).content.decode()
    assert table(page) == [["XM-SS-01", "XM-SS-01家园", "一居室", "10", "8", "0", "8", "1.00"]]
    assert 'id="total-free">0<' in page and "sold-out" in page


def test_the_chart_is_inline_svg_with_no_script_or_inline_style(manager_client, rushed_quick):
    page = manager_client.get(url(rushed_quick)).content.decode()
    assert '<svg viewBox="0 0 880 260" role="img"' in page
    assert "/static/css/admin_dashboard.css" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    content = page.split('id="content"')[1]
    assert " style=" not in content and "<style" not in content
    assert "http://" not in content.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_a_plan_not_yet_open_says_so(manager_client, db):
    plan = make_plan("YX2027-01", opens_in_days=3)
    page = manager_client.get(url(plan)).content.decode()
    assert "本计划尚未开始登记" in page and "<svg viewBox" not in page


def test_the_query_count_does_not_grow_with_the_rush(manager_client, quick_project, clerk,
                                                     django_assert_max_num_queries):
    plan = open_on_the_hour(quick_project)
    rush(plan, [quick_project], 5, [0], clerk)
    with django_assert_max_num_queries(12) as small:
        manager_client.get(url(plan))
    more = [make_project(plan, f"XM-KS-{i:02d}") for i in range(2, 6)]
    rush(plan, more, 40, [0, 1, 2, 3, 6], clerk, first=100)
    with django_assert_max_num_queries(len(small.captured_queries)):
        manager_client.get(url(plan))


def test_the_index_lists_the_plans_and_the_changelist_links_to_it(manager_client, quick_project):
    page = manager_client.get("/admin/registrations/registration/dashboard/").content.decode()
    assert url(quick_project.plan) in page and "测试计划KS2026-01" in page
    listing = manager_client.get("/admin/registrations/registration/").content.decode()
    assert "/admin/registrations/registration/dashboard/" in listing


def test_the_plan_page_links_to_its_dashboard(manager_client, quick_project):
    page = manager_client.get(f"/admin/rentals/plan/{quick_project.plan_id}/change/").content.decode()
    assert url(quick_project.plan) in page


def test_an_unknown_plan_is_404(manager_client, db):
    assert manager_client.get("/admin/registrations/registration/dashboard/999999/").status_code == 404


def test_the_clerk_gets_403_and_a_family_the_login(clerk_client, family_client, quick_project):
    assert clerk_client.get(url(quick_project.plan)).status_code == 403
    assert clerk_client.get("/admin/registrations/registration/dashboard/").status_code == 403
    assert family_client.get(url(quick_project.plan))["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(("peak", "top"), [(0, 4), (1, 4), (5, 8), (24, 40), (118, 200)])
def test_the_chart_scale_has_whole_gridlines_and_bars_in_proportion(peak, top):
    import datetime as dt

    from django.utils import timezone

    from registrations.charts import hourly_chart
    from registrations.stats import Hour

    start = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    chart = hourly_chart([Hour(start, peak), Hour(start + dt.timedelta(hours=1), 0)])
    assert [t["label"] for t in chart["yticks"]] == [str(top * k // 4) for k in range(5)]
    plot_h = chart["bottom"] - chart["top"]
    assert float(chart["bars"][0]["h"]) == pytest.approx(plot_h * peak / top, abs=0.05)
    assert float(chart["bars"][1]["h"]) == 0


def test_the_admin_home_leads_to_the_dashboards_and_the_counter(manager_client, clerk_client, auditor_client):
    """Issue 14 item 25: the per-plan dashboard is reachable from the admin home."""
    manager_home = manager_client.get("/admin/").content.decode()
    assert 'href="/admin/registrations/registration/dashboard/"' in manager_home
    assert 'href="/admin/registrations/registration/assist/"' not in manager_home
    clerk_home = clerk_client.get("/admin/").content.decode()
    assert 'href="/admin/registrations/registration/assist/"' in clerk_home
    assert 'href="/admin/registrations/registration/dashboard/"' not in clerk_home
    assert 'href="/admin/registrations/registration/dashboard/"' in auditor_client.get("/admin/").content.decode()
