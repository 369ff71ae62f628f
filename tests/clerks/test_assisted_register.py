"""现场协助登记 in the admin: the ID check, the choice, the family's consent, the same rules."""

import pytest
from django.utils import timezone

from accounts.models import AuditLog, SmsCode, SmsMessage
from filings.services import filing_bind
from registrations.models import Registration
from tests.conftest import FAMILY_ID, last_code

from .conftest import WALK_IN_ID, WALK_IN_PHONE, make_plan, make_project

pytestmark = pytest.mark.django_db

ASSIST = "/admin/registrations/registration/assist/"
CHOOSE = ASSIST + "choose/"
CONFIRM = ASSIST + "confirm/"


def lookup(client, filing_no: str, id_number: str):
    return client.post(ASSIST, {"filing_no": filing_no, "id_number": id_number})


def choose(client, project, *, unit_type: str = "", unit=None, acknowledged: bool = True):
    data = {"plan": project.plan_id, "project": project.pk}
    data.update({"unit": unit.pk} if unit is not None else {"unit_type": unit_type})
    if acknowledged:
        data["acknowledged"] = "on"
    return client.post(CHOOSE, data)


def text(response) -> str:
    return response.content.decode()


class TestIdCheck:
    def test_a_matching_id_shows_the_filing_masked_and_a_tick(self, clerk_client, walk_in):
        page = text(lookup(clerk_client, "glh2026009001", WALK_IN_ID.lower()))
        assert "✓ 一致" in page and "马秀兰" in page and "1101**********0010" in page
        assert "138****5678" in page
        assert WALK_IN_ID not in page  # neither the stored number nor the typed one comes back
        assert CHOOSE in page

    def test_a_different_id_shows_only_that_it_does_not_match(self, clerk_client, walk_in):
        response = lookup(clerk_client, "GLH2026009001", FAMILY_ID)
        page = text(response)
        assert "✗ 不一致" in page and "不能办理协助登记" in page
        assert WALK_IN_ID not in page and FAMILY_ID not in page
        assert CHOOSE not in page
        assert clerk_client.get(CHOOSE)["Location"] == ASSIST

    def test_an_unknown_filing_number_is_named(self, clerk_client, db):
        response = lookup(clerk_client, "GLH0000000000", WALK_IN_ID)
        assert response.status_code == 400
        assert "未找到备案编号为“GLH0000000000”的备案" in text(response)

    def test_an_id_number_with_a_bad_check_digit_is_refused_as_typed_wrong(self, clerk_client, walk_in):
        response = lookup(clerk_client, "GLH2026009001", WALK_IN_ID[:-1] + "9")
        assert response.status_code == 400 and "校验位不正确" in text(response)

    def test_later_steps_need_the_check_first(self, clerk_client, quick_project):
        assert clerk_client.get(CHOOSE)["Location"] == ASSIST
        assert clerk_client.post(CONFIRM, {"action": "register"})["Location"] == ASSIST
        assert not Registration.objects.exists()


class TestWithAPhone:
    def test_the_family_confirms_with_the_code_sent_to_its_phone(self, clerk_client, clerk, walk_in, quick_project):
        lookup(clerk_client, "GLH2026009001", WALK_IN_ID)
        assert choose(clerk_client, quick_project, unit_type="二居室")["Location"] == CONFIRM
        page = text(clerk_client.get(CONFIRM))
        assert "发送验证码到 138****5678" in page and "二居室" in page

        assert clerk_client.post(CONFIRM, {"action": "send_code"}).status_code == 200
        sms = SmsMessage.objects.get(phone=WALK_IN_PHONE)
        assert "现场协助登记" in sms.text
        response = clerk_client.post(CONFIRM, {"action": "register", "code": last_code(WALK_IN_PHONE)})

        registration = Registration.objects.get()
        assert response["Location"] == f"/admin/registrations/registration/{registration.pk}/change/"
        assert registration.filing == walk_in and registration.unit_type == "二居室"
        assert registration.channel == Registration.Channel.ASSISTED
        assert registration.clerk == clerk and registration.actor == clerk  # no account is bound
        assert registration.consent == "短信验证码确认（138****5678）"
        audit = AuditLog.objects.get(action="现场协助登记")
        assert audit.actor == clerk and audit.target_id == str(registration.pk)
        assert audit.reason == registration.consent

    def test_a_wrong_code_registers_nothing(self, clerk_client, walk_in, quick_project):
        lookup(clerk_client, "GLH2026009001", WALK_IN_ID)
        choose(clerk_client, quick_project, unit_type="一居室")
        clerk_client.post(CONFIRM, {"action": "send_code"})
        wrong = "000000" if last_code(WALK_IN_PHONE) != "000000" else "111111"
        response = clerk_client.post(CONFIRM, {"action": "register", "code": wrong})
        assert response.status_code == 400 and "验证码不正确" in text(response)
        assert not Registration.objects.exists()
        assert not AuditLog.objects.filter(action="现场协助登记").exists()

    def test_the_code_is_not_resent_within_a_minute(self, clerk_client, walk_in, quick_project):
        lookup(clerk_client, "GLH2026009001", WALK_IN_ID)
        choose(clerk_client, quick_project, unit_type="一居室")
        clerk_client.post(CONFIRM, {"action": "send_code"})
        response = clerk_client.post(CONFIRM, {"action": "send_code"})
        assert response.status_code == 400 and "60秒后再重新获取" in text(response)
        assert SmsCode.objects.filter(phone=WALK_IN_PHONE, purpose="assist").count() == 1

    def test_a_bound_family_gets_the_code_on_its_account_phone(self, clerk_client, clerk, family, quick_project):
        lookup(clerk_client, "GLH2024000001", FAMILY_ID)
        choose(clerk_client, quick_project, unit_type="一居室")
        clerk_client.post(CONFIRM, {"action": "send_code"})
        clerk_client.post(CONFIRM, {"action": "register", "code": last_code(family.phone)})
        registration = Registration.objects.get()
        assert registration.actor == clerk and registration.clerk == clerk
        assert registration.consent == "短信验证码确认（139****3333）"


class TestWithoutAPhone:
    def test_the_clerk_records_that_the_papers_were_checked(self, clerk_client, clerk, walk_in_no_phone,
                                                            quick_project):
        lookup(clerk_client, "GLH2026009002", walk_in_no_phone.id_number)
        choose(clerk_client, quick_project, unit_type="一居室")
        page = text(clerk_client.get(CONFIRM))
        assert "已核验身份证原件及备案通知单原件" in page and "发送验证码" not in page

        response = clerk_client.post(CONFIRM, {"action": "register"})
        assert response.status_code == 400 and "请核验原件后勾选" in text(response)
        assert not Registration.objects.exists()

        clerk_client.post(CONFIRM, {"action": "register", "documents_checked": "on"})
        registration = Registration.objects.get()
        assert registration.consent == "已核验身份证原件及备案通知单原件"
        assert registration.clerk == clerk and registration.channel == Registration.Channel.ASSISTED
        assert AuditLog.objects.filter(action="现场协助登记", actor=clerk).count() == 1
        assert not SmsMessage.objects.exists()

    def test_no_code_can_be_sent(self, clerk_client, walk_in_no_phone, quick_project):
        lookup(clerk_client, "GLH2026009002", walk_in_no_phone.id_number)
        choose(clerk_client, quick_project, unit_type="一居室")
        response = clerk_client.post(CONFIRM, {"action": "send_code"})
        assert response.status_code == 400 and not SmsCode.objects.exists()


class TestSameRules:
    def test_a_district_restriction_is_shown_in_the_familys_words_and_nothing_is_written(
        self, clerk_client, walk_in_no_phone
    ):
        plan = make_plan("HD2026-01", districts=["海淀区"])
        project = make_project(plan, "XM-HD-01", district="海淀区")
        lookup(clerk_client, "GLH2026009002", walk_in_no_phone.id_number)
        response = choose(clerk_client, project, unit_type="一居室")
        assert response.status_code == 400
        assert "行政区域限制：本计划仅限备案区为海淀区的家庭登记，您的备案区为朝阳区。" in text(response)
        assert not Registration.objects.exists() and not AuditLog.objects.exists()

    def test_a_unit_type_the_family_is_not_qualified_for_is_refused(self, clerk_client, walk_in_no_phone,
                                                                     quick_project):
        lookup(clerk_client, "GLH2026009002", walk_in_no_phone.id_number)
        page = text(clerk_client.get(CHOOSE, {"plan": quick_project.plan_id, "project": quick_project.pk}))
        assert "三居室（不在该家庭的可选套型内）" in page
        response = choose(clerk_client, quick_project, unit_type="三居室")
        assert "套型资格不符" in text(response)
        assert not Registration.objects.exists()

    def test_the_notice_must_be_read(self, clerk_client, walk_in_no_phone, quick_project):
        lookup(clerk_client, "GLH2026009002", walk_in_no_phone.id_number)
        page = text(clerk_client.get(CHOOSE, {"plan": quick_project.plan_id, "project": quick_project.pk,
                                              "unit_type": "一居室"}))
        assert "一、登记不等于配租。" in page and "家庭已阅读告知书" in page
        response = choose(clerk_client, quick_project, unit_type="一居室", acknowledged=False)
        assert response.status_code == 400 and "请让家庭阅读告知书" in text(response)
        assert clerk_client.get(CONFIRM)["Location"] == ASSIST  # nothing chosen yet

    def test_a_second_registration_in_the_plan_is_refused(self, clerk_client, family, quick_project):
        from registrations.services import registration_create

        registration_create(filing=family.filing, actor=family, project=quick_project, unit_type="一居室",
                            acknowledged=True)
        lookup(clerk_client, "GLH2024000001", FAMILY_ID)
        response = choose(clerk_client, quick_project, unit_type="二居室")
        assert "本计划每户限登记一次" in text(response)
        assert Registration.objects.count() == 1

    def test_a_unit_taken_while_the_family_confirms_is_refused_at_the_end(
        self, clerk_client, walk_in_no_phone, other_family, realtime_project
    ):
        from registrations.services import registration_create

        unit = realtime_project.units.first()
        lookup(clerk_client, "GLH2026009002", walk_in_no_phone.id_number)
        assert choose(clerk_client, realtime_project, unit=unit)["Location"] == CONFIRM
        registration_create(filing=other_family.filing, actor=other_family, project=realtime_project, unit=unit,
                            acknowledged=True)
        response = clerk_client.post(CONFIRM, {"action": "register", "documents_checked": "on"})
        assert response.status_code == 409
        assert "该房源已被其他家庭登记，请选择其他房源。" in text(response)
        assert Registration.objects.count() == 1
        assert not AuditLog.objects.filter(action="现场协助登记").exists()

    def test_a_real_time_family_gets_the_unit_it_chose(self, clerk_client, walk_in_no_phone, realtime_project):
        unit = realtime_project.units.order_by("-pk").first()
        lookup(clerk_client, "GLH2026009002", walk_in_no_phone.id_number)
        page = text(clerk_client.get(CHOOSE, {"plan": realtime_project.plan_id, "project": realtime_project.pk}))
        assert unit.label in page
        choose(clerk_client, realtime_project, unit=unit)
        clerk_client.post(CONFIRM, {"action": "register", "documents_checked": "on"})
        registration = Registration.objects.get()
        unit.refresh_from_db()
        assert registration.unit == unit and unit.taken and registration.unit_type == unit.unit_type


class TestAfterwards:
    def test_the_family_sees_it_marked_assisted_once_it_binds_the_filing(
        self, clerk_client, walk_in_no_phone, quick_project, make_user
    ):
        lookup(clerk_client, "GLH2026009002", walk_in_no_phone.id_number)
        choose(clerk_client, quick_project, unit_type="一居室")
        clerk_client.post(CONFIRM, {"action": "register", "documents_checked": "on"})
        account = make_user("13955556666", name="牛大爷")
        filing_bind(
            filing_no="GLH2026009002", code="AB12CD", id_number=walk_in_no_phone.id_number, account=account
        )

        from django.test import Client

        family = Client()
        family.force_login(account)
        page = text(family.get("/center/records/"))
        assert Registration.objects.get().number in page and "现场协助登记" in page

    def test_the_admin_list_and_page_show_the_channel_and_the_clerk(self, clerk_client, walk_in_no_phone,
                                                                   quick_project):
        lookup(clerk_client, "GLH2026009002", walk_in_no_phone.id_number)
        choose(clerk_client, quick_project, unit_type="一居室")
        clerk_client.post(CONFIRM, {"action": "register", "documents_checked": "on"})
        registration = Registration.objects.get()
        listing = text(clerk_client.get("/admin/registrations/registration/"))
        assert "现场协助登记" in listing and "窗口小李" in listing and registration.number in listing
        assert walk_in_no_phone.id_number not in listing
        detail = text(clerk_client.get(f"/admin/registrations/registration/{registration.pk}/change/"))
        assert "窗口小李" in detail and "已核验身份证原件及备案通知单原件" in detail
        assert walk_in_no_phone.id_number not in detail
        assert 'name="_save"' not in detail  # registrations are never edited by hand

    def test_the_list_keeps_a_flat_query_count(self, clerk_client, clerk, quick_project,
                                               django_assert_max_num_queries):
        from .conftest import rush

        rush(quick_project.plan, [quick_project], 30, [0, 1], clerk)
        with django_assert_max_num_queries(8):
            assert clerk_client.get("/admin/registrations/registration/").status_code == 200


class TestCancelOnBehalf:
    @pytest.fixture
    def registration(self, walk_in_no_phone, realtime_project, clerk):
        from registrations.services import registration_create

        unit = realtime_project.units.first()
        registration, _ = registration_create(
            filing=walk_in_no_phone, actor=clerk, project=realtime_project, unit=unit, acknowledged=True,
            channel=Registration.Channel.ASSISTED, clerk=clerk, consent="已核验身份证原件及备案通知单原件",
        )
        return registration

    def url(self, registration) -> str:
        return f"/admin/registrations/registration/{registration.pk}/cancel/"

    def test_the_registration_page_offers_it(self, clerk_client, registration):
        page = text(clerk_client.get(f"/admin/registrations/registration/{registration.pk}/change/"))
        assert self.url(registration) in page

    def test_it_needs_a_reason_and_the_id_card(self, clerk_client, registration):
        response = clerk_client.post(self.url(registration), {"reason": "  "})
        page = text(response)
        assert response.status_code == 400 and "请填写取消原因" in page and "请核验家庭的身份证原件" in page
        registration.refresh_from_db()
        assert registration.is_active and not AuditLog.objects.filter(action="协助取消登记").exists()

    def test_it_cancels_frees_the_unit_and_audits(self, clerk_client, clerk, registration):
        clerk_client.post(self.url(registration), {"reason": "家庭到窗口申请取消", "documents_checked": "on"})
        registration.refresh_from_db()
        assert not registration.is_active and registration.cancelled_by == clerk
        assert not registration.unit.taken
        audit = AuditLog.objects.get(action="协助取消登记")
        assert audit.actor == clerk and audit.reason == "家庭到窗口申请取消"

    def test_after_the_cancel_deadline_it_refuses_in_words(self, clerk_client, registration):
        from rentals.models import Plan

        Plan.objects.filter(pk=registration.plan_id).update(cancel_deadline=timezone.now())
        response = clerk_client.post(self.url(registration), {"reason": "晚了", "documents_checked": "on"},
                                     follow=True)
        assert "取消截止时间" in text(response)
        registration.refresh_from_db()
        assert registration.is_active

    def test_a_cancelled_registration_is_not_cancelled_twice(self, clerk_client, registration):
        data = {"reason": "家庭申请", "documents_checked": "on"}
        clerk_client.post(self.url(registration), data)
        response = clerk_client.post(self.url(registration), data, follow=True)
        assert "已取消，无需重复操作" in text(response)
        assert AuditLog.objects.filter(action="协助取消登记").count() == 1

    def test_the_auditor_may_not(self, auditor_client, registration):
        response = auditor_client.post(self.url(registration), {"reason": "x", "documents_checked": "on"})
        assert response.status_code == 403
        registration.refresh_from_db()
        assert registration.is_active


def test_staff_without_the_permission_get_403_and_families_the_login(auditor_client, family_client, walk_in):
    for url in (ASSIST, CHOOSE, CONFIRM):
        assert auditor_client.get(url).status_code == 403
        assert family_client.get(url)["Location"].startswith("/admin/login/")
    assert auditor_client.post(ASSIST, {"filing_no": "GLH2026009001", "id_number": WALK_IN_ID}).status_code == 403


def test_a_clerk_finds_a_familys_registrations_by_the_whole_id_number(clerk_client, clerk, walk_in_no_phone,
                                                                       family, quick_project):
    from registrations.services import registration_create

    mine, _ = registration_create(filing=walk_in_no_phone, actor=clerk, project=quick_project, unit_type="一居室",
                                  acknowledged=True, channel=Registration.Channel.ASSISTED, clerk=clerk, consent="x")
    other, _ = registration_create(filing=family.filing, actor=family, project=quick_project, unit_type="一居室",
                                   acknowledged=True)
    page = text(clerk_client.get("/admin/registrations/registration/", {"q": walk_in_no_phone.id_number}))
    assert mine.number in page and other.number not in page
    assert walk_in_no_phone.masked_id_number in page
