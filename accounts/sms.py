"""Sending SMS: text templates, the configured backend, and one-time codes.

Every code of the portal is sent by `send_code` (or `deliver_code`, which adds who may ask
for which purpose) and goes through the same limits, in this order:

1. one code per phone and purpose per SMS_RESEND_SECONDS (two quick presses send one);
2. per address and per address block (/24, /64): every request counts, delivered or not,
   because they measure the asker, not the phone (skipped with `per_ip_cap=False`: the
   clerk at a counter, signed in, sharing the centre's one address with every other clerk);
3. per phone per day: only codes actually delivered count, so that nobody can use up a
   family's (or a clerk's) codes by asking for ones that are never sent; staff sign-in has
   its own per-phone budget, so families' codes never lock a clerk out;
4. the portal's hourly and daily budget of code messages, with an alert at 80 %.

Counters live in the shared cache through bphc.limits, which fails closed: with the cache
away, codes are refused with BUSY_SMS, never sent unlimited.
"""

import collections
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import math
import statistics
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from bphc import limits
from bphc.http import client_ip
from bphc.masking import mask_phone

from .models import SmsCode, SmsMessage, User

log = logging.getLogger("bphc.sms")


class SmsError(Exception):
    """The provider did not accept the message."""


def render_sms(template: str, context: dict) -> str:
    body = render_to_string(f"sms/{template}.txt", context).strip()
    return f"【{settings.SMS_SIGN_NAME}】{body}"


# The parameters of each message, in the order of its Tencent template's {1}, {2}, …:
# the template registered with Tencent must use them in exactly this order.
TEMPLATE_PARAMS: dict[str, tuple[str, ...]] = {
    "code_register": ("code", "minutes"),
    "code_login": ("code", "minutes"),
    "code_cancel": ("code", "minutes"),
    "code_change_old": ("code", "minutes"),
    "code_change_new": ("code", "minutes"),
    "code_assist": ("code", "minutes"),
    "code_admin_login": ("code", "minutes"),
    "registered": ("plan", "project", "what", "number"),
    "cancelled": ("plan", "number"),
    "phone_changed": ("when", "new_phone"),
    "room_turn": ("plan",),
    "results_published": ("plan", "project", "unit_type", "number", "position", "group_size", "offer_count"),
}


def template_params(template: str, context: dict) -> list[str]:
    names = TEMPLATE_PARAMS.get(template)
    if names is None:
        # A new message without its documented order: keep sending, but say so.
        log.warning("SMS %s has no parameter order in TEMPLATE_PARAMS; using the context's", template)
        names = tuple(context)
    return [str(context[name]) for name in names]


# No backend logs a message's text: it may hold a code, and logs are read by many.
class ConsoleBackend:
    def send(self, phone: str, template: str, text: str, params: list[str]) -> str | None:
        log.info("SMS %s to %s (%d characters)", template, mask_phone(phone), len(text))
        return None


class OutboxBackend:
    def send(self, phone: str, template: str, text: str, params: list[str]) -> str | None:
        row = SmsMessage.objects.create(phone=phone, text=text)
        log.info("SMS %s to %s stored in the outbox as #%s", template, mask_phone(phone), row.pk)
        return str(row.pk)


class TencentBackend:
    """Tencent Cloud SMS API 3.0 (SendSms), signed with TC3-HMAC-SHA256.

    Written against the documented HTTP API rather than the SDK: one call and its signature,
    no extra dependency, and the signature is pinned by Tencent's own worked example
    (tests/accounts/test_sms_tencent.py).
    """

    service = "sms"
    version = "2021-01-11"

    def send(self, phone: str, template: str, text: str, params: list[str]) -> str | None:
        conf = settings.SMS_TENCENT
        template_id = conf["TEMPLATES"].get(template)
        if not template_id:
            log.error("No Tencent template id for SMS %s (SMS_TENCENT_TEMPLATES)", template)
            raise SmsError(f"no template id for {template}")
        payload = json.dumps(
            {
                "PhoneNumberSet": [f"+86{phone}"],
                "SmsSdkAppId": conf["SDK_APP_ID"],
                "SignName": settings.SMS_SIGN_NAME,
                "TemplateId": template_id,
                "TemplateParamSet": params,
            },
            ensure_ascii=False,
        ).encode()
        endpoint = conf["ENDPOINT"]
        host = urllib.request.urlparse(endpoint).netloc
        headers = self.headers(conf, host, payload, int(time.time()))
        request = urllib.request.Request(endpoint, data=payload, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=conf["TIMEOUT"]) as response:
                body = json.loads(response.read().decode() or "{}")
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            log.warning("SMS provider unreachable for %s: %s", mask_phone(phone), type(exc).__name__)
            raise SmsError(str(exc)) from exc
        result = body.get("Response", {})
        if "Error" in result:
            log.warning("SMS provider refused %s: %s", mask_phone(phone), result["Error"].get("Code"))
            raise SmsError(result["Error"].get("Code", "error"))
        status = (result.get("SendStatusSet") or [{}])[0]
        if status.get("Code") != "Ok":
            log.warning("SMS provider did not send to %s: %s", mask_phone(phone), status.get("Code"))
            raise SmsError(status.get("Code", "error"))
        return status.get("SerialNo")

    def headers(self, conf: dict, host: str, payload: bytes, timestamp: int) -> dict:
        return {
            "Authorization": tc3_authorization(
                secret_id=conf["SECRET_ID"], secret_key=conf["SECRET_KEY"], service=self.service,
                host=host, payload=payload, timestamp=timestamp,
            ),
            "Content-Type": "application/json; charset=utf-8",
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": self.version,
            "X-TC-Region": conf["REGION"],
        }


def tc3_authorization(*, secret_id: str, secret_key: str, service: str, host: str, payload: bytes,
                      timestamp: int) -> str:
    """The Authorization header of a TencentCloud API 3.0 POST (TC3-HMAC-SHA256, content-type;host)."""
    date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    canonical = "\n".join([
        "POST", "/", "", f"content-type:application/json; charset=utf-8\nhost:{host}\n",
        "content-type;host", hashlib.sha256(payload).hexdigest(),
    ])
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join([
        "TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest(),
    ])

    def _hmac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
            f"SignedHeaders=content-type;host, Signature={signature}")


BACKENDS = {"console": ConsoleBackend, "outbox": OutboxBackend, "tencent": TencentBackend}


def send_sms(phone: str, template: str, context: dict | None = None) -> str | None:
    """Render templates/sms/<template>.txt and hand it to the configured backend.

    Returns the provider's message id (Tencent's SerialNo, the outbox row's id) or None.
    """
    context = context or {}
    text = render_sms(template, context)
    backend = BACKENDS[settings.SMS_BACKEND]()
    return backend.send(phone, template, text, template_params(template, context))


# ---------------------------------------------------------------------------- codes

CODE_SENT = "验证码已发送，请查收短信。{minutes}分钟内有效。"
CAPPED = "今日获取验证码次数已达上限，请明天再试。"
ASSIST_CAPPED = "该手机号今日获取验证码次数已达上限，请改为核验身份证原件及备案通知单原件后办理，或明天再试。"
BUDGET_SPENT = "今日短信发送量已达上限，请稍后再试，或到保障房中心窗口办理。"
SEND_FAILED = "短信发送失败，请稍后再试。如多次失败，请联系保障房中心。"
# How long a verified old-phone code lets the person choose a new phone.
PHONE_CHANGE_WINDOW = dt.timedelta(minutes=10)
SELF_PHONE_PURPOSES = {SmsCode.Purpose.CHANGE_OLD, SmsCode.Purpose.CANCEL}


def code_minutes() -> int:
    return settings.SMS_CODE_TTL_SECONDS // 60


def code_sent_message() -> str:
    return CODE_SENT.format(minutes=code_minutes())


def _cooldown(phone: str, purpose: str) -> str:
    return f"sms:{purpose}:{phone}"


def resend_wait(phone: str, purpose: str) -> int:
    """Seconds before another code may be sent (0 when the cache cannot say)."""
    try:
        return limits.remaining(_cooldown(phone, purpose))
    except limits.Unavailable:
        return 0


def address_block(address: str) -> str:
    """The /24 (IPv4) or /64 (IPv6) an address is in: one household's or one carrier NAT's range."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    prefix = 24 if ip.version == 4 else 64
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


@dataclass(frozen=True)
class _PhoneBudget:
    group: str
    rate_setting: str
    capped_message: str


def _phone_budget(purpose: str) -> _PhoneBudget:
    if purpose == SmsCode.Purpose.ADMIN_LOGIN:
        return _PhoneBudget("sms-staff-phone", "SMS_DAILY_PER_STAFF_PHONE", CAPPED)
    if purpose == SmsCode.Purpose.ASSIST:
        return _PhoneBudget("sms-phone", "SMS_DAILY_PER_PHONE", ASSIST_CAPPED)
    return _PhoneBudget("sms-phone", "SMS_DAILY_PER_PHONE", CAPPED)


def _over_address_caps(request: HttpRequest) -> bool:
    address = client_ip(request)
    # Both counters always advance, so one capped counter cannot be used to probe the other.
    by_ip = limits.exceeded("sms-ip", address, settings.SMS_DAILY_PER_IP)
    by_block = limits.exceeded("sms-block", address_block(address), settings.SMS_DAILY_PER_BLOCK)
    return by_ip or by_block


def _budget_rates() -> list[limits.Rate]:
    return [limits.Rate.parse(settings.SMS_BUDGET_PER_HOUR), limits.Rate.parse(settings.SMS_BUDGET_PER_DAY)]


def _over_budget() -> bool:
    return any(limits.used("sms-budget", "all", rate) >= rate.limit for rate in _budget_rates())


def _spend_budget() -> None:
    for rate in _budget_rates():
        count = limits.spend("sms-budget", "all", rate)
        # incr is atomic, so exactly one send in each window sees the 80 % mark.
        if count == math.ceil(rate.limit * settings.SMS_BUDGET_ALERT_RATIO):
            _budget_alert(count, rate)


def _budget_alert(count: int, rate: limits.Rate) -> None:
    from .audit import audit_record

    window = "每小时" if rate.period <= 3600 else "每日"
    log.warning("SMS budget %d/%d per %d s reached (%.0f %%)", count, rate.limit, rate.period,
                100 * settings.SMS_BUDGET_ALERT_RATIO)
    audit_record(actor=None, actor_label="系统", action="短信预算告警",
                 reason=f"验证码短信{window}已发送{count}条，达到上限{rate.limit}条的"
                        f"{settings.SMS_BUDGET_ALERT_RATIO:.0%}。请检查是否有人刷短信。",
                 details={"count": count, "limit": rate.limit, "period_seconds": rate.period})


def send_code(request: HttpRequest, *, phone: str, purpose: str, deliver: bool = True,
              per_ip_cap: bool = True) -> str | None:
    """Issue and send a code; return None on success, else the message to show.

    `deliver=False` goes through every limit and answers the same but sends nothing,
    so that a caller can hide whether a phone has an account. `per_ip_cap=False` skips
    the per-address caps (a signed-in clerk at the centre's shared address).
    """
    try:
        return _send_code(request, phone=phone, purpose=purpose, deliver=deliver, per_ip_cap=per_ip_cap)
    except limits.Unavailable:
        return limits.BUSY_SMS


def _send_code(request: HttpRequest, *, phone: str, purpose: str, deliver: bool, per_ip_cap: bool) -> str | None:
    if not limits.claim(_cooldown(phone, purpose), settings.SMS_RESEND_SECONDS):
        wait = limits.remaining(_cooldown(phone, purpose)) or settings.SMS_RESEND_SECONDS
        return f"刚才的验证码仍然有效，如未收到，请{wait}秒后再重新获取。"
    budget = _phone_budget(purpose)
    staff = purpose == SmsCode.Purpose.ADMIN_LOGIN
    address_capped = per_ip_cap and not staff and _over_address_caps(request)
    phone_capped = limits.exceeded(budget.group, phone, getattr(settings, budget.rate_setting), increment=False)
    if address_capped or phone_capped:
        limits.release(_cooldown(phone, purpose))
        return budget.capped_message
    # Staff sign-in is not refused by the shared budget, so that pumping cannot lock clerks out.
    if not staff and _over_budget():
        log.warning("SMS code refused: the portal's SMS budget is spent")
        limits.release(_cooldown(phone, purpose))
        return BUDGET_SPENT
    if not deliver:
        # As long as a real send (issuing the code and handing it to the provider): whoever
        # times the answer cannot tell a phone that has an account from one that has none.
        time.sleep(_typical_send.seconds)
        return None
    started = time.perf_counter()
    row, code = SmsCode.issue(phone=phone, purpose=purpose)
    try:
        send_sms(phone, f"code_{purpose}", {"code": code, "minutes": code_minutes()})
    except SmsError:
        row.delete()
        limits.release(_cooldown(phone, purpose))
        return SEND_FAILED
    _typical_send.observe(time.perf_counter() - started)
    limits.spend(budget.group, phone, getattr(settings, budget.rate_setting))
    _spend_budget()
    return None


class _SendTime:
    """How long the provider usually takes to accept a code: the median of this process's
    recent sends (a median, so one slow send does not make every pretended one slow)."""

    def __init__(self, keep: int = 25) -> None:
        self.recent: collections.deque[float] = collections.deque(maxlen=keep)

    @property
    def seconds(self) -> float:
        return statistics.median(self.recent) if self.recent else 0.0

    def observe(self, took: float) -> None:
        self.recent.append(min(took, SMS_TIMEOUT_CAP_SECONDS))


SMS_TIMEOUT_CAP_SECONDS = 3.0
_typical_send = _SendTime()


def phone_change_started(request: HttpRequest) -> bool:
    """Did this session pass step one of 修改手机号 (the old phone's code) recently?"""
    stamp = request.session.get("phone_change_ok_at")
    if not stamp:
        return False
    return timezone.now() - dt.datetime.fromisoformat(stamp) < PHONE_CHANGE_WINDOW


def _code_target(request: HttpRequest, purpose: str) -> tuple[str | None, bool, str | None]:
    """Who may ask for a code of `purpose`: (phone, deliver, refusal)."""
    from .forms import SendCodeForm

    if purpose in SELF_PHONE_PURPOSES:
        if not request.user.is_authenticated:
            return None, False, "请先登录。"
        return request.user.phone, True, None
    form = SendCodeForm(request.POST)
    if not form.is_valid():
        return None, False, form.errors["phone"][0]
    phone = form.cleaned_data["phone"]
    exists = User.objects.filter(phone=phone).exists()
    # Register and login answer the same whether or not the phone has an account.
    if purpose == SmsCode.Purpose.REGISTER:
        # Sent whether or not the phone has an account: both answers cost the same, and
        # only the phone's holder, with the code, learns that it is registered (a family
        # that forgot it has an account is told so after typing the code).
        return phone, True, None
    if purpose == SmsCode.Purpose.RESET:
        # Never to a staff phone: a reset by SMS alone would give both staff factors to
        # whoever holds the phone.
        return phone, User.objects.filter(phone=phone, is_active=True, is_staff=False).exists(), None
    if purpose == SmsCode.Purpose.LOGIN:
        return phone, exists, None
    if purpose == SmsCode.Purpose.CHANGE_NEW:
        from .services import phone_problem

        if not request.user.is_authenticated or not phone_change_started(request):
            return None, False, "请先验证原手机号。"
        problem = phone_problem(phone, request.user)
        if problem:
            return None, False, problem
        return phone, True, None
    return None, False, "不支持的验证码类型。"


def deliver_code(request: HttpRequest, purpose: str) -> tuple[bool, str]:
    """Send a code for `purpose` to the phone the request names; (sent, message)."""
    from .challenge import refusal as challenge_refusal

    asked_too_often = challenge_refusal(request)
    if asked_too_often:
        return False, asked_too_often
    phone, deliver, refusal = _code_target(request, purpose)
    if refusal:
        return False, refusal
    problem = send_code(request, phone=phone, purpose=purpose, deliver=deliver)
    if problem:
        return False, problem
    return True, code_sent_message()


def page_wait(request: HttpRequest, form, purpose: str) -> int:
    """Seconds left on the resend wait of the phone a code form names, for the page to show.

    A page shown again (a form error, the no-script send) must keep the countdown the server
    enforces, or the reset button invites a press that is refused as if a code had gone out.
    """
    from .forms import SendCodeForm

    if purpose in SELF_PHONE_PURPOSES:
        phone = request.user.phone if request.user.is_authenticated else None
    else:
        raw = form["phone"].value() if form is not None and "phone" in form.fields else None
        check = SendCodeForm({"phone": raw or ""})
        phone = check.cleaned_data["phone"] if check.is_valid() else None
    return resend_wait(phone, purpose) if phone else 0
