import datetime as dt

import pytest
from django.utils import timezone

from filings.models import Filing
from tests.conftest import FAMILY_ID

URL = "/filing/"


@pytest.mark.django_db
class TestInfo:
    def test_it_needs_sign_in(self, stranger):
        response = stranger.get(URL)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/filing/")

    def test_an_unbound_account_gets_an_explanation_and_the_way_to_verify_last(self, person_client):
        page = person_client.get(URL).content.decode()
        assert "您还未进行公租房备案家庭认证" in page
        assert "备案编号" in page and "验证码" in page
        link = '<a class="btn btn-lg" href="/filing/verify/">去公租房备案家庭信息认证</a>'
        assert link in page
        body = page[page.index('class="card center-body"'):page.index("</section>")]
        assert body.rstrip().endswith(link + "</p>")

    def test_a_bound_account_sees_its_filing_with_the_id_number_masked(self, family_client):
        page = family_client.get(URL).content.decode()
        for fact in ("GLH2024000001", "陈静", "1101**********0016", "朝阳区", "3人", "普通", "一居室、二居室",
                     "有效", "2030-12-31"):
            assert fact in page, fact
        assert FAMILY_ID not in page
        assert "去公租房备案家庭信息认证" not in page

    def test_it_says_plainly_when_the_filing_is_invalidated(self, family_client, family):
        Filing.objects.filter(account=family).update(status=Filing.Status.INVALID)
        page = family_client.get(URL).content.decode()
        assert "该备案已失效，暂不能登记" in page
        assert '<span class="badge badge-taken">失效</span>' in page

    def test_it_says_plainly_when_the_filing_has_expired(self, family_client, family):
        Filing.objects.filter(account=family).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
        page = family_client.get(URL).content.decode()
        assert "该备案已过有效期" in page
        assert '<span class="badge badge-taken">已过有效期</span>' in page

    def test_the_user_centre_marks_this_section_as_current(self, person_client):
        page = person_client.get(URL).content.decode()
        assert '<a href="/filing/" aria-current="page">公租房备案家庭信息</a>' in page

    def test_the_user_centre_links_here(self, person_client):
        assert 'href="/filing/"' in person_client.get("/accounts/center/").content.decode()

    def test_it_only_answers_reads(self, person_client):
        assert person_client.post(URL).status_code == 405
        assert person_client.head(URL).status_code == 200

    def test_it_costs_a_fixed_number_of_queries(self, family_client, django_assert_max_num_queries):
        with django_assert_max_num_queries(6):
            family_client.get(URL)
