"""A check before a burst of codes from one address, with no third party.

After `SMS_CHALLENGE_AFTER` requests for a code from one address, the next one must carry
the answer to a challenge: a small proof of work (a number whose SHA-256 with the token
starts with `SMS_CHALLENGE_BITS` zero bits) that the page's own script finds in a moment,
or, where scripts do not run, a sum of two small numbers written in words that an older
person can do. Each challenge is signed, lives 10 minutes and is good for one answer.
"""

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from bphc import limits
from bphc.http import client_ip

LIFETIME = 600
ASK = "为防止短信被滥用，请先回答下面的问题，再点“获取验证码”。"
WRONG = "验证答案不正确或已过期，请按新的问题重新回答。"
DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class Challenge:
    token: str
    bits: int
    question: str


def _sign(text: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"sms-challenge|{text}".encode(), hashlib.sha256).hexdigest()[:32]


def issue() -> Challenge:
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    body = f"{secrets.token_hex(8)}.{int(time.time())}.{settings.SMS_CHALLENGE_BITS}"
    # The sum is signed, not stored: the answer proves itself against the token.
    token = f"{body}.{_sign(f'{body}|{a + b}')}"
    return Challenge(token, settings.SMS_CHALLENGE_BITS, f"{DIGITS[a]}加{DIGITS[b]}等于几？（请填写数字）")


def _work_done(token: str, answer: str, bits: int) -> bool:
    digest = int.from_bytes(hashlib.sha256(f"{token}:{answer}".encode()).digest(), "big")
    return digest >> (256 - bits) == 0


def solved(token: str, answer: str) -> bool:
    """The token is ours and fresh, the answer is the sum or the work, and it was not used."""
    try:
        nonce, stamp, bits, signature = token.split(".")
        fresh = 0 <= time.time() - int(stamp) <= LIFETIME
        bits_ = int(bits)
    except ValueError:
        return False
    answer = answer.strip()
    if not fresh or not answer.isdigit() or len(answer) > 12:
        return False
    body = f"{nonce}.{stamp}.{bits}"
    by_sum = hmac.compare_digest(signature, _sign(f"{body}|{int(answer)}"))
    by_work = _work_done(token, answer, bits_) and _genuine(token)
    return (by_sum or by_work) and limits.claim(f"sms-challenge:{nonce}", LIFETIME)


def _genuine(token: str) -> bool:
    """Whether the token was issued by us (its signature matches some sum from 2 to 18)."""
    nonce, stamp, bits, signature = token.split(".")
    body = f"{nonce}.{stamp}.{bits}"
    return any(hmac.compare_digest(signature, _sign(f"{body}|{total}")) for total in range(2, 19))


def refusal(request: HttpRequest) -> str | None:
    """None when this request for a code may go on; else the words to show, with the new
    challenge left on `request.sms_challenge` for the page or the JSON answer."""
    try:
        if not limits.exceeded("sms-ask", client_ip(request), settings.SMS_CHALLENGE_AFTER):
            return None
        token, answer = request.POST.get("challenge_token", ""), request.POST.get("challenge_answer", "")
        if token and solved(token, answer):
            return None
    except limits.Unavailable:
        return None  # send_code refuses too, with the words for a cache that is away
    request.sms_challenge = issue()
    return WRONG if token else ASK
