"""Sending SMS: text templates, the configured backend, and one-time codes."""

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import render_to_string
from django_ratelimit.core import is_ratelimited

from bphc.http import client_ip
from bphc.masking import mask_phone

from .models import SmsCode, SmsMessage

log = logging.getLogger("bphc.sms")


class SmsError(Exception):
    """The provider did not accept the message."""


def render_sms(template: str, context: dict) -> str:
    body = render_to_string(f"sms/{template}.txt", context).strip()
    return f"【{settings.SMS_SIGN_NAME}】{body}"


class ConsoleBackend:
    def send(self, phone: str, text: str, params: list[str]) -> None:
        log.info("SMS to %s: %s", mask_phone(phone), text)


class OutboxBackend:
    def send(self, phone: str, text: str, params: list[str]) -> None:
        SmsMessage.objects.create(phone=phone, text=text)
        log.info("SMS to %s stored in the outbox: %s", mask_phone(phone), text)


class TencentBackend:
    """Tencent Cloud SMS API 3.0 (SendSms), signed with TC3-HMAC-SHA256."""

    service = "sms"
    version = "2021-01-11"

    def send(self, phone: str, text: str, params: list[str]) -> None:
        conf = settings.SMS_TENCENT
        payload = json.dumps(
            {
                "PhoneNumberSet": [f"+86{phone}"],
                "SmsSdkAppId": conf["SDK_APP_ID"],
                "SignName": settings.SMS_SIGN_NAME,
                "TemplateId": conf["TEMPLATE_ID"],
                "TemplateParamSet": params,
            },
            ensure_ascii=False,
        ).encode()
        endpoint = conf["ENDPOINT"]
        host = urllib.request.urlparse(endpoint).netloc
        timestamp = int(time.time())
        headers = self._headers(conf, host, payload, timestamp)
        request = urllib.request.Request(endpoint, data=payload, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=conf["TIMEOUT"]) as response:
                body = json.loads(response.read().decode() or "{}")
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            log.warning("SMS provider unreachable for %s: %s", mask_phone(phone), exc)
            raise SmsError(str(exc)) from exc
        result = body.get("Response", {})
        if "Error" in result:
            log.warning("SMS provider refused %s: %s", mask_phone(phone), result["Error"])
            raise SmsError(result["Error"].get("Code", "error"))
        statuses = result.get("SendStatusSet") or [{}]
        if statuses[0].get("Code") != "Ok":
            log.warning("SMS provider did not send to %s: %s", mask_phone(phone), statuses[0])
            raise SmsError(statuses[0].get("Code", "error"))

    def _headers(self, conf: dict, host: str, payload: bytes, timestamp: int) -> dict:
        date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
        canonical = "\n".join([
            "POST", "/", "", f"content-type:application/json; charset=utf-8\nhost:{host}\n",
            "content-type;host", hashlib.sha256(payload).hexdigest(),
        ])
        scope = f"{date}/{self.service}/tc3_request"
        to_sign = "\n".join([
            "TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest(),
        ])

        def _hmac(key: bytes, msg: str) -> bytes:
            return hmac.new(key, msg.encode(), hashlib.sha256).digest()

        key = _hmac(_hmac(_hmac(("TC3" + conf["SECRET_KEY"]).encode(), date), self.service), "tc3_request")
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        return {
            "Authorization": (
                f"TC3-HMAC-SHA256 Credential={conf['SECRET_ID']}/{scope}, "
                f"SignedHeaders=content-type;host, Signature={signature}"
            ),
            "Content-Type": "application/json; charset=utf-8",
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": self.version,
            "X-TC-Region": conf["REGION"],
        }


BACKENDS = {"console": ConsoleBackend, "outbox": OutboxBackend, "tencent": TencentBackend}


def send_sms(phone: str, template: str, context: dict | None = None, params: list[str] | None = None) -> None:
    """Render templates/sms/<template>.txt and hand it to the configured backend."""
    context = context or {}
    text = render_sms(template, context)
    backend = BACKENDS[settings.SMS_BACKEND]()
    backend.send(phone, text, params if params is not None else [str(v) for v in context.values()])


CODE_SENT = "验证码已发送，请查收短信。{minutes}分钟内有效。"


def _cooldown_key(phone: str, purpose: str) -> str:
    return f"sms:cooldown:{purpose}:{phone}"


def send_code(request: HttpRequest, *, phone: str, purpose: str, deliver: bool = True) -> str | None:
    """Issue and send a code; return None on success, else the message to show.

    `deliver=False` goes through every limit and answers the same but sends nothing,
    so that a caller can hide whether a phone has an account.
    """
    # cache.add is atomic on every backend we use, so two quick presses send one code.
    if not cache.add(_cooldown_key(phone, purpose), 1, timeout=settings.SMS_RESEND_SECONDS):
        return f"验证码已发送，请{settings.SMS_RESEND_SECONDS}秒后再重新获取。"
    # Both counters always advance, so a capped phone cannot be used to probe the IP's.
    by_phone = is_ratelimited(
        request, group="sms-phone", key=lambda g, r: phone,
        rate=settings.SMS_DAILY_PER_PHONE, increment=True,
    )
    by_ip = is_ratelimited(
        request, group="sms-ip", key=lambda g, r: client_ip(r),
        rate=settings.SMS_DAILY_PER_IP, increment=True,
    )
    if by_phone or by_ip:
        return "今日获取验证码次数已达上限，请明天再试。"
    if deliver:
        row, code = SmsCode.issue(phone=phone, purpose=purpose)
        minutes = settings.SMS_CODE_TTL_SECONDS // 60
        try:
            send_sms(phone, f"code_{purpose}", {"code": code, "minutes": minutes})
        except SmsError:
            row.delete()
            cache.delete(_cooldown_key(phone, purpose))
            return "短信发送失败，请稍后再试。如多次失败，请联系保障房中心。"
    return None


def resend_wait_seconds(phone: str, purpose: str) -> int:
    return settings.SMS_RESEND_SECONDS if cache.get(_cooldown_key(phone, purpose)) else 0
