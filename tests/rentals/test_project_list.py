import re
from urllib.parse import urlencode

import pytest
from django.urls import NoReverseMatch, reverse

from bphc.gating import NEED_FILING, NEED_LOGIN

from .workbook import load, plan_row, project_row, units_for

pytestmark = pytest.mark.django_db


def verify_url() -> str:
    """The filing verification page, or the user centre until the filings app names it."""
    try:
        return reverse("filings:verify")
    except NoReverseMatch:
        return reverse("accounts:center")


def url(plan) -> str:
    return f"/gzf/plans/{plan.pk}/"


class TestGating:
    def test_a_stranger_is_asked_to_log_in_and_come_back(self, stranger, quick_plan):
        response = stranger.get(url(quick_plan))

        page = response.content.decode()
        assert NEED_LOGIN in page
        assert f'href="/accounts/login/?next=%2Fgzf%2Fplans%2F{quick_plan.pk}%2F"' in page
        assert "朝阳家园" not in page

    def test_the_login_link_returns_to_the_project_list(self, stranger, quick_plan, person):
        from tests.conftest import PASSWORD

        response = stranger.post(f"/accounts/login/?next={url(quick_plan)}", {
            "tab": "password", "phone": person.phone, "password": PASSWORD, "next": url(quick_plan)})
        assert response.status_code == 302 and response["Location"] == url(quick_plan)

    def test_a_person_without_a_filing_is_sent_to_verify_it(self, person_client, quick_plan):
        response = person_client.get(url(quick_plan))

        page = response.content.decode()
        assert response.status_code == 403
        assert NEED_FILING in page
        assert f'href="{verify_url()}"' in page
        assert "朝阳家园" not in page

    def test_a_verified_family_sees_the_projects(self, family_client, quick_plan):
        response = family_client.get(url(quick_plan))

        page = response.content.decode()
        assert response.status_code == 200
        assert "朝阳家园" in page and "海淀家园" in page
        assert NEED_LOGIN not in page and NEED_FILING not in page

    def test_a_draft_or_missing_plan_is_not_found_in_chinese(self, family_client, stranger, tmp_path):
        load(tmp_path, [plan_row("DRAFT")], [project_row("DRAFT")], publish=False)
        from rentals.models import Plan

        draft = Plan.objects.get(code="DRAFT")
        for client in (family_client, stranger):
            for path in (url(draft), "/gzf/plans/999999/"):
                response = client.get(path)
                assert response.status_code == 404
                assert "页面不存在" in response.content.decode()

    def test_it_answers_only_get(self, family_client, quick_plan):
        assert family_client.post(url(quick_plan)).status_code == 405


class TestTheAnnouncementAndSummaries:
    def test_it_shows_the_announcement_and_whom_the_plan_admits(self, family_client, quick_plan):
        page = family_client.get(url(quick_plan)).content.decode()

        assert "本次配租面向已备案家庭。" in page
        assert "申请对象限制" in page
        assert re.search(r"限定区域</dt><dd[^>]*>朝阳区</dd>", page)
        assert re.search(r"限定类别</dt><dd[^>]*>普通</dd>", page)

    def test_each_project_shows_district_address_unit_types_and_rent(self, family_client, quick_plan):
        page = family_client.get(url(quick_plan)).content.decode()

        assert "朝阳区测试路1号" in page
        assert "一居室 20套" in page and "二居室 10套" in page and "三居室 2套" in page
        assert "1800–3100 元/月" in page and "3000–4200 元/月" in page
        assert page.count("去登记") == 2 and "查看详情 登记" not in page

    def test_a_real_time_plan_shows_free_units_and_its_own_button(self, family_client, realtime_plan):
        page = family_client.get(url(realtime_plan)).content.decode()

        assert "11 套（共 12 套）" in page
        assert "查看详情 登记" in page and "去登记" not in page


class TestFilters:
    def test_it_filters_by_district(self, family_client, quick_plan):
        page = family_client.get(url(quick_plan), {"district": "海淀区"}).content.decode()
        assert "海淀家园" in page and "朝阳家园" not in page

    def test_it_filters_by_unit_type(self, family_client, quick_plan):
        page = family_client.get(url(quick_plan), {"unit_type": "一居室"}).content.decode()
        assert "朝阳家园" in page and "海淀家园" not in page

    def test_filters_combine(self, family_client, quick_plan):
        both = family_client.get(url(quick_plan), {"district": "朝阳区", "unit_type": "二居室"}).content.decode()
        none = family_client.get(url(quick_plan), {"district": "朝阳区", "unit_type": "三居室"}).content.decode()
        assert "朝阳家园" in both and "海淀家园" not in both
        assert "没有符合条件的项目" in none

    def test_the_filter_is_kept_in_the_page_links(self, family_client, quick_plan):
        page = family_client.get(url(quick_plan), {"district": "海淀区", "unit_type": "三居室"}).content.decode()
        project = quick_plan.projects.get(code="XM002")
        query = urlencode({"district": "海淀区", "unit_type": "三居室"}).replace("&", "&amp;")
        link = f"/gzf/projects/{project.pk}/?{query}"
        assert link in page
        assert 'option value="海淀区" selected' in page

    def test_the_form_offers_the_plans_districts_and_unit_types(self, family_client, quick_plan):
        page = family_client.get(url(quick_plan)).content.decode()
        assert '<label for="id_district">区域</label>' in page and '<label for="id_unit_type">户型</label>' in page
        assert 'value="朝阳区"' in page and 'value="海淀区"' in page and 'value="丰台区"' not in page
        assert ">筛选</button>" in page

    @pytest.mark.parametrize("params", [{"district": "火星区"}, {"unit_type": "五居室"}, {"district": "丰台区"},
                                        {"district": "\x00", "unit_type": "x" * 5000}])
    def test_a_bad_filter_value_is_refused_in_chinese_and_all_projects_show(self, family_client, quick_plan, params):
        response = family_client.get(url(quick_plan), params)

        page = response.content.decode()
        assert response.status_code == 400
        assert "本计划没有" in page
        assert "朝阳家园" in page and "海淀家园" in page


@pytest.mark.parametrize("projects", [2, 40])
def test_it_uses_a_fixed_number_of_queries(family_client, tmp_path, projects, django_assert_max_num_queries):
    rows, units = [], []
    for i in range(projects):
        rows += [project_row("SS01", f"X{i:03d}", district=["朝阳区", "丰台区"][i % 2], count=3),
                 project_row("SS01", f"X{i:03d}", district=["朝阳区", "丰台区"][i % 2], unit_type="二居室", count=2)]
        units += units_for(f"X{i:03d}", 3) + units_for(f"X{i:03d}", 2, "二居室", entrance="2")
    load(tmp_path, [plan_row("SS01", mode="实时配租")], rows, units)
    from rentals.models import Plan

    plan = Plan.objects.get()
    # user, filing; plan; projects with unit counts; their offers; the family's registration in the plan
    with django_assert_max_num_queries(6):
        response = family_client.get(url(plan), {"district": "朝阳区", "unit_type": "二居室"})
    assert response.status_code == 200
    assert response.content.decode().count("查看详情 登记") == projects // 2
