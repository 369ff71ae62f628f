import datetime as dt
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from registrations.models import Registration
from registrations.services import registration_create
from rentals.models import Plan
from results.services import plan_freeze
from tests.conftest import last_code

from .conftest import make_plan, make_project


def _register(user, project, **kw):
    kw.setdefault("unit_type", None if project.plan.is_realtime else "一居室")
    registration, _ = registration_create(filing=user.filing, actor=user, project=project, acknowledged=True, **kw)
    return registration


@pytest.fixture
def two_records(family, quick_project, realtime_project):
    return [_register(family, quick_project), _register(family, realtime_project, unit=realtime_project.units.first())]


@pytest.mark.django_db
class TestRecords:
    def test_the_list_shows_the_familys_registrations_newest_first(self, family_client, two_records):
        page = family_client.get(reverse("registrations:records")).content.decode()
        assert page.index(two_records[1].number) < page.index(two_records[0].number)
        assert page.count("查看更多") == 2
        assert 'name="ids"' in page and ">打印<" in page and ">取消<" in page

    def test_the_list_does_not_grow_queries_with_rows(self, family_client, family, django_assert_max_num_queries):
        for i in range(12):
            _register(family, make_project(make_plan(f"Q-{i}"), f"XM-Q-{i}"))
        with django_assert_max_num_queries(8):
            response = family_client.get(reverse("registrations:records"))
        assert response.content.decode().count("查看更多") == 12

    def test_a_person_without_filing_is_told_to_verify(self, person_client):
        page = person_client.get(reverse("registrations:records")).content.decode()
        assert "去公租房备案家庭信息认证" in page

    def test_the_detail_page_shows_everything(self, family_client, two_records):
        registration = two_records[1]
        page = family_client.get(reverse("registrations:detail", args=[registration.pk])).content.decode()
        for text in (registration.number, registration.project.name, registration.unit.label, "网上登记",
                     "1101**********0016"):
            assert text in page
        assert "110105198001010016" not in page

    def test_an_assisted_registration_names_the_clerk(self, family_client, family, quick_project, make_user):
        clerk = make_user("13700000001", name="窗口小王", is_staff=True)
        registration, _ = registration_create(
            filing=family.filing, actor=clerk, project=quick_project, unit_type="一居室", acknowledged=True,
            channel=Registration.Channel.ASSISTED, clerk=clerk, consent="短信验证码确认",
        )
        page = family_client.get(reverse("registrations:detail", args=[registration.pk])).content.decode()
        assert "现场协助登记" in page and "窗口小王" in page
        assert "现场协助登记" in family_client.get(reverse("registrations:records")).content.decode()


@pytest.mark.django_db
class TestAnotherFamilysRegistration:
    @pytest.mark.parametrize("name", ["success", "detail"])
    def test_pages_by_id_answer_not_found(self, client, other_family, two_records, name):
        client.force_login(other_family)
        assert client.get(reverse(f"registrations:{name}", args=[two_records[0].pk])).status_code == 404

    @pytest.mark.parametrize("name", ["print", "print_pdf", "cancel"])
    def test_ticked_pages_answer_not_found(self, client, other_family, two_records, name):
        client.force_login(other_family)
        url = reverse(f"registrations:{name}") + f"?ids={two_records[0].pk}"
        assert client.get(url).status_code == 404
        assert client.post(url, {"ids": two_records[0].pk, "code": "123456"}).status_code == 404
        assert Registration.objects.active().count() == 2

    @pytest.mark.parametrize("name", ["print", "print_pdf", "cancel"])
    def test_a_mix_of_own_and_others_answers_not_found(self, client, family, other_family, quick_project, two_records,
                                                        name):
        mine = _register(other_family, quick_project)
        client.force_login(other_family)
        url = reverse(f"registrations:{name}") + f"?ids={mine.pk}&ids={two_records[0].pk}"
        assert client.get(url).status_code == 404

    def test_a_stranger_is_sent_to_log_in(self, stranger, two_records):
        for url in (reverse("registrations:records"), reverse("registrations:detail", args=[two_records[0].pk]),
                    reverse("registrations:print") + f"?ids={two_records[0].pk}"):
            assert stranger.get(url).status_code == 302

    def test_garbage_ids_answer_not_found(self, family_client, two_records):
        assert family_client.get(reverse("registrations:print") + "?ids=abc").status_code == 404


@pytest.mark.django_db
class TestPrint:
    def test_nothing_ticked_goes_back_with_a_message(self, family_client, two_records):
        response = family_client.get(reverse("registrations:print"), follow=True)
        assert "请先勾选要打印的登记结果" in response.content.decode()

    def test_the_preview_shows_each_receipt_with_its_check_code(self, family_client, two_records):
        ids = "&".join(f"ids={r.pk}" for r in two_records)
        page = family_client.get(reverse("registrations:print") + "?" + ids).content.decode()
        for r in two_records:
            assert r.number in page and r.check_code in page
            assert f"/verify/{r.number}/{r.check_code}/" in page
        assert "data:image/svg+xml" in page  # the QR code
        assert "data-print" in page and "下载PDF" in page

    @pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (make sysdeps) provides pdftotext")
    def test_the_pdf_holds_the_number_and_project_in_chinese(self, family_client, two_records, tmp_path):
        ids = "&".join(f"ids={r.pk}" for r in two_records)
        response = family_client.get(reverse("registrations:print_pdf") + "?" + ids)
        assert response["Content-Type"] == "application/pdf"
        pdf = tmp_path / "r.pdf"
        pdf.write_bytes(response.content)
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
        for r in two_records:
            assert r.number in text
            assert r.project.name in text
        assert "公共租赁住房登记回执" in text
        pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert re.search(r"^Pages:\s+2$", pages, re.M), pages


@pytest.mark.django_db
class TestVerify:
    def test_a_genuine_receipt_is_confirmed_with_the_name_masked(self, stranger, two_records):
        r = two_records[0]
        page = stranger.get(reverse("registrations:verify", args=[r.number, r.check_code])).content.decode()
        assert "这是一份真实的登记回执" in page and "已登记" in page
        assert "陈**" in page and "陈静" not in page
        assert "110105" not in page

    def test_a_wrong_check_code_is_not_genuine(self, stranger, two_records):
        r = two_records[0]
        response = stranger.get(reverse("registrations:verify", args=[r.number, "WRONG123"]))
        assert response.status_code == 404
        assert "未查到" in response.content.decode()


@pytest.mark.django_db
class TestCancel:
    def _url(self, *registrations):
        return reverse("registrations:cancel") + "?" + "&".join(f"ids={r.pk}" for r in registrations)

    def test_it_cancels_with_a_code_and_frees_the_unit(self, family_client, family, two_records):
        quick, realtime = two_records
        page = family_client.get(self._url(quick, realtime)).content.decode()
        assert quick.number in page and "获取验证码" in page
        assert family_client.post(reverse("accounts:send_code", args=["cancel"])).json()["sent"]
        response = family_client.post(self._url(quick, realtime), {"code": last_code(family.phone)}, follow=True)
        assert "已取消登记" in response.content.decode()
        assert not Registration.objects.active().exists()
        realtime.unit.refresh_from_db()
        assert not realtime.unit.taken

    def test_a_wrong_code_cancels_nothing(self, family_client, two_records):
        response = family_client.post(self._url(*two_records), {"code": "000000"})
        assert response.status_code == 400
        assert Registration.objects.active().count() == 2

    def test_after_the_deadline_it_explains_and_offers_no_code(self, family_client, family, db):
        project = make_project(make_plan("KS-LATE", cancel_in_days=-0.5), "XM-LATE")
        registration = _register(family, project)
        page = family_client.get(self._url(registration)).content.decode()
        assert "已过取消截止时间" in page
        assert "获取验证码" not in page
        records = family_client.get(reverse("registrations:records")).content.decode()
        assert re.search(r"已过取消截止时间（\d{4}-\d\d-\d\d \d\d:\d\d），不能取消", records)
        response = family_client.post(self._url(registration), {"code": "123456"})
        assert response.status_code == 200
        registration.refresh_from_db()
        assert registration.is_active

    def test_sending_the_code_without_scripts_shows_the_countdown(self, family_client, family, two_records):
        page = family_client.post(self._url(*two_records), {"action": "send_code"}).content.decode()
        assert "验证码已发送" in page and 'data-countdown="60"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["9223372036854775808", "²", "١", "-1", ""])
def test_implausible_ids_answer_not_found(family_client, two_records, bad):
    assert family_client.get(reverse("registrations:print") + f"?ids={bad}").status_code == 404


class TestFrozenBeforeTheDeadline:
    """A quick plan's list frozen while its cancel deadline is still ahead: the family is told the
    list is frozen, not that a deadline passed which has not."""

    def test_the_pages_say_the_list_is_frozen(self, family_client, family):
        plan = make_plan("KS-FRZ", cancel_in_days=5)
        registration = _register(family, make_project(plan, "XM-FRZ"))
        Plan.objects.filter(pk=plan.pk).update(closes_at=timezone.now() - dt.timedelta(hours=1))
        plan.refresh_from_db()
        plan_freeze(plan=plan, actor=None, actor_label="测试")
        pages = [family_client.get(reverse("registrations:records")).content.decode(),
                 family_client.get(reverse("registrations:detail", args=[registration.pk])).content.decode(),
                 family_client.get(reverse("registrations:cancel") + f"?ids={registration.pk}").content.decode()]
        for page in pages:
            assert "登记名单已冻结" in page
            assert "已过取消截止时间" not in page
