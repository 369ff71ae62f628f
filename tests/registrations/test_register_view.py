import pytest
from django.urls import reverse

from bphc.gating import NEED_LOGIN
from registrations.models import Registration
from rentals.models import Plan

from .conftest import make_plan, make_project


def _url(project, **query):
    base = reverse("registrations:register", args=[project.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.mark.django_db
class TestGating:
    def test_a_stranger_is_sent_to_log_in_and_back(self, stranger, quick_project):
        # Issue 13 item 6: one gate, the catalogue's: a page that says why, with the way back.
        response = stranger.get(_url(quick_project))
        page = response.content.decode()
        assert response.status_code == 200 and NEED_LOGIN in page
        assert 'href="/accounts/login/?next=%2Fregister%2F' in page

    def test_a_session_that_ran_out_mid_registration_is_explained(self, stranger, quick_project):
        response = stranger.post(_url(quick_project), {"unit_type": "一居室", "acknowledged": "on"})
        page = response.content.decode()
        assert "您的登录已过期，请重新登录后继续办理" in page
        assert 'href="/accounts/login/?next=%2Fregister%2F' in page
        assert not Registration.objects.exists()

    def test_a_person_without_filing_is_told_to_verify(self, person_client, quick_project):
        response = person_client.get(_url(quick_project))
        assert response.status_code == 403
        assert "您还未进行公租房备案家庭认证，请前往个人中心进行认证" in response.content.decode()

    def test_a_draft_plan_is_not_found(self, family_client, quick_project):
        Plan.objects.update(is_published=False)
        assert family_client.get(_url(quick_project)).status_code == 404

    def test_an_unknown_project_is_not_found(self, family_client, db):
        assert family_client.get("/register/999999/").status_code == 404


@pytest.mark.django_db
class TestQuick:
    def test_a_family_with_several_types_chooses_one_first(self, family_client, quick_project):
        page = family_client.get(_url(quick_project)).content.decode()
        assert "请选择要登记的套型" in page
        assert "一居室" in page and "二居室" in page
        assert "三居室" not in page.split("<form")[1]  # offered, but the family does not qualify

    def test_after_choosing_the_notice_appears_with_the_tick(self, family_client, quick_project):
        page = family_client.get(_url(quick_project, unit_type="二居室")).content.decode()
        assert "本次计划的告知书" in page
        assert "一、登记不等于配租" in page
        assert "我已经仔细阅读登记告知书" in page
        assert 'data-requires-check="id_acknowledged"' in page

    def test_a_family_with_one_qualifying_type_goes_straight_to_the_notice(self, family_client, db):
        project = make_project(make_plan("KS-ONE"), "XM-ONE", ("二居室", "三居室"))
        page = family_client.get(_url(project)).content.decode()
        assert "本次计划的告知书" in page and "二居室" in page

    def test_the_server_refuses_a_post_without_the_tick(self, family_client, quick_project):
        response = family_client.post(_url(quick_project), {"unit_type": "一居室"})
        assert response.status_code == 400
        assert "请先阅读告知书" in response.content.decode()
        assert not Registration.objects.exists()

    def test_it_registers_and_shows_the_success_page_with_three_ways_on(self, family_client, quick_project):
        response = family_client.post(_url(quick_project), {"unit_type": "一居室", "acknowledged": "on"})
        registration = Registration.objects.get()
        assert response["Location"] == reverse("registrations:success", args=[registration.pk])
        page = family_client.get(response["Location"]).content.decode()
        assert "登记成功" in page and registration.number in page
        for way in ("打印", "个人中心", "继续选择项目"):
            assert way in page

    def test_a_double_submit_registers_once_and_shows_the_same_registration(self, family_client, quick_project):
        first = family_client.post(_url(quick_project), {"unit_type": "一居室", "acknowledged": "on"})
        second = family_client.post(_url(quick_project), {"unit_type": "一居室", "acknowledged": "on"}, follow=True)
        assert Registration.objects.count() == 1
        assert second.redirect_chain[0][0] == first["Location"]
        assert "无需重复提交" in second.content.decode()

    def test_a_second_registration_in_the_plan_is_refused_with_the_reason(self, family_client, quick_project):
        family_client.post(_url(quick_project), {"unit_type": "一居室", "acknowledged": "on"})
        page = family_client.get(_url(quick_project, unit_type="二居室")).content.decode()
        assert "登记失败" in page and "本计划每户限登记一次" in page
        assert Registration.objects.count() == 1

    def test_a_post_for_another_type_shows_the_registration_already_made(self, family_client, quick_project):
        # The first answer was lost (a server died after the commit): the family tries again,
        # perhaps choosing differently, and is shown what it holds, not refused.
        family_client.post(_url(quick_project), {"unit_type": "一居室", "acknowledged": "on"})
        registration = Registration.objects.get()
        response = family_client.post(_url(quick_project), {"unit_type": "二居室", "acknowledged": "on"}, follow=True)
        page = response.content.decode()
        assert response.redirect_chain == [(reverse("registrations:success", args=[registration.pk]), 302)]
        assert f"您已登记过本计划（登记编号 {registration.number}）" in page and "登记成功" in page
        assert Registration.objects.count() == 1

    def test_a_district_limited_plan_names_the_restriction(self, family_client, db):
        project = make_project(make_plan("KS-HD", districts=["海淀区"]), "XM-HD", ("一居室",))
        page = family_client.get(_url(project)).content.decode()
        assert "行政区域限制" in page
        response = family_client.post(_url(project), {"unit_type": "一居室", "acknowledged": "on"})
        assert response.status_code == 409
        assert not Registration.objects.exists()

    def test_a_project_with_no_qualifying_type_says_so(self, family_client, db):
        project = make_project(make_plan("KS-3"), "XM-3", ("三居室",))
        page = family_client.get(_url(project)).content.decode()
        assert "套型资格不符" in page

    def test_a_forged_unit_type_is_refused(self, family_client, quick_project):
        response = family_client.post(_url(quick_project), {"unit_type": "<script>", "acknowledged": "on"})
        assert response.status_code == 409
        assert "<script>" not in response.content.decode()
        assert not Registration.objects.exists()


@pytest.mark.django_db
class TestRealtime:
    def test_it_claims_the_chosen_unit(self, family_client, realtime_project):
        unit = realtime_project.units.first()
        page = family_client.get(_url(realtime_project, unit=unit.pk)).content.decode()
        assert unit.label in page and "我已经仔细阅读登记告知书" in page
        response = family_client.post(_url(realtime_project), {"unit": unit.pk, "acknowledged": "on"})
        assert response.status_code == 302
        unit.refresh_from_db()
        assert unit.taken

    def test_a_taken_unit_is_refused_to_a_second_family(self, family_client, other_family, client, realtime_project):
        unit = realtime_project.units.first()
        family_client.post(_url(realtime_project), {"unit": unit.pk, "acknowledged": "on"})
        client.force_login(other_family)
        page = client.get(_url(realtime_project, unit=unit.pk)).content.decode()
        assert "该房源已被其他家庭登记" in page
        response = client.post(_url(realtime_project), {"unit": unit.pk, "acknowledged": "on"})
        assert response.status_code == 409
        assert Registration.objects.count() == 1

    def test_a_post_for_another_unit_after_a_lost_answer_shows_the_first(self, family_client, realtime_project):
        first, second = realtime_project.units.all()[:2]
        family_client.post(_url(realtime_project), {"unit": first.pk, "acknowledged": "on"})
        registration = Registration.objects.get()
        response = family_client.post(_url(realtime_project), {"unit": second.pk, "acknowledged": "on"})
        assert response["Location"] == reverse("registrations:success", args=[registration.pk])
        second.refresh_from_db()
        assert not second.taken and Registration.objects.count() == 1

    def test_a_unit_of_another_project_is_not_found(self, family_client, realtime_project):
        other = make_project(make_plan("SS-2", Plan.Mode.REALTIME), "XM-SS-2", ("一居室",))
        unit = realtime_project.units.first()
        assert family_client.get(_url(other, unit=unit.pk)).status_code == 404
        assert family_client.get(_url(other, unit="abc")).status_code == 404
        assert family_client.get(_url(other)).status_code == 404


@pytest.mark.django_db
def test_a_plan_level_refusal_comes_before_choosing_a_unit_type(family_client):
    project = make_project(make_plan("KS-HD2", districts=["海淀区"]), "XM-HD2", ("一居室", "二居室"))
    page = family_client.get(_url(project)).content.decode()
    assert "行政区域限制" in page
    assert "请选择要登记的套型" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["9223372036854775808", "²", "-1"])
def test_implausible_unit_ids_answer_not_found(family_client, realtime_project, bad):
    assert family_client.get(_url(realtime_project, unit=bad)).status_code == 404
