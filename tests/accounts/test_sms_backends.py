import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse

from accounts.models import SmsCode
from accounts.sms import SmsError, TencentBackend


class FakeProvider:
    """A local stand-in for the SMS provider's HTTP API."""

    def __init__(self, answer: dict | None = None, delay: float = 0.0) -> None:
        self.answer = answer or {"Response": {"SendStatusSet": [{"Code": "Ok"}], "RequestId": "x"}}
        self.delay = delay
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                fake.requests.append({"headers": headers, "body": json.loads(body)})
                if fake.delay:
                    threading.Event().wait(fake.delay)
                payload = json.dumps(fake.answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider(settings):
    fakes: list[FakeProvider] = []

    def _start(**kwargs) -> FakeProvider:
        fake = FakeProvider(**kwargs)
        fakes.append(fake)
        settings.SMS_BACKEND = "tencent"
        settings.SMS_TENCENT = {
            "ENDPOINT": fake.url, "REGION": "ap-beijing", "SECRET_ID": "id", "SECRET_KEY": "key",
            "SDK_APP_ID": "1400000000", "TIMEOUT": 0.5,
            "TEMPLATES": {"code_register": "100", "code_login": "101", "registered": "200"},
        }
        return fake

    yield _start
    for fake in fakes:
        fake.close()


@pytest.mark.django_db
class TestTencentBackend:
    def test_it_sends_a_signed_request_with_the_code(self, client, provider):
        fake = provider()
        response = client.post(reverse("accounts:send_code", args=["register"]), {"phone": "13812345678"})
        assert response.json()["sent"] is True
        request = fake.requests[0]
        assert request["headers"]["authorization"].startswith("TC3-HMAC-SHA256 Credential=id/")
        assert request["headers"]["x-tc-action"] == "SendSms"
        assert request["body"]["PhoneNumberSet"] == ["+8613812345678"]
        code = request["body"]["TemplateParamSet"][0]
        assert SmsCode.verify(phone="13812345678", purpose="register", code=code) is None

    def test_a_provider_error_is_a_clear_message_and_no_code_counts(self, client, provider):
        provider(answer={"Response": {"Error": {"Code": "LimitExceeded", "Message": "x"}}})
        response = client.post(reverse("accounts:send_code", args=["register"]), {"phone": "13812345678"})
        assert response.status_code == 400
        assert "短信发送失败" in response.json()["message"]
        assert not SmsCode.objects.exists()
        # Not counted as sent: the family may try again at once.
        provider()
        again = client.post(reverse("accounts:send_code", args=["register"]), {"phone": "13812345678"})
        assert again.json()["sent"] is True

    def test_a_timeout_is_a_clear_message(self, client, provider):
        provider(delay=2.0)
        response = client.post(reverse("accounts:send_code", args=["register"]), {"phone": "13812345678"})
        assert "短信发送失败" in response.json()["message"]
        assert not SmsCode.objects.exists()

    def test_an_unreachable_provider_raises_sms_error(self, settings):
        settings.SMS_TENCENT = {**settings.SMS_TENCENT, "ENDPOINT": "http://127.0.0.1:9/", "TIMEOUT": 0.5}
        with pytest.raises(SmsError):
            TencentBackend().send("13812345678", "code_login", "text", ["123456", "5"])
