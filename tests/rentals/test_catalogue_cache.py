"""The cached catalogue never lies (issue 18): claims, cancels, imports and publishing show on the
next page load, for every family, and no family's data reaches another's page."""

import difflib
import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client

from registrations.models import Registration
from registrations.services import registration_cancel, registration_create
from rentals import catalogue
from rentals.models import Plan, Unit

from .workbook import load, plan_row, project_row, units_for

pytestmark = pytest.mark.django_db


def detail(project) -> str:
    return f"/gzf/projects/{project.pk}/"


def listing(plan) -> str:
    return f"/gzf/plans/{plan.pk}/"


def page(client: Client, path: str) -> str:
    """The page as the family gets it, its CSRF tokens (new on every page) left out."""
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', response.content.decode())


def offered(html: str, unit: Unit) -> bool:
    """The unit's row has its 登记 link (free), as opposed to 已登记 (taken)."""
    return f"?unit={unit.pk}\"" in html


def tab(html: str, building: str) -> str:
    return re.search(rf"{building}号楼 <small>(可选\d+/\d+)</small>", html).group(1)


def other_client(user) -> Client:
    """Another browser, as if on another app server: nothing shared with the first but the cache."""
    client = Client()
    client.force_login(user)
    return client


class _Counting:
    """The cache, its reads counted."""

    def __init__(self, cache) -> None:
        self._cache, self.reads = cache, 0

    def __getattr__(self, name: str):
        if name in ("get", "get_many"):
            self.reads += 1
        return getattr(self._cache, name)


def register(user, project, unit) -> Registration:
    registration, _ = registration_create(filing=user.filing, actor=user, project=project, unit=unit, acknowledged=True)
    return registration


class TestClaimsAndCancels:
    def test_a_unit_claimed_shows_taken_on_the_next_load_for_any_family(self, family, other_family,
                                                                         realtime_project):
        unit = realtime_project.units.get(building="1", room="102")
        mine, theirs = other_client(family), other_client(other_family)
        before = page(theirs, detail(realtime_project))  # the catalogue is now in the cache
        assert offered(before, unit) and tab(before, "1") == "可选3/4"
        response = mine.post(f"/register/{realtime_project.pk}/?unit={unit.pk}",
                             {"unit": unit.pk, "acknowledged": "on"})
        assert response.status_code == 302
        for client in (theirs, mine):
            after = page(client, detail(realtime_project))
            assert not offered(after, unit) and tab(after, "1") == "可选2/4"
            assert re.search(r"一居室</th><td[^>]*>12</td><td[^>]*>10</td>", after)  # 可选 in the 套型 table

    def test_a_unit_claimed_is_gone_from_the_free_only_list_and_the_project_list_count(self, family, other_family,
                                                                                       realtime_project):
        unit = realtime_project.units.get(building="1", room="102")
        theirs = other_client(other_family)
        free_only = detail(realtime_project) + "?building=1&free=on"
        assert offered(page(theirs, free_only), unit)
        assert "10 套（共 12 套）" not in page(theirs, listing(realtime_project.plan))
        register(family, realtime_project, unit)
        assert f"?unit={unit.pk}" not in page(theirs, free_only)
        assert "10 套（共 12 套）" in page(theirs, listing(realtime_project.plan))

    def test_a_cancel_frees_the_unit_on_the_next_load(self, family, other_family, realtime_project):
        unit = realtime_project.units.get(building="2", room="101")
        registration = register(family, realtime_project, unit)
        theirs = other_client(other_family)
        assert not offered(page(theirs, detail(realtime_project) + "?building=2"), unit)
        registration_cancel(registration=registration, actor=family)
        after = page(theirs, detail(realtime_project) + "?building=2")
        assert offered(after, unit) and tab(after, "2") == "可选4/4"
        assert "11 套（共 12 套）" in page(theirs, listing(realtime_project.plan))

    def test_a_warm_page_is_the_page_a_cold_cache_draws(self, family, other_family, realtime_project):
        """Any server, whatever its cache holds: the same bytes after claims and a cancel."""
        theirs = other_client(other_family)
        paths = [detail(realtime_project), detail(realtime_project) + "?building=10",
                 detail(realtime_project) + "?building=1&free=on", listing(realtime_project.plan),
                 # the cards' and the tabs' links keep a filter: filled in per request
                 detail(realtime_project) + "?building=10&free=on&district=丰台区",
                 listing(realtime_project.plan) + "?district=丰台区&unit_type=一居室"]
        for path in paths:
            page(theirs, path)  # drawn before the claims
        units = list(realtime_project.units.filter(taken=False).order_by("pk")[:3])
        kept = register(family, realtime_project, units[0])
        registration_cancel(registration=kept, actor=family)
        register(family, realtime_project, units[1])
        for path in paths:
            warm = page(theirs, path)
            cache.clear()
            cold = page(theirs, path)
            changed = difflib.unified_diff(warm.splitlines(), cold.splitlines(), lineterm="")
            assert cold == warm, path + "\n" + "\n".join(changed)


class TestCatalogueChanges:
    def test_a_reimport_shows_at_once(self, other_family, tmp_path):
        rows = units_for("XM501", 4)
        load(tmp_path, [plan_row("RE01", mode="实时配租")], [project_row("RE01", "XM501", count=4)], rows,
             name="first.xlsx")
        project = Plan.objects.get(code="RE01").projects.get()
        theirs = other_client(other_family)
        before = page(theirs, detail(project))
        assert "1900元" in before and "105室" not in before and tab(before, "1") == "可选4/4"
        rows[0][7] = 2345  # the rent of 101
        rows.append(units_for("XM501", 5)[4])  # and a fifth flat, 105
        load(tmp_path, [plan_row("RE01", mode="实时配租")], [project_row("RE01", "XM501", count=5)], rows,
             name="second.xlsx")
        after = page(theirs, detail(project))
        assert "2345元" in after and "1900元" not in after
        assert "105室" in after and tab(after, "1") == "可选5/5"

    def test_a_unit_or_offer_changed_by_a_clerk_shows_at_once(self, other_family, realtime_project):
        theirs = other_client(other_family)
        assert "朝北" not in page(theirs, detail(realtime_project))
        unit = realtime_project.units.get(building="1", room="102")
        unit.orientation = "北"
        unit.save()
        assert "朝北" in page(theirs, detail(realtime_project))
        offer = realtime_project.offers.get()
        offer.count = 99
        offer.save()
        assert re.search(r"一居室</th><td[^>]*>99</td>", page(theirs, detail(realtime_project)))
        assert re.search(r"一居室 99套", page(theirs, listing(realtime_project.plan)))

    def test_an_offer_withdrawn_is_gone_from_the_register_page_at_once(self, other_family, quick_plan):
        project = quick_plan.projects.get(code="XM001")
        theirs = other_client(other_family)
        assert 'value="二居室"' in page(theirs, f"/register/{project.pk}/")
        project.offers.get(unit_type="二居室").delete()
        after = page(theirs, f"/register/{project.pk}/")
        assert 'value="一居室"' in after and 'value="二居室"' not in after

    def test_the_pages_facts_changed_without_a_save_show_at_once(self, other_family, realtime_project):
        # No signal and no new token: the 项目详情 drawn once per process is keyed on the rows as read.
        from rentals.models import Project

        theirs = other_client(other_family)
        before = page(theirs, detail(realtime_project))
        assert "丰台实时家园" in before and "右安门外大街" not in before
        Project.objects.filter(pk=realtime_project.pk).update(address="右安门外大街 1 号", name="丰台新家园")
        Plan.objects.filter(pk=realtime_project.plan_id).update(name="二〇二七年第一批实时配租")
        after = page(theirs, detail(realtime_project))
        assert "右安门外大街 1 号" in after and '<h1 class="page-title">丰台新家园</h1>' in after
        assert "二〇二七年第一批实时配租" in after.split("<h1")[0]  # the crumbs
        Plan.objects.filter(pk=realtime_project.plan_id).update(announcement="请携带户口本原件。")
        assert "请携带户口本原件。" in page(theirs, listing(realtime_project.plan))

    def test_a_project_renamed_or_added_shows_at_once_on_the_plan_list(self, other_family, realtime_project):
        theirs = other_client(other_family)
        assert "丰台实时家园" in page(theirs, "/gzf/plans/")
        realtime_project.name = "丰台新家园"
        realtime_project.save()
        realtime_project.pk = None
        realtime_project.code, realtime_project.name = "XM102", "丰台二期家园"
        realtime_project.save()
        after = page(theirs, "/gzf/plans/")
        assert "丰台新家园、丰台二期家园" in after and "丰台实时家园" not in after

    def test_a_project_moved_to_another_plan_leaves_the_first_plans_list(self, other_family, realtime_project,
                                                                         quick_plan):
        theirs = other_client(other_family)
        assert "丰台实时家园" in page(theirs, listing(realtime_project.plan))
        assert "丰台实时家园" not in page(theirs, listing(quick_plan))
        first = realtime_project.plan
        realtime_project.plan = quick_plan
        realtime_project.save()
        assert "丰台实时家园" not in page(theirs, listing(first))
        assert "丰台实时家园" in page(theirs, listing(quick_plan))

    def test_publishing_and_unpublishing_show_at_once(self, other_family, tmp_path):
        load(tmp_path, [plan_row("PB01", mode="实时配租")], [project_row("PB01", "XM601", count=2)],
             units_for("XM601", 2), publish=False)
        plan = Plan.objects.get(code="PB01")
        theirs = other_client(other_family)
        assert theirs.get(listing(plan)).status_code == 404
        plan.is_published = True
        plan.save()
        assert "XM601" in page(theirs, listing(plan)) and "PB01" in page(theirs, "/gzf/plans/")
        plan.is_published = False
        plan.save()
        assert theirs.get(listing(plan)).status_code == 404
        assert theirs.get(detail(plan.projects.get())).status_code == 404


class TestNoFamilysDataInAnothers:
    def test_two_families_on_the_same_pages_see_only_their_own(self, family, other_family, realtime_project):
        registration = register(family, realtime_project, realtime_project.units.get(building="1", room="102"))
        mine, theirs = other_client(family), other_client(other_family)
        paths = [detail(realtime_project), listing(realtime_project.plan), "/gzf/plans/"]
        for path in paths:
            assert registration.number in page(mine, path) or path == "/gzf/plans/"
            seen = page(theirs, path)  # drawn after the first family's, from the same cache
            for private in (registration.number, family.name, family.masked_phone, "您已登记本计划"):
                assert private not in seen, (path, private)
            cache.clear()
            assert page(theirs, path) == seen, path


class TestQueries:
    def test_a_warm_detail_page_reads_the_taken_units_not_the_catalogue(self, family_client, realtime_project,
                                                                         django_assert_max_num_queries):
        family_client.get(detail(realtime_project) + "?building=2")
        # the user with its filing; project and plan; the taken units; the family's registration in the plan
        with django_assert_max_num_queries(4):
            assert family_client.get(detail(realtime_project) + "?building=2").status_code == 200

    def test_a_warm_detail_page_reads_nothing_of_its_catalogue_from_redis(self, family_client, realtime_project):
        # On a server that has not drawn it (Redis warm, the process not): the entry and the rows of
        # the building shown; from then on the process's own: the first look (no building asked), a
        # building asked, and one the project has not (the first is shown, with a message).
        for query in ("", "?building=2", "?building=99"):
            family_client.get(detail(realtime_project) + query)
            catalogue.kept.clear()
            for reads in (2, 0):
                with mock.patch.object(catalogue, "cache", _Counting(catalogue.cache)) as counting:
                    response = family_client.get(detail(realtime_project) + query)
                assert response.status_code in (200, 400) and '<td data-label="套型">' in response.content.decode()
                assert counting.reads == reads, query

    def test_a_warm_plan_list_reads_only_the_plans(self, family_client, realtime_project,
                                                   django_assert_max_num_queries):
        family_client.get("/gzf/plans/")
        with django_assert_max_num_queries(2):  # the user with its filing (for the gate's words); the plans
            assert family_client.get("/gzf/plans/").status_code == 200

    def test_a_warm_project_list_counts_only_the_taken_units(self, family_client, realtime_project,
                                                              django_assert_max_num_queries):
        family_client.get(listing(realtime_project.plan))
        # the user with its filing; plan; taken units per project; the family's registration in the plan
        with django_assert_max_num_queries(4):
            assert family_client.get(listing(realtime_project.plan)).status_code == 200


class TestRowsDrawn:
    @pytest.mark.parametrize("plan_open", [True, False])
    def test_each_taken_row_is_the_row_the_template_draws_taken(self, realtime_project, plan_open):
        """The free rows are a blank row filled per unit (catalogue._free_rows) and the taken rows are
        made from the free ones (catalogue._as_taken): byte for byte what the template draws for the
        unit free and taken, for every unit of every building, open plan or not."""
        from django.template.loader import get_template
        from django.urls import reverse

        from rentals import catalogue

        # Rows with and without a 朝向, and words the template escapes, next to the imported ones.
        first = realtime_project.units.order_by("pk").first()
        Unit.objects.filter(pk=first.pk).update(orientation="")
        Unit.objects.filter(pk=realtime_project.units.order_by("pk")[1].pk).update(room="<1&2>", orientation='南"北')
        template = get_template("rentals/_unit_row.html")
        context = {"plan_open": plan_open,
                   "register_url": reverse("registrations:register", args=[realtime_project.pk])}
        units = {u.pk: u for u in realtime_project.units.all()}
        for building in {u.building for u in units.values()}:
            for pk, _, free, taken in catalogue.building_rows(realtime_project, building, plan_open=plan_open):
                unit = units[pk]
                unit.taken = True
                assert taken == template.render({**context, "u": unit}), (building, pk)
                unit.taken = False
                assert free == template.render({**context, "u": unit}), (building, pk)


class TestDeploys:
    def test_a_plans_mode_changed_without_a_save_draws_its_own_offer_table(self, other_family, realtime_project):
        # The 套型 rows are drawn once per plan version, with a 可选 cell only in a real-time plan.
        theirs = other_client(other_family)
        with_free = re.compile(r'<td data-label="套数">12</td><td data-label="可选">\d+</td>')
        assert with_free.search(page(theirs, detail(realtime_project)))
        Plan.objects.filter(pk=realtime_project.plan_id).update(mode=Plan.Mode.QUICK)
        quick = page(theirs, detail(realtime_project))
        assert 'data-label="可选"' not in quick and '<td data-label="套数">12</td><td data-label="面积（㎡）">' in quick
        Plan.objects.filter(pk=realtime_project.plan_id).update(mode=Plan.Mode.REALTIME)
        assert with_free.search(page(theirs, detail(realtime_project)))

    def test_entries_written_by_the_code_before_are_not_read(self, other_family, realtime_project):
        """A deploy that changes what an entry holds meets Redis full of the old ones (same plan
        token): the pages must not read them, or every catalogue page fails for an hour."""
        plan = realtime_project.plan
        old = f"catalogue:{plan.pk}:{plan.catalogue_token}"  # the keys as 0186a03 wrote them
        cache.set(f"{old}:project:{realtime_project.pk}", {"offers": [], "totals": {}})
        cache.set(f"{old}:projects", list(plan.projects.with_unit_counts().prefetch_related("offers")))
        theirs = other_client(other_family)
        assert "套型登记" in page(theirs, detail(realtime_project))
        assert realtime_project.name in page(theirs, listing(plan))


def test_a_value_filled_in_is_escaped_as_the_template_escapes_it():
    from decimal import Decimal

    from django.utils.functional import lazystr
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe

    for value in ("<b>\"A&B's\"</b>", "1单元", 12, Decimal("45.50"), mark_safe("<i>x</i>"), lazystr("<a>"), None, ""):
        assert catalogue._escaped(value) == conditional_escape(value), value
