"""Issue 14 items 11–14 and 17: what a family reads around a registration."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from registrations.models import Registration
from registrations.services import registration_cancel, registration_create

from .conftest import make_plan, make_project


def _register(user, project, **target):
    registration, _ = registration_create(filing=user.filing, actor=user, project=project, acknowledged=True,
                                          **target)
    return registration


@pytest.mark.django_db
class TestBackAfterRegistering:
    def test_the_familys_own_flat_shows_its_registration_not_a_refusal(self, family_client, family,
                                                                        realtime_project):
        unit = realtime_project.units.first()
        registration = _register(family, realtime_project, unit=unit)
        response = family_client.get(reverse("registrations:register", args=[realtime_project.pk]),
                                     {"unit": unit.pk}, follow=True)
        page = response.content.decode()
        assert "登记失败" not in page and "该房源已被其他家庭登记" not in page
        assert "登记成功" in page and registration.number in page

    def test_the_familys_own_unit_type_shows_its_registration(self, family_client, family, quick_project):
        registration = _register(family, quick_project, unit_type="二居室")
        response = family_client.get(reverse("registrations:register", args=[quick_project.pk]),
                                     {"unit_type": "二居室"}, follow=True)
        assert registration.number in response.content.decode() and "登记失败" not in response.content.decode()

    def test_another_flat_in_the_same_plan_is_still_refused(self, family_client, family, realtime_project):
        first, second = realtime_project.units.all()[:2]
        _register(family, realtime_project, unit=first)
        response = family_client.get(reverse("registrations:register", args=[realtime_project.pk]),
                                     {"unit": second.pk})
        assert "本计划每户限登记一次" in response.content.decode()


@pytest.mark.django_db
class TestCancelledRegistration:
    def test_the_success_page_of_a_cancelled_registration_says_cancelled(self, family_client, family,
                                                                          quick_project):
        registration = _register(family, quick_project, unit_type="一居室")
        registration_cancel(registration=registration, actor=family)
        page = family_client.get(reverse("registrations:success", args=[registration.pk])).content.decode()
        assert "<h1>已取消</h1>" in page and "登记成功" not in page

    def test_a_live_registration_still_says_success(self, family_client, family, quick_project):
        registration = _register(family, quick_project, unit_type="一居室")
        page = family_client.get(reverse("registrations:success", args=[registration.pk])).content.decode()
        assert "<h1>登记成功</h1>" in page and "已取消" not in page
        assert quick_project.name in page and "一居室" in page and quick_project.plan.name in page

    def test_the_success_page_names_the_flat_the_family_took(self, family_client, family, realtime_project):
        unit = realtime_project.units.last()
        registration = _register(family, realtime_project, unit=unit)
        page = family_client.get(reverse("registrations:success", args=[registration.pk])).content.decode()
        assert "<h1>登记成功</h1>" in page and registration.number in page
        assert realtime_project.name in page and unit.label in page

    def test_another_familys_success_page_is_not_found(self, family_client, other_family, quick_project):
        registration = _register(other_family, quick_project, unit_type="一居室")
        assert family_client.get(reverse("registrations:success", args=[registration.pk])).status_code == 404
        assert family_client.get(f"/registrations/{2**70}/success/").status_code == 404

    def test_the_print_preview_of_a_cancelled_receipt_says_void(self, family_client, family, quick_project):
        registration = _register(family, quick_project, unit_type="一居室")
        registration_cancel(registration=registration, actor=family)
        page = family_client.get(reverse("registrations:print"), {"ids": registration.pk}).content.decode()
        assert 'class="receipt receipt-void"' in page and "本回执作废" in page

    @pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (make sysdeps) provides pdftotext")
    def test_the_pdf_of_a_cancelled_receipt_carries_the_watermark(self, family_client, family, quick_project,
                                                                  realtime_project, tmp_path):
        cancelled = _register(family, quick_project, unit_type="一居室")
        registration_cancel(registration=cancelled, actor=family)
        live = _register(family, realtime_project, unit=realtime_project.units.first())
        response = family_client.get(reverse("registrations:print_pdf"), {"ids": [cancelled.pk, live.pk]})
        pdf = tmp_path / "r.pdf"
        pdf.write_bytes(response.content)
        pages = [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True,
                                text=True).stdout for n in (1, 2)]
        by_number = {cancelled.number: next(p for p in pages if cancelled.number in p),
                     live.number: next(p for p in pages if live.number in p)}
        assert "本回执作废" in by_number[cancelled.number]
        assert "已取消" not in by_number[live.number]


@pytest.mark.django_db
class TestContinueChoosing:
    def test_the_success_page_leads_to_the_plan_list(self, family_client, family, quick_project):
        registration = _register(family, quick_project, unit_type="一居室")
        page = family_client.get(reverse("registrations:success", args=[registration.pk])).content.decode()
        assert f'href="{reverse("rentals:plans")}">继续选择项目' in page
        assert reverse("rentals:projects", args=[quick_project.plan_id]) not in page

    def test_the_refusal_page_leads_to_the_plan_list(self, family_client, family, quick_project):
        _register(family, quick_project, unit_type="一居室")
        page = family_client.get(reverse("registrations:register", args=[quick_project.pk]),
                                 {"unit_type": "二居室"}).content.decode()
        assert f'href="{reverse("rentals:plans")}">继续选择项目' in page


@pytest.mark.django_db
class TestChoosingNothing:
    def test_confirming_without_a_unit_type_says_so(self, family_client, quick_project):
        response = family_client.get(reverse("registrations:register", args=[quick_project.pk]), {"step": "choose"})
        assert response.status_code == 400
        assert "请选择一个套型。" in response.content.decode()

    def test_the_first_visit_shows_no_error(self, family_client, quick_project):
        response = family_client.get(reverse("registrations:register", args=[quick_project.pk]))
        assert response.status_code == 200 and "请选择一个套型。" not in response.content.decode()


@pytest.mark.django_db
class TestSaidUpFront:
    def test_the_project_list_and_detail_say_the_family_has_registered(self, family_client, family, quick_project):
        registration = _register(family, quick_project, unit_type="一居室")
        for url in (reverse("rentals:projects", args=[quick_project.plan_id]),
                    reverse("rentals:project", args=[quick_project.pk])):
            page = family_client.get(url).content.decode()
            assert "您已登记本计划" in page and registration.number in page

    def test_a_district_limited_plan_says_why_before_any_button(self, family_client, db):
        project = make_project(make_plan("HD-01", districts=["海淀区"]), "XM-HD-01")
        for url in (reverse("rentals:projects", args=[project.plan_id]), reverse("rentals:project", args=[project.pk])):
            page = family_client.get(url).content.decode()
            assert "您不符合本计划的申请条件" in page and "本计划仅限备案区为海淀区的家庭登记" in page

    def test_a_project_without_a_qualifying_unit_type_says_so_on_its_page(self, family_client, db):
        project = make_project(make_plan("SJ-01"), "XM-SJ-01", ("三居室",))
        page = family_client.get(reverse("rentals:project", args=[project.pk])).content.decode()
        assert "您不符合本计划的申请条件" in page and "没有您可以登记的套型" in page

    def test_an_eligible_family_reads_no_warning(self, family_client, quick_project):
        page = family_client.get(reverse("rentals:project", args=[quick_project.pk])).content.decode()
        assert "您不符合本计划的申请条件" not in page and "您已登记本计划" not in page

    def test_a_cancelled_registration_is_not_said_to_hold(self, family_client, family, quick_project):
        registration_cancel(registration=_register(family, quick_project, unit_type="一居室"), actor=family)
        page = family_client.get(reverse("rentals:project", args=[quick_project.pk])).content.decode()
        assert "您已登记本计划" not in page and Registration.objects.active().count() == 0
