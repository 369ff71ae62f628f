import re

import pytest

from bphc.gating import NEED_FILING, NEED_LOGIN
from rentals.models import Plan, Project, Unit

from .conftest import closed_and_upcoming
from .workbook import load, plan_row, project_row, units_for

pytestmark = pytest.mark.django_db


def url(project) -> str:
    return f"/gzf/projects/{project.pk}/"


def register_url(project) -> str:
    return f"/register/{project.pk}/"


class TestGating:
    def test_a_stranger_is_asked_to_log_in(self, stranger, realtime_project):
        page = stranger.get(url(realtime_project)).content.decode()
        assert NEED_LOGIN in page and "?next=%2Fgzf%2Fprojects%2F" in page
        assert "1号楼" not in page

    def test_a_person_without_a_filing_is_refused(self, person_client, realtime_project):
        response = person_client.get(url(realtime_project))
        assert response.status_code == 403 and NEED_FILING in response.content.decode()

    def test_a_project_of_a_draft_plan_or_no_project_is_not_found(self, family_client, tmp_path):
        load(tmp_path, [plan_row("DRAFT")], [project_row("DRAFT", "XM900")], publish=False)
        for path in (url(Project.objects.get(code="XM900")), "/gzf/projects/999999/", "/gzf/projects/abc/"):
            response = family_client.get(path)
            assert response.status_code == 404 and "页面不存在" in response.content.decode()

    def test_it_answers_only_get(self, family_client, realtime_project):
        assert family_client.post(url(realtime_project)).status_code == 405


class TestAQuickProject:
    def test_it_shows_the_details_and_the_unit_types(self, family_client, quick_plan):
        project = quick_plan.projects.get(code="XM001")
        page = family_client.get(url(project)).content.decode()

        assert "朝阳家园" in page and "朝阳区测试路1号" in page and "近地铁，配套齐全。" in page
        assert "套型登记" in page
        assert re.search(r"一居室</th><td[^>]*>20</td><td[^>]*>38–45</td><td[^>]*>1800–2100</td>", page)
        assert re.search(r"二居室</th><td[^>]*>10</td><td[^>]*>58–62</td><td[^>]*>2900–3100</td>", page)

    def test_an_open_plan_offers_one_register_button(self, family_client, quick_plan):
        project = quick_plan.projects.get(code="XM001")
        page = family_client.get(url(project)).content.decode()

        assert page.count(f'href="{register_url(project)}"') == 1
        assert "立即登记" in page

    def test_a_plan_not_open_says_why_and_offers_no_button(self, family_client, tmp_path):
        closed_and_upcoming(tmp_path)
        old = family_client.get(url(Project.objects.get(code="XM301"))).content.decode()
        new = family_client.get(url(Project.objects.get(code="XM302"))).content.decode()

        assert "登记已截止" in old and "/register/" not in old
        assert "登记尚未开始" in new and "/register/" not in new

    def test_the_back_link_keeps_the_list_filter(self, family_client, quick_plan):
        project = quick_plan.projects.get(code="XM002")
        page = family_client.get(url(project), {"district": "海淀区"}).content.decode()
        assert f'href="/gzf/plans/{quick_plan.pk}/?district=%E6%B5%B7%E6%B7%80%E5%8C%BA"' in page


class TestARealTimeProject:
    def test_units_are_grouped_by_building_in_counting_order(self, family_client, realtime_project):
        page = family_client.get(url(realtime_project)).content.decode()

        tabs = re.findall(r"\?building=(\w+)", page)
        assert tabs[:3] == ["1", "2", "10"]
        assert "1号楼</span>1单元 101室" in page and "2号楼" in page
        assert "1号楼 <small>可选3/4</small>" in page
        assert "2号楼</span>1单元" not in page  # one building at a time

    def test_another_building_is_one_click_away(self, family_client, realtime_project):
        page = family_client.get(url(realtime_project), {"building": "10"}).content.decode()
        assert "10号楼</span>1单元 101室" in page and ">1号楼</span>" not in page

    def test_the_tabs_mark_the_building_shown_and_keep_the_filter(self, family_client, realtime_project):
        page = family_client.get(url(realtime_project), {"building": "10", "free": "on"}).content.decode()
        assert '<a href="?building=10&amp;free=on#units-title" aria-current="page">10号楼 <small>' in page
        assert '<a href="?building=1&amp;free=on#units-title">1号楼 <small>可选3/4</small></a>' in page
        assert page.count('aria-current="page"') == 1

    def test_each_unit_shows_its_place_type_area_rent_and_orientation(self, family_client, realtime_project):
        page = family_client.get(url(realtime_project)).content.decode()
        assert re.search(r"1号楼</span>1单元 102室<small>1层 · 朝南</small></th>\s*"
                         r"<td[^>]*>一居室<small>\d+㎡</small></td>\s*<td[^>]*>19\d0元</td>", page)

    def test_a_taken_unit_shows_as_taken_with_no_link(self, family_client, realtime_project):
        taken = Unit.objects.get(taken=True)
        page = family_client.get(url(realtime_project)).content.decode()

        assert "已登记" in page
        assert f'?unit={taken.pk}"' not in page

    def test_each_free_unit_has_its_own_register_link(self, family_client, realtime_project):
        page = family_client.get(url(realtime_project)).content.decode()

        free = Unit.objects.filter(building="1", taken=False)
        for unit in free:
            assert f'href="{register_url(realtime_project)}?unit={unit.pk}"' in page
        assert page.count(f'href="{register_url(realtime_project)}?unit=') == free.count() == 3
        assert "立即登记" not in page

    def test_no_unit_links_before_the_plan_opens(self, family_client, tmp_path):
        load(tmp_path, [plan_row("SOON", mode="实时配租", opens="2099-01-01 09:00", closes="2099-02-01 09:00")],
             [project_row("SOON", "XM500", count=2)], units_for("XM500", 2))
        page = family_client.get(url(Project.objects.get(code="XM500"))).content.decode()
        assert "/register/" not in page and "可选" in page and "登记尚未开始" in page

    def test_units_filter_by_type_and_free(self, family_client, realtime_project):
        page = family_client.get(url(realtime_project), {"free": "on"}).content.decode()
        assert "已登记" not in page.split("套型登记")[1].split("房源")[-1]
        assert "1号楼</span>1单元 101室" not in page

    @pytest.mark.parametrize("params", [{"building": "99"}, {"unit_type": "三居室"}, {"building": "\x00"}])
    def test_a_bad_filter_is_refused_in_chinese(self, family_client, realtime_project, params):
        response = family_client.get(url(realtime_project), params)
        assert response.status_code == 400
        assert "本项目没有" in response.content.decode()
        assert "1号楼</span>1单元 102室" in response.content.decode()

    def test_the_unit_type_table_counts_free_units(self, family_client, realtime_project):
        page = family_client.get(url(realtime_project)).content.decode()
        # The cells carry data-label (长辈版 stacks the table on a phone), hence [^>]*.
        assert re.search(r"一居室</th><td[^>]*>12</td><td[^>]*>11</td>", page)


@pytest.mark.parametrize("count", [10, 2000])
def test_a_real_time_project_uses_a_fixed_number_of_queries(family_client, tmp_path, count,
                                                             django_assert_max_num_queries):
    units = units_for("XM700", count // 2, buildings=4) + units_for("XM700", count // 2, "二居室", 4, entrance="2")
    offers = [project_row("BIG", "XM700", count=count // 2),
              project_row("BIG", "XM700", unit_type="二居室", count=count // 2)]
    load(tmp_path, [plan_row("BIG", mode="实时配租")], offers, units)
    Unit.objects.filter(pk__in=Unit.objects.values("pk")[: count // 3]).update(taken=True)
    assert Plan.objects.get().projects.get().units.count() == count

    # user, filing; project and plan; offers; counts by building; the chosen building's units;
    # the family's registration in the plan (issue 14 item 14: said before any button)
    path = url(Project.objects.get())
    with django_assert_max_num_queries(7):
        response = family_client.get(path)
    assert response.status_code == 200
    assert "已登记" in response.content.decode()


def test_a_quick_project_uses_a_fixed_number_of_queries(family_client, quick_plan, django_assert_max_num_queries):
    path = url(quick_plan.projects.first())
    # user, filing; project and plan; offers; the family's registration in the plan
    with django_assert_max_num_queries(5):
        assert family_client.get(path).status_code == 200
