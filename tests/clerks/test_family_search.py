"""查找家庭 in the filings, users and registrations admins (issue 12 items 2 and 10, issue 14 item 10).

One box finds a family by its whole ID number, filing number or phone; the search is a POST,
so no whole number lands in an address or an access log; it is limited per staff member and
audited; the whole-ID search is for the counter's role only.
"""

import pytest

from accounts.models import AuditLog
from registrations.services import registration_create
from tests.conftest import FAMILY_ID

from .conftest import WALK_IN_ID, WALK_IN_PHONE

pytestmark = pytest.mark.django_db

FILINGS = "/admin/filings/filing/"
USERS = "/admin/accounts/user/"
REGISTRATIONS = "/admin/registrations/registration/"


def find(client, page: str, q: str, **kwargs):
    return client.post(page + "find/", {"q": q}, **kwargs)


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def registered(family, walk_in, quick_project, clerk):
    """The bound family (陈静) and the walk-in (马秀兰), each registered once."""
    registration_create(filing=family.filing, actor=family, project=quick_project, unit_type="一居室",
                        acknowledged=True)
    registration_create(filing=walk_in, actor=clerk, project=quick_project, unit_type="二居室", acknowledged=True)


class TestOneBox:
    @pytest.mark.parametrize("page", [FILINGS, USERS, REGISTRATIONS])
    def test_the_clerk_finds_the_family_by_its_whole_id_number(self, clerk_client, registered, page):
        response = find(clerk_client, page, FAMILY_ID)
        assert response.status_code == 302
        assert FAMILY_ID not in response["Location"] and FAMILY_ID[-4:] not in response["Location"]
        listing = text(clerk_client.get(response["Location"]))
        assert "139****3333" in listing if page == USERS else "陈静" in listing
        assert "马秀兰" not in listing and FAMILY_ID not in listing

    def test_by_filing_number_in_the_users_admin(self, clerk_client, registered, other_family):
        listing = text(find(clerk_client, USERS, "glh2024000001", follow=True))
        assert "139****3333" in listing and "139****4444" not in listing

    def test_by_the_phone_on_the_filing_or_the_account(self, clerk_client, registered):
        by_filing_phone = text(find(clerk_client, FILINGS, WALK_IN_PHONE, follow=True))
        assert "GLH2026009001" in by_filing_phone and "GLH2024000001" not in by_filing_phone
        by_account_phone = text(find(clerk_client, FILINGS, "+86 139 2222 3333", follow=True))
        assert "GLH2024000001" in by_account_phone and "GLH2026009001" not in by_account_phone
        in_registrations = text(find(clerk_client, REGISTRATIONS, "139２２２２３３３３", follow=True))
        assert "陈静" in in_registrations and "马秀兰" not in in_registrations

    def test_the_box_is_a_post_form_on_every_list(self, clerk_client, registered):
        for page in (FILINGS, USERS, REGISTRATIONS):
            listing = text(clerk_client.get(page))
            assert f'method="post" action="{page}find/"' in listing

    def test_a_get_search_never_matches_a_whole_id_number_or_phone(self, clerk_client, registered):
        # The old GET search answered these, putting the whole number in the access log.
        assert "陈静" not in text(clerk_client.get(REGISTRATIONS, {"q": FAMILY_ID}))
        assert "139****3333" not in text(clerk_client.get(USERS, {"q": "13922223333"}))

    def test_a_search_by_get_is_refused(self, clerk_client, registered):
        assert clerk_client.get(FILINGS + "find/", {"q": FAMILY_ID}).status_code == 405

    def test_something_that_is_not_a_whole_number_is_explained(self, clerk_client, registered):
        listing = text(find(clerk_client, FILINGS, "陈静", follow=True))
        assert "请输入完整的18位身份证号、备案编号或11位手机号" in listing
        assert not AuditLog.objects.filter(action="查找家庭").exists()


class TestNoOracle:
    def test_a_plan_manager_cannot_search_by_whole_id_number(self, manager_client, registered):
        response = find(manager_client, REGISTRATIONS, FAMILY_ID)
        assert response["Location"] == REGISTRATIONS  # the plain list: no yes/no about the number
        assert "您的角色不能按完整身份证号查找家庭" in text(manager_client.get(REGISTRATIONS))
        assert not AuditLog.objects.filter(action="查找家庭").exists()

    def test_the_auditor_cannot_either(self, auditor_client, registered):
        assert "您的角色不能按完整身份证号查找家庭" in text(find(auditor_client, FILINGS, FAMILY_ID, follow=True))

    def test_every_search_is_audited_without_the_whole_number(self, clerk_client, clerk, registered):
        find(clerk_client, FILINGS, FAMILY_ID)
        find(clerk_client, USERS, WALK_IN_PHONE)
        rows = list(AuditLog.objects.filter(action="查找家庭").order_by("id"))
        assert [r.actor for r in rows] == [clerk, clerk]
        assert rows[0].details == {"page": "备案家庭", "by": "身份证号", "term": "1101**********0016"}
        assert rows[1].details["term"] == "138****5678"
        assert FAMILY_ID not in str(rows[0].details) and WALK_IN_PHONE not in str(rows[1].details)

    def test_searches_are_limited_per_staff_member(self, settings, clerk_client, manager_client, registered):
        settings.STAFF_SEARCH_RATE = "3/h"
        for _ in range(3):
            assert "请稍后再试" not in text(find(clerk_client, FILINGS, FAMILY_ID, follow=True))
        over = find(clerk_client, FILINGS, FAMILY_ID)
        assert over["Location"] == FILINGS
        assert "查找次数过多，请稍后再试" in text(clerk_client.get(FILINGS))
        assert AuditLog.objects.filter(action="查找家庭").count() == 3
        # Another staff member has a budget of their own.
        assert "查找次数过多" not in text(find(manager_client, REGISTRATIONS, "GLH2024000001", follow=True))

    def test_the_counters_id_check_is_limited_and_audited_the_same_way(self, settings, clerk_client, clerk,
                                                                         walk_in):
        settings.STAFF_SEARCH_RATE = "2/h"
        assist = "/admin/registrations/registration/assist/"
        for typed in (FAMILY_ID, WALK_IN_ID):
            clerk_client.post(assist, {"filing_no": "GLH2026009001", "id_number": typed})
        checks = AuditLog.objects.filter(action="现场核对身份证号").order_by("id")
        assert [c.details["matches"] for c in checks] == [False, True] and checks[0].actor == clerk
        response = clerk_client.post(assist, {"filing_no": "GLH2026009001", "id_number": WALK_IN_ID})
        assert response.status_code == 429 and "查找次数过多" in text(response)
        assert "✓ 一致" not in text(response) and checks.count() == 2
