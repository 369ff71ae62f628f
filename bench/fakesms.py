"""A stand-in for Tencent Cloud's SendSms on loopback: answers like the real API after a set delay.

Every request is recorded by the 登记编号 it carries (the last of the `registered` template's
TemplateParamSet, accounts.sms.TEMPLATE_PARAMS): one registration has one number and one
登记成功 notification, so the count per number is the count per notification.
"""

import json
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TEMPLATES = "registered=100001,cancelled=100002,phone_changed=100003,plan_opened=100004,results_published=100005"


class FakeSms:
    def __init__(self, latency_ms: float = 0.0) -> None:
        self.latency = latency_ms / 1000
        self.lock = threading.Lock()
        self.received: Counter = Counter()  # 登记编号 → requests that reached the provider
        self.open = 0  # requests received and not yet answered
        self.fail = False  # answer every request with Tencent's InternalError (the fault runs)
        self.refused = 0  # requests answered with an error: not delivered
        self.first_at = self.last_at = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                params = body.get("TemplateParamSet") or [""]
                if fake.fail:
                    with fake.lock:
                        fake.refused += 1
                    self._answer({"Response": {"Error": {"Code": "InternalError", "Message": "fault run"},
                                               "RequestId": str(uuid.uuid4())}})
                    return
                with fake.lock:
                    fake.received[params[-1]] += 1
                    fake.open += 1
                    fake.first_at = fake.first_at or time.time()
                time.sleep(fake.latency)
                answer = json.dumps({"Response": {
                    "SendStatusSet": [{"Code": "Ok", "SerialNo": uuid.uuid4().hex,
                                       "PhoneNumber": (body.get("PhoneNumberSet") or [""])[0]}],
                    "RequestId": str(uuid.uuid4()),
                }}).encode()
                try:
                    self._answer(answer)
                except OSError:
                    pass  # the worker was killed while waiting: the provider took the message all the same
                finally:
                    with fake.lock:
                        fake.open -= 1
                        fake.last_at = time.time()

            def _answer(self, answer: bytes | dict) -> None:
                answer = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:  # quiet: the bench prints its own counts
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-sms", daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def env(self) -> dict[str, str]:
        """The settings that point the Tencent backend at this fake."""
        return {"SMS_BACKEND": "tencent", "SMS_TENCENT_ENDPOINT": self.endpoint,
                "SMS_TENCENT_SECRET_ID": "bench", "SMS_TENCENT_SECRET_KEY": "bench",
                "SMS_TENCENT_SDK_APP_ID": "1400000000", "SMS_TENCENT_TEMPLATES": TEMPLATES}

    def total(self) -> int:
        with self.lock:
            return sum(self.received.values())

    def counts(self) -> Counter:
        with self.lock:
            return Counter(self.received)

    def start(self) -> "FakeSms":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
