"""A stand-in for Tencent Cloud's SendSms on loopback: answers like the real API after a set delay.

Every request is recorded by the 登记编号 it carries (the last of the `registered` template's
TemplateParamSet, accounts.sms.TEMPLATE_PARAMS): one registration has one number and one
登记成功 notification, so the count per number is the count per notification.

It runs in a process of its own, as a real provider would be elsewhere: as a thread of the
bench it shared the bench's GIL with the client that times the rush, and every message it
answered at 0 ms latency held up the client's event loop (the register wave measured 55 req/s
with the provider answering at once and 75 with it answering in 300 ms, on the same stack).
The bench reads and sets its state through shared values and asks it for the counts.
"""

import contextlib
import ctypes
import json
import multiprocessing
import os
import signal
import threading
import time
import urllib.request
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PROVIDER_NICE = 19
TEMPLATES = "registered=100001,cancelled=100002,phone_changed=100003,plan_opened=100004,results_published=100005"


class _Shared:
    """What the bench and the provider's process both see."""

    def __init__(self, context, latency: float) -> None:
        self.latency = context.Value("d", latency)
        self.fail = context.Value("b", 0)
        self.open = context.Value("i", 0)
        self.refused = context.Value("i", 0)
        self.first_at = context.Value("d", 0.0)
        self.last_at = context.Value("d", 0.0)
        self.port = context.Value("i", 0)


def _serve(shared: _Shared) -> None:
    # A process of its own (spawned, so no fork of a threaded bench): gone when the bench is.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    # Its own session, at the lowest CPU share: it stands for the provider's machines, not ours.
    # In the bench's session it was in the client's autogroup, and every text it answered at
    # 0 ms came out of the share of the client that times the rush.
    with contextlib.suppress(OSError):
        os.setsid()
        Path("/proc/self/autogroup").write_text(str(PROVIDER_NICE))
    received: Counter = Counter()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 — the bench's question: how many per number
            with lock:
                self._answer(json.dumps(received).encode())

        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            params = body.get("TemplateParamSet") or [""]
            if shared.fail.value:
                with shared.refused.get_lock():
                    shared.refused.value += 1
                self._answer({"Response": {"Error": {"Code": "InternalError", "Message": "fault run"},
                                           "RequestId": str(uuid.uuid4())}})
                return
            with lock:
                received[params[-1]] += 1
            with shared.open.get_lock():
                shared.open.value += 1
            if not shared.first_at.value:
                shared.first_at.value = time.time()
            time.sleep(shared.latency.value)
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
                with shared.open.get_lock():
                    shared.open.value -= 1
                shared.last_at.value = time.time()

        def _answer(self, answer: bytes | dict) -> None:
            answer = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args) -> None:  # quiet: the bench prints its own counts
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    shared.port.value = server.server_address[1]
    server.serve_forever()


class FakeSms:
    def __init__(self, latency_ms: float = 0.0) -> None:
        context = multiprocessing.get_context("spawn")
        self._shared = _Shared(context, latency_ms / 1000)
        self._process = context.Process(target=_serve, args=(self._shared,), name="fake-sms", daemon=True)
        self.port = 0
        self._final: Counter | None = None

    # The provider's state, read and set from the bench.
    latency = property(lambda self: self._shared.latency.value,
                       lambda self, seconds: setattr(self._shared.latency, "value", seconds))
    fail = property(lambda self: bool(self._shared.fail.value),
                    lambda self, failing: setattr(self._shared.fail, "value", int(failing)))
    open = property(lambda self: self._shared.open.value)  # requests received and not yet answered
    refused = property(lambda self: self._shared.refused.value)  # answered with an error: not delivered
    first_at = property(lambda self: self._shared.first_at.value or None)
    last_at = property(lambda self: self._shared.last_at.value or None)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def env(self) -> dict[str, str]:
        """The settings that point the Tencent backend at this fake."""
        return {"SMS_BACKEND": "tencent", "SMS_TENCENT_ENDPOINT": self.endpoint,
                "SMS_TENCENT_SECRET_ID": "bench", "SMS_TENCENT_SECRET_KEY": "bench",
                "SMS_TENCENT_SDK_APP_ID": "1400000000", "SMS_TENCENT_TEMPLATES": TEMPLATES}

    def counts(self) -> Counter:
        """登记编号 → requests that reached the provider (after `stop()`, the counts it ended with)."""
        if self._final is not None:
            return Counter(self._final)
        with urllib.request.urlopen(self.endpoint, timeout=10) as answer:
            return Counter(json.loads(answer.read()))

    def total(self) -> int:
        return sum(self.counts().values())

    def start(self) -> "FakeSms":
        self._process.start()
        deadline = time.monotonic() + 30
        while not self._shared.port.value:
            if not self._process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake SMS provider did not start")
            time.sleep(0.01)
        self.port = self._shared.port.value
        return self

    def stop(self) -> None:
        if self._process.is_alive():
            with contextlib.suppress(OSError):
                self._final = self.counts()
            self._process.terminate()
            self._process.join(timeout=5)
