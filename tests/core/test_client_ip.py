import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import SmsMessage
from bphc.http import client_ip

rf = RequestFactory()


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get("/", **extra)


def test_without_trusted_proxies_a_forged_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


def test_behind_one_proxy_the_address_it_appended_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged "1.2.3.4"; the proxy appended the address it really saw.
    assert client_ip(_request("10.0.0.2", "1.2.3.4, 198.51.100.7")) == "198.51.100.7"


def test_behind_two_proxies_the_second_from_the_right_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.1")) == "198.51.100.7"


def test_a_short_header_falls_back_to_the_socket_address(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request("10.0.0.2", "198.51.100.7")) == "10.0.0.2"


@pytest.mark.django_db
def test_rotating_a_forged_header_does_not_escape_the_per_ip_cap(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SMS_DAILY_PER_IP = "2/d"
    answers = []
    for i in range(4):
        answers.append(client.post(
            reverse("accounts:send_code", args=["register"]), {"phone": f"1371234567{i}"},
            HTTP_X_FORWARDED_FOR=f"6.6.6.{i}, 198.51.100.7", REMOTE_ADDR="10.0.0.2",
        ).status_code)
    assert answers == [200, 200, 400, 400]
    assert SmsMessage.objects.count() == 2
