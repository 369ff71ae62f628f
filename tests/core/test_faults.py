from unittest import mock

import pytest
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.test import Client


@pytest.fixture
def client_500() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.django_db
class TestFaults:
    def test_a_database_outage_shows_a_chinese_503_without_a_traceback(self, client_500):
        with mock.patch("bphc.views.render", side_effect=OperationalError("could not connect to server")):
            response = client_500.get("/")
        assert response.status_code == 503
        page = response.content.decode()
        assert "系统繁忙，请稍后再试" in page and "不会丢失" in page
        assert "Traceback" not in page and "OperationalError" not in page
        assert response["Retry-After"] == "60"

    def test_any_other_error_shows_a_chinese_500(self, client_500):
        with mock.patch("bphc.views.render", side_effect=ValueError("boom")):
            response = client_500.get("/")
        assert response.status_code == 500
        assert "系统繁忙" in response.content.decode()
        assert "boom" not in response.content.decode()

    @pytest.mark.parametrize("error", [InterfaceError("connection already closed"),
                                       OperationalError("could not connect to server")])
    def test_a_connection_failure_is_an_outage(self, client_500, error):
        with mock.patch("bphc.views.render", side_effect=error):
            assert client_500.get("/").status_code == 503

    @pytest.mark.parametrize("error", [IntegrityError("duplicate key value violates unique constraint"),
                                       DataError("value too long for type character varying(11)")])
    def test_an_integrity_or_data_error_is_not_called_an_outage(self, client_500, error):
        # Issue 13 item 7: "come back later" would send a family back to the same error.
        with mock.patch("bphc.views.render", side_effect=error):
            response = client_500.get("/")
        assert response.status_code == 500
        assert "Retry-After" not in response
        assert "duplicate key" not in response.content.decode()

    def test_a_database_that_stops_answering_mid_request_shows_the_503(self, family, client_500):
        client_500.force_login(family)
        down = OperationalError("server closed the connection")
        with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=down):
            response = client_500.get("/center/records/")
        assert response.status_code == 503
        assert "系统繁忙" in response.content.decode()


@pytest.mark.django_db
def test_a_wrong_method_answers_in_chinese(client):
    response = client.get("/accounts/logout/")
    assert response.status_code == 405
    assert "这个页面不能这样打开" in response.content.decode()
    assert response["Allow"] == "POST"
