"""Every form under random and hostile input: never a 500, never a traceback, never a partial write."""

from urllib.parse import quote_from_bytes

from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.models import User
from filings.models import Filing
from registrations.models import Registration
from rentals.models import Unit
from tests.conftest import make_filing_row
from tests.registrations.conftest import make_plan, make_project, make_units

from .strategies import form_data

FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class FormFuzz(TestCase):
    def _world(self) -> None:
        # Built inside each example: hypothesis rolls the database back after every one.
        self.user = User.objects.create(phone="13922223333", password="!", name="陈静")
        make_filing_row(account=self.user, bound_at=timezone.now())
        self.other = User.objects.create(phone="13911112222", password="!")
        self.quick = make_project(make_plan("FZ-Q"), "XM-FZ-Q")
        self.realtime = make_project(make_plan("FZ-R", "realtime"), "XM-FZ-R", ("一居室",))
        make_units(self.realtime, 3)

    def _fresh(self) -> None:
        # Hypothesis rolls the database back after each example; the cache and the
        # client's session cookie must start afresh too.
        cache.clear()
        self.client = Client(raise_request_exception=False)
        self._world()

    def _sane(self, response) -> None:
        assert response.status_code < 500, response.status_code
        body = response.content.decode("utf-8", "replace")
        assert "Traceback" not in body and "Exception Value" not in body

    def _counts(self) -> tuple:
        return (User.objects.count(), Filing.objects.filter(account__isnull=False).count(),
                Registration.objects.count(), Unit.objects.filter(taken=True).count())

    @FUZZ
    @given(data=form_data("phone", "code", "password", "password2", "name", "id_number", "action"))
    def test_register(self, data):
        self._fresh()
        before = self._counts()
        response = self.client.post("/accounts/register/", data)
        self._sane(response)
        if response.status_code != 302:
            assert self._counts() == before

    @FUZZ
    @given(data=form_data("phone", "code", "password", "tab", "action", "next"))
    def test_login(self, data):
        self._fresh()
        response = self.client.post("/accounts/login/", data)
        self._sane(response)
        if response.status_code == 302:
            assert response["Location"].startswith("/")
            assert not response["Location"].startswith("//")

    @FUZZ
    @given(purpose=st.sampled_from(["register", "login", "cancel", "change_old", "change_new"]),
           data=form_data("phone"))
    def test_send_code(self, purpose, data):
        self._fresh()
        self._sane(self.client.post(f"/accounts/code/{purpose}/", data))

    @FUZZ
    @given(data=form_data("filing_no", "code"))
    def test_filing_verification(self, data):
        self._fresh()
        self.client.force_login(self.other)
        before = self._counts()
        response = self.client.post("/filing/verify/", data)
        self._sane(response)
        assert self._counts() == before  # no random input guesses the code

    @FUZZ
    @given(data=form_data("unit_type", "unit", "acknowledged"), realtime=st.booleans())
    def test_register_for_housing(self, data, realtime):
        self._fresh()
        self.client.force_login(self.user)
        project = self.realtime if realtime else self.quick
        before = self._counts()
        response = self.client.post(f"/register/{project.pk}/", data)
        self._sane(response)
        if response.status_code != 302:
            assert self._counts() == before

    @FUZZ
    @given(data=form_data("code", "ids", "action"))
    def test_cancel(self, data):
        self._fresh()
        self.client.force_login(self.user)
        self._sane(self.client.post("/registrations/cancel/", data))

    @FUZZ
    @given(data=form_data("code", "phone", "action"))
    def test_phone_change(self, data):
        self._fresh()
        self.client.force_login(self.user)
        self._sane(self.client.post("/accounts/center/phone/", data))
        self._sane(self.client.post("/accounts/center/phone/new/", data))
        self.user.refresh_from_db()
        assert self.user.phone == "13922223333"

    @FUZZ
    @given(query=form_data("district", "unit_type", "unit", "ids", "next", "tab"))
    def test_pages_with_hostile_query_strings(self, query):
        self._fresh()
        self.client.force_login(self.user)
        for path in ("/gzf/plans/", f"/gzf/plans/{self.quick.plan_id}/", f"/gzf/projects/{self.realtime.pk}/",
                     f"/register/{self.quick.pk}/", "/registrations/print/", "/accounts/login/"):
            self._sane(self.client.get(path, query))

    @FUZZ
    @given(raw=st.binary(max_size=200))
    def test_non_utf8_bodies(self, raw):
        self._fresh()
        self.client.force_login(self.user)
        body = "phone=" + quote_from_bytes(raw) + "&code=" + quote_from_bytes(raw[::-1])
        for path in ("/accounts/login/", "/filing/verify/", f"/register/{self.quick.pk}/"):
            self._sane(self.client.generic("POST", path, body, content_type="application/x-www-form-urlencoded"))
