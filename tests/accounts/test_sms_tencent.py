"""Tencent SMS for real: the documented signature, one template per message, the message id."""

import logging

import pytest
from django.urls import reverse

from accounts.models import SmsMessage
from accounts.sms import TEMPLATE_PARAMS, send_sms, tc3_authorization
from tests.accounts.test_sms_backends import provider  # noqa: F401 - the fake provider fixture

OK = {"Response": {"SendStatusSet": [{"Code": "Ok", "SerialNo": "2433:3380923219414441283421"}],
                   "RequestId": "x"}}


def test_the_signature_matches_tencents_worked_example():
    # "Signature v3" in Tencent Cloud's API documentation: DescribeInstances on CVM.
    payload = '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    authorization = tc3_authorization(
        secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        service="cvm", host="cvm.tencentcloudapi.com", payload=payload.encode(), timestamp=1551113065,
    )
    assert authorization == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
        "SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


@pytest.mark.django_db
def test_each_message_uses_its_own_template_with_parameters_in_the_documented_order(client, provider):  # noqa: F811
    fake = provider(answer=OK)
    client.post(reverse("accounts:send_code", args=["register"]), {"phone": "13812345678"})
    send_sms("13812345678", "registered", {"number": "DJ0001", "what": "1号楼101", "plan": "第一批", "project": "馨苑"})
    first, second = (r["body"] for r in fake.requests)
    assert first["TemplateId"] == "100"
    assert first["TemplateParamSet"][1] == "5"
    assert second["TemplateId"] == "200"
    assert second["TemplateParamSet"] == ["第一批", "馨苑", "1号楼101", "DJ0001"]
    assert TEMPLATE_PARAMS["registered"] == ("plan", "project", "what", "number")


@pytest.mark.django_db
def test_a_message_without_a_template_id_is_not_sent(client, provider):  # noqa: F811
    fake = provider(answer=OK)
    response = client.post(reverse("accounts:send_code", args=["login"]), {"phone": "13812345678"})
    client.post(reverse("accounts:send_code", args=["register"]), {"phone": "13812345679"})
    assert response.status_code == 200  # login to an unknown phone sends nothing either way
    assert [r["body"]["TemplateId"] for r in fake.requests] == ["100"]


@pytest.mark.django_db
def test_send_sms_returns_the_providers_message_id(provider):  # noqa: F811
    provider(answer=OK)
    assert send_sms("13812345678", "code_register", {"code": "123456", "minutes": 5}) == "2433:3380923219414441283421"


@pytest.mark.django_db
def test_the_outbox_returns_its_row_id():
    message_id = send_sms("13812345678", "code_login", {"code": "123456", "minutes": 5})
    assert message_id == str(SmsMessage.objects.get().pk)


def test_the_provider_timeout_is_at_most_three_seconds(monkeypatch):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import django, os; django.setup(); from django.conf import settings; "
                               "print(settings.SMS_TENCENT['TIMEOUT'])"],
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "bphc.settings", "SMS_TENCENT_TIMEOUT": "10"},
        capture_output=True, text=True, timeout=60,
    )
    assert float(result.stdout.strip()) == 3.0


@pytest.mark.django_db
@pytest.mark.parametrize("backend", ["outbox", "console"])
def test_no_backend_logs_the_text_or_the_code(settings, caplog, backend):
    settings.SMS_BACKEND = backend
    with caplog.at_level(logging.DEBUG):
        send_sms("13812345678", "code_login", {"code": "987654", "minutes": 5})
    assert caplog.records, "the send is logged"
    assert "987654" not in caplog.text
    assert "验证码" not in caplog.text
