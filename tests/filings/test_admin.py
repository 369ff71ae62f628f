import pytest
from django.contrib.admin import helpers
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from accounts.models import AuditLog, User
from filings.models import VERIFY_MAX_FAILURES, Filing
from tests.conftest import FAMILY_ID, make_filing_row
from tests.staff import sign_in_staff

LIST = "/admin/filings/filing/"


@pytest.fixture
def clerk(db) -> User:
    return User.objects.create_superuser("13900009999", "clerk-pass-2026", name="窗口工作人员")


@pytest.fixture
def clerk_client(clerk) -> Client:
    return sign_in_staff(Client(), clerk)


def unbind(client: Client, *filings: Filing, reason: str | None = None):
    data = {"action": "unbind", helpers.ACTION_CHECKBOX_NAME: [f.pk for f in filings]}
    if reason is not None:
        data.update(apply="1", reason=reason)
    return client.post(LIST, data)


@pytest.mark.django_db
class TestFilingAdmin:
    def test_the_list_shows_the_id_number_masked_and_never_the_code_hash(self, clerk_client, family):
        filing = family.filing
        page = clerk_client.get(LIST).content.decode()
        assert "GLH2024000001" in page and "1101**********0016" in page
        assert FAMILY_ID not in page
        assert filing.code_hash not in page

    def test_a_filing_page_is_read_only_and_hides_the_code_hash(self, clerk_client, family):
        filing = family.filing
        page = clerk_client.get(f"{LIST}{filing.pk}/change/").content.decode()
        assert "GLH2024000001" in page
        assert filing.code_hash not in page and "验证码" not in page
        assert 'name="applicant_name"' not in page
        clerk_client.post(f"{LIST}{filing.pk}/change/", {"applicant_name": "改名"})
        filing.refresh_from_db()
        assert filing.applicant_name == "陈静"

    def test_filings_cannot_be_added_or_deleted_by_hand(self, clerk_client, family):
        assert clerk_client.get(f"{LIST}add/").status_code == 403
        assert clerk_client.get(f"{LIST}{family.filing.pk}/delete/").status_code == 403

    def test_it_filters_by_district_category_and_status(self, clerk_client, db):
        make_filing_row("GLH2026000301", district="海淀区", category="优先")
        make_filing_row("GLH2026000302", district="朝阳区", status=Filing.Status.INVALID)
        assert "GLH2026000302" not in clerk_client.get(LIST, {"district": "海淀区"}).content.decode()
        assert "GLH2026000302" not in clerk_client.get(LIST, {"category": "优先"}).content.decode()
        page = clerk_client.get(LIST, {"status__exact": "失效"}).content.decode()
        assert "GLH2026000302" in page and "GLH2026000301" not in page

    def test_it_searches_by_number_and_applicant_name(self, clerk_client, db):
        make_filing_row("GLH2026000311", applicant_name="欧阳娜娜")
        make_filing_row("GLH2026000312", applicant_name="司马光")
        assert "GLH2026000312" not in clerk_client.get(LIST, {"q": "欧阳"}).content.decode()
        page = clerk_client.get(LIST, {"q": "GLH2026000312"}).content.decode()
        assert "司马光" in page and "欧阳娜娜" not in page

    def test_unbinding_asks_for_a_reason_first(self, clerk_client, family):
        page = unbind(clerk_client, family.filing).content.decode()
        assert "解除原因" in page and "确认解除绑定" in page and "1101**********0016" in page
        assert Filing.objects.get(filing_no="GLH2024000001").account == family

    def test_unbinding_without_a_reason_changes_nothing(self, clerk_client, family):
        page = unbind(clerk_client, family.filing, reason=" ").content.decode()
        assert "请填写解除绑定的原因" in page
        assert Filing.objects.get(filing_no="GLH2024000001").account == family
        assert not AuditLog.objects.filter(action="解除备案绑定").exists()

    def test_unbinding_frees_the_filing_and_is_audited(self, clerk_client, clerk, family, person):
        filing = family.filing
        response = unbind(clerk_client, filing, reason="家庭到现场出示身份证，原手机号停用")
        assert response.status_code == 302
        filing.refresh_from_db()
        assert filing.account is None and filing.bound_at is None
        log = AuditLog.objects.get(action="解除备案绑定")
        assert log.actor == clerk and log.reason == "家庭到现场出示身份证，原手机号停用"
        assert log.target_id == str(filing.pk) and log.details["account_id"] == family.pk
        assert "13922223333" not in str(log.details)
        # The family can now verify again, from another account.
        person_client = Client()
        person_client.force_login(person)
        again = person_client.post(
            "/filing/verify/", {"filing_no": "GLH2024000001", "code": "AB12CD", "id_number": FAMILY_ID}
        )
        assert again.status_code == 302

    def test_unbinding_skips_filings_that_are_not_bound(self, clerk_client, db):
        filing = make_filing_row("GLH2026000321")
        response = unbind(clerk_client, filing, reason="核对")
        assert response.status_code == 302
        messages = [str(m) for m in response.wsgi_request._messages]
        assert "已解除 0 个备案的绑定。" in messages
        assert not AuditLog.objects.filter(action="解除备案绑定").exists()

    def test_people_who_are_not_staff_cannot_unbind(self, person_client, family):
        response = unbind(person_client, family.filing, reason="想要")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        assert Filing.objects.get(filing_no="GLH2024000001").account == family

    def test_staff_without_the_change_permission_cannot_unbind(self, family, db):
        from django.contrib.auth.models import Permission

        viewer = User.objects.create_user("13900008888", "viewer-pass-2026", is_staff=True)
        viewer.user_permissions.add(Permission.objects.get(codename="view_filing"))
        client = sign_in_staff(Client(), viewer)
        assert "解除绑定" not in client.get(LIST).content.decode()
        unbind(client, family.filing, reason="想要")
        assert Filing.objects.get(filing_no="GLH2024000001").account == family

    def test_the_list_costs_the_same_queries_for_more_rows(
        self, clerk_client, make_user, django_assert_max_num_queries
    ):
        def add(start: int) -> None:
            for n in range(start, start + 10):
                make_filing_row(f"GLH2026001{n:03d}", account=make_user(f"1390001{n:04d}"), bound_at=timezone.now())

        add(0)
        with django_assert_max_num_queries(12) as few:
            clerk_client.get(LIST)
        add(10)
        with django_assert_max_num_queries(len(few.captured_queries)):
            clerk_client.get(LIST)


def staff_in(role: str, phone: str) -> Client:
    user = User.objects.create_user(phone, "staff-pass-2026", name=f"{role}甲", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return sign_in_staff(Client(), user)


def clear_lock(client: Client, *filings: Filing):
    return client.post(LIST, {"action": "clear_verify_lock", helpers.ACTION_CHECKBOX_NAME: [f.pk for f in filings]})


@pytest.mark.django_db
class TestClearVerifyLock:
    @pytest.fixture
    def locked(self, db) -> Filing:
        filing = make_filing_row("GLH2026000401")
        for _ in range(VERIFY_MAX_FAILURES):
            filing.verify_failed()
        assert filing.verify_locked
        return filing

    def test_a_clerk_clears_the_lock_audited_and_the_family_can_verify(self, locked, person):
        clerk_client = staff_in("窗口工作人员", "13900007777")
        assert "清除验证锁定" in clerk_client.get(LIST).content.decode()
        response = clear_lock(clerk_client, locked)
        assert response.status_code == 302
        assert "已清除 1 个备案的验证锁定，家庭可重新认证。" in [str(m) for m in response.wsgi_request._messages]
        log = AuditLog.objects.get(action="清除验证锁定")
        assert log.actor.phone == "13900007777" and log.target_id == str(locked.pk)
        assert log.details["failures"] == VERIFY_MAX_FAILURES
        family = Client()
        family.force_login(person)
        again = family.post("/filing/verify/", {"filing_no": "GLH2026000401", "code": "AB12CD", "id_number": FAMILY_ID})
        assert again.status_code == 302
        assert Filing.objects.get(pk=locked.pk).account == person

    def test_a_role_without_the_permission_cannot_clear(self, locked):
        auditor_client = staff_in("审计", "13900006666")
        assert "清除验证锁定" not in auditor_client.get(LIST).content.decode()
        clear_lock(auditor_client, locked)
        assert Filing.objects.get(pk=locked.pk).verify_locked
        assert not AuditLog.objects.filter(action="清除验证锁定").exists()

    def test_clearing_a_filing_that_is_not_locked_changes_nothing(self, clerk_client, db):
        filing = make_filing_row("GLH2026000402")
        clear_lock(clerk_client, filing)
        assert not AuditLog.objects.filter(action="清除验证锁定").exists()


@pytest.mark.django_db
class TestPhonesOnFilings:
    """Issue 12 item 11 (masked for clerks and auditors) and issue 14 item 7 (a clerk corrects it)."""

    @pytest.fixture
    def counter(self, db):
        from tests.clerks.conftest import CLERK, client_for, staff

        user = staff("13900000201", CLERK, "窗口小孙")
        return user, client_for(user)

    @pytest.fixture
    def walk_in(self, db):
        return make_filing_row("GLH2026009001", applicant_name="刘洋", id_number="110105199001010010",
                               phone="13812345678")

    def test_clerks_and_auditors_see_the_phone_masked(self, counter, walk_in):
        from tests.clerks.conftest import AUDITOR, client_for, staff

        auditor = client_for(staff("13900000202", AUDITOR, "审计小周"))
        for client in (counter[1], auditor):
            page = client.get(f"{LIST}{walk_in.pk}/change/").content.decode()
            assert "138****5678" in page and "13812345678" not in page
            assert "备案手机号只在未绑定账号时用于现场协助确认和登记通知" in page

    def test_a_clerk_corrects_the_phone_after_checking_the_card_audited(self, counter, walk_in):
        clerk, client = counter
        url = f"{LIST}{walk_in.pk}/phone/"
        assert url in client.get(f"{LIST}{walk_in.pk}/change/").content.decode()
        refused = client.post(url, {"phone": "13987654321", "reason": ""})
        assert refused.status_code == 400 and "请先核验本人身份证原件" in refused.content.decode()
        walk_in.refresh_from_db()
        assert walk_in.phone == "13812345678"

        response = client.post(url, {"phone": "139 8765 4321", "id_checked": "on", "reason": "原手机号已停用"})
        assert response["Location"] == f"{LIST}{walk_in.pk}/change/"
        walk_in.refresh_from_db()
        assert walk_in.phone == "13987654321"
        audit = AuditLog.objects.get(action="更正备案手机号")
        assert audit.actor == clerk and audit.reason == "原手机号已停用"
        assert audit.details == {"old": "138****5678", "new": "139****4321", "id_checked": True}

    def test_the_auditor_cannot_correct_it(self, walk_in):
        from tests.clerks.conftest import AUDITOR, client_for, staff

        auditor = client_for(staff("13900000203", AUDITOR, "审计小吴"))
        assert auditor.post(f"{LIST}{walk_in.pk}/phone/", {"phone": "13987654321", "id_checked": "on",
                                                            "reason": "x"}).status_code == 403
        walk_in.refresh_from_db()
        assert walk_in.phone == "13812345678" and not AuditLog.objects.exists()
