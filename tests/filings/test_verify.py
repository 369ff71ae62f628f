import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog
from filings.forms import TOO_MANY
from filings.models import VERIFY_MAX_FAILURES, Filing
from filings.services import (
    BOUND_TO_OTHER,
    LOCKED,
    WRONG_DETAILS,
    BindRefused,
    filing_bind,
)
from tests.conftest import FAMILY_ID, make_filing_row

URL = "/filing/verify/"
CODE = "AB12CD"


@pytest.fixture
def free_filing(db) -> Filing:
    return make_filing_row("GLH2026000101", CODE)


def post(client: Client, filing_no: str = "GLH2026000101", code: str = CODE, id_number: str = FAMILY_ID, **extra):
    return client.post(URL, {"filing_no": filing_no, "code": code, "id_number": id_number}, **extra)


@pytest.mark.django_db
class TestVerify:
    def test_the_urls_are_named(self):
        assert reverse("filings:verify") == URL
        assert reverse("filings:info") == "/filing/"

    def test_the_page_asks_for_number_and_code_with_a_confirm_button(self, person_client):
        page = person_client.get(URL).content.decode()
        assert "备案编号" in page and "验证码" in page
        assert ">确定</button>" in page

    def test_it_binds_the_filing_and_shows_its_facts(self, person_client, person, free_filing):
        response = post(person_client)
        assert response.status_code == 302 and response["Location"] == "/filing/"
        free_filing.refresh_from_db()
        assert free_filing.account == person
        assert free_filing.bound_at is not None
        page = person_client.get("/filing/").content.decode()
        assert "认证成功" in page
        assert "GLH2026000101" in page and "陈静" in page and "1101**********0016" in page
        log = AuditLog.objects.get(action="认证备案")
        assert log.actor == person and log.target_id == str(free_filing.pk)

    def test_it_accepts_lower_case_spaces_and_full_width_input(self, person_client, person, free_filing):
        response = post(person_client, " glh2026 000101 ", "ＡＢ１２ｃｄ")
        assert response.status_code == 302
        free_filing.refresh_from_db()
        assert free_filing.account == person

    def test_an_unknown_number_and_a_wrong_code_get_one_identical_message(self, person_client, free_filing):
        unknown = post(person_client, "GLH2099999999", CODE)
        wrong = post(person_client, "GLH2026000101", "ZZ99ZZ")
        assert unknown.status_code == wrong.status_code == 400
        assert WRONG_DETAILS in unknown.content.decode()
        assert WRONG_DETAILS in wrong.content.decode()
        assert unknown.content.decode().count("form-errors") == wrong.content.decode().count("form-errors")
        free_filing.refresh_from_db()
        assert free_filing.account is None

    def test_it_refuses_an_invalidated_filing(self, person_client, db):
        make_filing_row("GLH2026000102", CODE, status=Filing.Status.INVALID)
        page = post(person_client, "GLH2026000102").content.decode()
        assert "该备案已失效，不能认证" in page
        assert not Filing.objects.filter(account__isnull=False).exists()

    def test_it_refuses_an_expired_filing(self, person_client, db):
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        make_filing_row("GLH2026000103", CODE, valid_until=yesterday)
        page = post(person_client, "GLH2026000103").content.decode()
        assert f"该备案已过有效期（有效期至{yesterday:%Y-%m-%d}），不能认证" in page
        assert not Filing.objects.filter(account__isnull=False).exists()

    def test_a_filing_valid_until_today_can_still_be_bound(self, person_client, person, db):
        make_filing_row("GLH2026000104", CODE, valid_until=timezone.localdate())
        assert post(person_client, "GLH2026000104").status_code == 302

    def test_it_refuses_a_filing_bound_to_another_account(self, person_client, family, db):
        # The family fixture's filing is GLH2024000001 with code AB12CD, bound to the family.
        response = post(person_client, "GLH2024000001", "AB12CD")
        assert response.status_code == 400
        assert BOUND_TO_OTHER in response.content.decode()
        assert Filing.objects.get(filing_no="GLH2024000001").account == family

    def test_it_refuses_a_second_filing_for_an_account_already_bound(self, family_client, family, free_filing):
        response = post(family_client)
        assert response.status_code == 400
        assert "您的账号已绑定备案（GLH2024000001），不能再认证其他备案" in response.content.decode()
        free_filing.refresh_from_db()
        assert free_filing.account is None

    def test_a_bound_account_is_not_told_whether_another_number_exists(self, family_client):
        unknown = post(family_client, "GLH2099999999", "ZZ99ZZ").content.decode()
        assert "您的账号已绑定备案" in unknown and WRONG_DETAILS not in unknown

    def test_verifying_the_own_filing_again_just_shows_it(self, family_client, family):
        response = post(family_client, "GLH2024000001", "AB12CD")
        assert response.status_code == 302
        assert not AuditLog.objects.filter(action="认证备案").exists()

    def test_a_bound_account_opening_the_page_is_sent_to_its_filing(self, family_client):
        response = family_client.get(URL)
        assert response.status_code == 302 and response["Location"] == "/filing/"

    def test_empty_fields_are_named(self, person_client):
        response = person_client.post(URL, {"filing_no": "", "code": ""})
        page = response.content.decode()
        assert response.status_code == 400
        assert "请输入备案编号" in page and "请输入备案通知单上的验证码" in page

    def test_it_needs_sign_in(self, stranger, free_filing):
        for response in (stranger.get(URL), post(stranger)):
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/?next=/filing/verify/")
        free_filing.refresh_from_db()
        assert free_filing.account is None

    def test_other_methods_are_refused(self, person_client):
        assert person_client.put(URL).status_code == 405
        assert person_client.delete(URL).status_code == 405

    def test_attempts_are_limited_per_account(self, person_client, person, free_filing, settings):
        settings.VERIFY_RATE_PER_USER = "3/h"
        for _ in range(3):
            assert post(person_client, code="ZZ99ZZ").status_code == 400
        response = post(person_client)  # even the right code waits now
        assert response.status_code == 429
        assert TOO_MANY in response.content.decode()
        free_filing.refresh_from_db()
        assert free_filing.account is None

    def test_attempts_are_limited_per_address_across_accounts(self, make_user, free_filing, settings):
        settings.VERIFY_RATE_PER_IP = "2/h"
        clients = []
        for phone in ("13900000011", "13900000012", "13900000013"):
            client = Client(REMOTE_ADDR="203.0.113.7")
            client.force_login(make_user(phone))
            clients.append(client)
        assert post(clients[0], code="ZZ99ZZ").status_code == 400
        assert post(clients[1], code="ZZ99ZZ").status_code == 400
        response = post(clients[2])
        assert response.status_code == 429 and TOO_MANY in response.content.decode()
        other_address = Client(REMOTE_ADDR="198.51.100.9")
        other_address.force_login(make_user("13900000014"))
        assert post(other_address).status_code == 302


def _race(targets: list) -> list:
    """Run each callable in its own thread at the same moment; their results or exceptions."""
    barrier = threading.Barrier(len(targets))
    results: list = [None] * len(targets)

    def run(i: int, target) -> None:
        try:
            barrier.wait()
            results[i] = target()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread met
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrency is tested on PostgreSQL"
)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
class TestRaces:
    def test_two_accounts_racing_for_one_filing_cannot_both_bind_it(self, make_user):
        filing = make_filing_row("GLH2026000201", CODE)
        users = [make_user(f"1390000002{i}") for i in range(4)]
        results = _race([
            lambda u=user: filing_bind(filing_no=filing.filing_no, code=CODE, id_number=FAMILY_ID, account=u)
            for user in users
        ])
        winners = [r for r in results if isinstance(r, Filing)]
        losers = [r for r in results if isinstance(r, BindRefused)]
        assert len(winners) == 1 and len(losers) == 3, results
        assert all(str(r) == BOUND_TO_OTHER for r in losers)
        filing.refresh_from_db()
        assert filing.account_id == winners[0].account_id
        assert AuditLog.objects.filter(action="认证备案").count() == 1

    def test_one_account_racing_for_two_filings_binds_only_one(self, make_user):
        make_filing_row("GLH2026000202", CODE)
        make_filing_row("GLH2026000203", CODE, id_number="110105198202020018")
        user = make_user("13900000030")
        results = _race([
            lambda no=no, id_number=id_number: filing_bind(filing_no=no, code=CODE, id_number=id_number, account=user)
            for no, id_number in (("GLH2026000202", FAMILY_ID), ("GLH2026000203", "110105198202020018"))
        ])
        assert sum(isinstance(r, Filing) for r in results) == 1, results
        refused = [r for r in results if isinstance(r, BindRefused)]
        assert len(refused) == 1 and "您的账号已绑定备案" in str(refused[0])
        assert Filing.objects.filter(account=user).count() == 1

    def test_two_browsers_racing_through_the_page_leave_one_binding(self, make_user):
        make_filing_row("GLH2026000204", CODE)
        clients = []
        for phone in ("13900000041", "13900000042"):
            client = Client()
            client.force_login(make_user(phone))
            clients.append(client)
        responses = _race([lambda c=c: post(c, "GLH2026000204") for c in clients])
        assert sorted(r.status_code for r in responses) == [302, 400]
        assert Filing.objects.filter(filing_no="GLH2026000204", account__isnull=False).count() == 1


@pytest.mark.django_db
class TestLockout:
    def _guess(self, client: Client, times: int) -> None:
        for _ in range(times):
            post(client, code="ZZ99ZZ")

    def test_a_second_account_does_not_start_the_count_again(self, make_user, free_filing):
        first, second = Client(REMOTE_ADDR="203.0.113.1"), Client(REMOTE_ADDR="198.51.100.2")
        first.force_login(make_user("13900000051"))
        second.force_login(make_user("13900000052"))
        self._guess(first, 3)
        self._guess(second, 1)
        last = post(second, code="ZZ99ZZ")
        assert last.status_code == 400 and LOCKED in last.content.decode()
        free_filing.refresh_from_db()
        assert free_filing.verify_failures == VERIFY_MAX_FAILURES and free_filing.verify_locked

    def test_the_lockout_refuses_even_the_right_code(self, make_user, person_client, free_filing):
        guesser = Client()
        guesser.force_login(make_user("13900000053"))
        self._guess(guesser, VERIFY_MAX_FAILURES)
        response = post(person_client)
        page = response.content.decode()
        assert response.status_code == 400
        assert "请携带身份证件和备案通知单到保障房中心窗口" in page and WRONG_DETAILS not in page
        free_filing.refresh_from_db()
        assert free_filing.account is None

    def test_failures_below_the_limit_do_not_stop_the_family(self, person_client, person, free_filing):
        self._guess(person_client, VERIFY_MAX_FAILURES - 1)
        assert post(person_client).status_code == 302
        free_filing.refresh_from_db()
        assert free_filing.account == person and free_filing.verify_failures == 0


OTHER_ID = "110105198202020018"


def signed_in_with_id(make_user, phone: str, id_number: str) -> Client:
    """A person whose account was registered with an ID number of its own."""
    client = Client()
    client.force_login(make_user(phone, id_number=id_number))
    return client


@pytest.mark.django_db
class TestTheApplicantsIdNumber:
    def test_an_account_without_an_id_number_is_asked_for_the_applicants(self, person_client):
        page = person_client.get(URL).content.decode()
        assert "申请人身份证号" in page and 'name="id_number"' in page

    def test_another_persons_id_number_is_refused_with_the_same_message(self, person_client, free_filing):
        wrong_id = post(person_client, id_number=OTHER_ID)
        wrong_code = post(person_client, code="ZZ99ZZ")
        unknown = post(person_client, "GLH2099999999")
        assert wrong_id.status_code == wrong_code.status_code == unknown.status_code == 400
        for response in (wrong_id, wrong_code, unknown):
            assert WRONG_DETAILS in response.content.decode()
        free_filing.refresh_from_db()
        assert free_filing.account is None and free_filing.verify_failures == 2

    def test_a_missing_id_number_is_named(self, person_client, free_filing):
        response = post(person_client, id_number="")
        assert response.status_code == 400 and "请输入备案申请人的身份证号" in response.content.decode()
        free_filing.refresh_from_db()
        assert free_filing.account is None and free_filing.verify_failures == 0

    def test_the_verified_id_number_is_kept_on_the_account(self, person_client, person, free_filing):
        assert post(person_client, id_number=f" {FAMILY_ID[:6]} {FAMILY_ID[6:]} ").status_code == 302
        person.refresh_from_db()
        assert person.id_number == FAMILY_ID
        free_filing.refresh_from_db()
        assert free_filing.account == person

    def test_an_id_number_another_account_holds_is_not_copied(self, person_client, person, make_user, free_filing):
        make_user("13900000061", id_number=FAMILY_ID)
        assert post(person_client).status_code == 302
        person.refresh_from_db()
        assert person.id_number is None
        free_filing.refresh_from_db()
        assert free_filing.account == person

    def test_an_account_with_its_own_id_number_is_checked_against_it(self, make_user, free_filing):
        client = signed_in_with_id(make_user, "13900000062", FAMILY_ID)
        page = client.get(URL).content.decode()
        assert 'name="id_number"' not in page and "1101**********0016" in page
        # Typing some other number changes nothing: the account's own number is the one checked.
        assert post(client, id_number=OTHER_ID).status_code == 302
        free_filing.refresh_from_db()
        assert free_filing.account.phone == "13900000062"

    def test_an_account_registered_with_another_id_number_cannot_take_the_filing(self, make_user, free_filing):
        # Someone holding a photo of the family's notice, signed in with their own ID number.
        client = signed_in_with_id(make_user, "13900000063", OTHER_ID)
        response = post(client, id_number=FAMILY_ID)
        assert response.status_code == 400 and WRONG_DETAILS in response.content.decode()
        free_filing.refresh_from_db()
        assert free_filing.account is None and free_filing.verify_failures == 1
