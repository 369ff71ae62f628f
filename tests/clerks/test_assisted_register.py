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
        # Only the ID check itself is audited (issue 12 item 2); the refused choice writes nothing.
        assert not Registration.objects.exists()
        assert list(AuditLog.objects.values_list("action", flat=True)) == ["现场核对身份证号"]

    def test_a_unit_type_the_family_is_not_qualified_for_is_refused(self, clerk_client, walk_in_no_phone,
                                                                     quick_project):
        lookup(clerk_client, "GLH2026009002", walk_in_no_phone.id_number)
        page = text(clerk_client.get(CHOOSE, {"plan": quick_project.plan_id, "project": quick_project.pk}))
        # Issue 14 item 9: the picker offers only what the family may register for.
        assert '<option value="一居室">' in page and '<option value="三居室">' not in page
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
    # Issue 12 items 2 and 10: by POST, so the number stays out of the address and the logs.
    page = text(clerk_client.post("/admin/registrations/registration/find/", {"q": walk_in_no_phone.id_number},
                                  follow=True))
    assert mine.number in page and other.number not in page
    assert walk_in_no_phone.masked_id_number in page


def assisted(client, filing, project, *, unit_type: str = "一居室", unit=None) -> Registration:
    lookup(client, filing.filing_no, filing.id_number)
    choose(client, project, unit_type=unit_type, unit=unit)
    client.post(CONFIRM, {"action": "register", "method": "documents", "documents_checked": "on"})
    return Registration.objects.get(filing=filing)


class TestReceipt:
    """Issue 14 item 6: something to hand the family, on every registration's page."""

    def test_after_the_registration_the_page_offers_the_receipt(self, clerk_client, walk_in_no_phone, quick_project):
        registration = assisted(clerk_client, walk_in_no_phone, quick_project)
        page = text(clerk_client.get(f"/admin/registrations/registration/{registration.pk}/change/"))
        assert "打印登记回执" in page and f"/admin/registrations/registration/{registration.pk}/receipt.pdf" in page
        assert "请打印登记回执交给家庭" in page

    def test_the_receipt_is_the_familys_pdf_with_its_qr_and_check_code(self, clerk_client, walk_in_no_phone,
                                                                       quick_project):
        from django.test import RequestFactory

        from registrations import receipts

        registration = assisted(clerk_client, walk_in_no_phone, quick_project)
        built = receipts.build(RequestFactory().get("/"), [registration])
        assert registration.check_code in built[0]["verify_url"] and built[0]["qr"].startswith("data:image/svg")
        response = clerk_client.get(f"/admin/registrations/registration/{registration.pk}/receipt.pdf")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF") and "no-store" in response["Cache-Control"]

    def test_a_registration_the_family_made_online_offers_it_too(self, clerk_client, family, quick_project):
        from registrations.services import registration_create

        registration, _ = registration_create(filing=family.filing, actor=family, project=quick_project,
                                              unit_type="一居室", acknowledged=True)
        page = text(clerk_client.get(f"/admin/registrations/registration/{registration.pk}/change/"))
        assert "打印登记回执" in page and f"/admin/registrations/registration/{registration.pk}/receipt.pdf" in page
        response = clerk_client.get(f"/admin/registrations/registration/{registration.pk}/receipt.pdf")
        assert response.status_code == 200 and response.content.startswith(b"%PDF")

    def test_a_family_cannot_print_it_from_the_admin(self, family_client, clerk_client, walk_in_no_phone,
                                                     quick_project):
        registration = assisted(clerk_client, walk_in_no_phone, quick_project)
        url = f"/admin/registrations/registration/{registration.pk}/receipt.pdf"
        assert family_client.get(url)["Location"].startswith("/admin/login/")
        assert clerk_client.get("/admin/registrations/registration/999999/receipt.pdf").status_code == 404


class TestDocumentsWithAPhone:
    """Issue 14 item 7: a family with a phone that is lost or broken still confirms, recorded as such."""

    def test_the_papers_are_offered_beside_the_code(self, clerk_client, walk_in, quick_project):
        lookup(clerk_client, "GLH2026009001", WALK_IN_ID)
        choose(clerk_client, quick_project, unit_type="一居室")
        page = text(clerk_client.get(CONFIRM))
        assert "发送验证码到 138****5678" in page and "核验原件（手机丢失、损坏或无法接收短信）" in page

    def test_the_papers_register_without_any_sms_and_say_so(self, clerk_client, clerk, walk_in, quick_project):
        registration = assisted(clerk_client, walk_in, quick_project)
        assert registration.consent == "已核验身份证原件及备案通知单原件（未使用短信，家庭手机 138****5678）"
        assert not SmsMessage.objects.filter(text__contains="验证码").exists()

    def test_choosing_the_papers_still_needs_the_tick(self, clerk_client, walk_in, quick_project):
        lookup(clerk_client, "GLH2026009001", WALK_IN_ID)
        choose(clerk_client, quick_project, unit_type="一居室")
        response = clerk_client.post(CONFIRM, {"action": "register", "method": "documents"})
        assert response.status_code == 400 and "请核验原件后勾选" in text(response)
        assert not Registration.objects.exists()


class TestLostRace:
    """Issue 14 item 8: the code is spent only by a registration that succeeds."""

    def test_the_code_survives_a_lost_flat_and_registers_another(self, clerk_client, walk_in, other_family,
                                                               realtime_project):
        from registrations.services import registration_create

        first, second = realtime_project.units.order_by("pk")[:2]
        lookup(clerk_client, "GLH2026009001", WALK_IN_ID)
        choose(clerk_client, realtime_project, unit=first)
        clerk_client.post(CONFIRM, {"action": "send_code"})
        code = last_code(WALK_IN_PHONE)
        registration_create(filing=other_family.filing, actor=other_family, project=realtime_project, unit=first,
                            acknowledged=True)
        lost = clerk_client.post(CONFIRM, {"action": "register", "code": code})
        assert lost.status_code == 409 and "重新选择房源（已发送的验证码仍然有效）" in text(lost)
        assert SmsCode.objects.get(phone=WALK_IN_PHONE, purpose="assist").used_at is None

        assert choose(clerk_client, realtime_project, unit=second)["Location"] == CONFIRM
        clerk_client.post(CONFIRM, {"action": "register", "code": code})
        registration = Registration.objects.get(filing=walk_in)
        assert registration.unit == second and registration.consent == "短信验证码确认（138****5678）"
        assert SmsCode.objects.get(phone=WALK_IN_PHONE, purpose="assist").used_at is not None
        assert SmsCode.objects.filter(phone=WALK_IN_PHONE).count() == 1  # no second code was needed

    def test_a_wrong_code_still_counts_as_a_try(self, clerk_client, walk_in, quick_project):
        lookup(clerk_client, "GLH2026009001", WALK_IN_ID)
        choose(clerk_client, quick_project, unit_type="一居室")
        clerk_client.post(CONFIRM, {"action": "send_code"})
        wrong = "000000" if last_code(WALK_IN_PHONE) != "000000" else "111111"
        clerk_client.post(CONFIRM, {"action": "register", "code": wrong})
        assert SmsCode.objects.get(phone=WALK_IN_PHONE).attempts == 1


class TestOnlyWhatTheFamilyMay:
    """Issue 14 item 9: eligibility decides what the selects offer; units grouped by building."""

    def test_plans_the_family_cannot_enter_are_not_offered(self, clerk_client, walk_in_no_phone, quick_project,
                                                           family):
        haidian = make_plan("HD2026-01", districts=["海淀区"])
        make_project(haidian, "XM-HD-01", district="海淀区")
        special = make_plan("TS2026-01", categories=["优抚"])
        make_project(special, "XM-TS-01")
        upcoming = make_plan("WL2026-01", opens_in_days=3)
        make_project(upcoming, "XM-WL-01")
        lookup(clerk_client, "GLH2026009002", walk_in_no_phone.id_number)
        page = text(clerk_client.get(CHOOSE))
        assert f'<option value="{quick_project.plan_id}">' in page
        for plan in (haidian, special, upcoming):
            assert f'<option value="{plan.pk}">' not in page and plan.name not in page

    def test_a_plan_already_registered_in_is_not_offered(self, clerk_client, walk_in_no_phone, quick_project):
        assisted(clerk_client, walk_in_no_phone, quick_project)
        lookup(clerk_client, "GLH2026009002", walk_in_no_phone.id_number)
        page = text(clerk_client.get(CHOOSE))
        assert f'<option value="{quick_project.plan_id}">' not in page and "目前没有该家庭可以登记的配租计划" in page

    def test_projects_without_a_unit_type_for_the_family_are_not_offered(self, clerk_client, walk_in_no_phone,
                                                                         quick_project):
        only_big = make_project(quick_project.plan, "XM-KS-02", ("三居室",))
        lookup(clerk_client, "GLH2026009002", walk_in_no_phone.id_number)
        page = text(clerk_client.get(CHOOSE, {"plan": quick_project.plan_id}))
        assert f'<option value="{quick_project.pk}">' in page and f'<option value="{only_big.pk}">' not in page

    def test_units_are_grouped_by_building_with_floor_orientation_and_area(self, clerk_client, walk_in_no_phone,
                                                                          realtime_project):
        from decimal import Decimal

        from rentals.models import Unit

        Unit.objects.create(project=realtime_project, building="2", entrance="1", floor=5, room="501",
                            unit_type="一居室", area=Decimal("48.3"), rent=Decimal("1800"), orientation="南北")
        Unit.objects.create(project=realtime_project, building="2", entrance="1", floor=6, room="601",
                            unit_type="三居室", area=Decimal("88"), rent=Decimal("3000"), orientation="东")
        lookup(clerk_client, "GLH2026009002", walk_in_no_phone.id_number)
        page = text(clerk_client.get(CHOOSE, {"plan": realtime_project.plan_id, "project": realtime_project.pk}))
        assert '<optgroup label="1号楼">' in page and '<optgroup label="2号楼">' in page
        assert "5层 · 2号楼1单元501室 · 朝南北 · 一居室 · 48.3㎡ · 1800元/月" in page
        assert "601室" not in page  # a 三居室 the family may not register for
