"""Normalisation and validation of what people type: mainland mobile numbers, 身份证号
(GB 11643-1999), 备案编号 and SMS or filing 验证码. Every form, import and search uses these."""

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
ID_RE = re.compile(r"^\d{17}[\dX]$")
FILING_NO_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,39}$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def normalise_typed(raw: object) -> str:
    """What a person typed or pasted, as the checks expect it.

    NFKC turns the full-width digits, letters and spaces of Chinese input methods
    (`１３８`, `ｘ`, `　`) into ASCII; every kind of white space is dropped, so that a code
    pasted as `123 456` or an ID number read out in groups still matches.
    """
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", str(raw or "")))


def normalise_phone(raw: object) -> str:
    """Strip spaces, dashes, brackets and a +86 / 0086 prefix, in either width."""
    value = re.sub(r"[\-‐‑–—()]", "", normalise_typed(raw))
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix):]
    if value.startswith("86") and len(value) == 13:
        value = value[2:]
    return value


def validate_phone(value: str) -> None:
    if not PHONE_RE.match(value or ""):
        raise ValidationError("请输入正确的11位手机号码。", code="phone")


def normalise_upper(raw: object) -> str:
    """`normalise_typed` with letters in upper case: a 身份证号 ends in `X`, a 备案编号 and a
    filing notice's 验证码 are read without regard to case."""
    return normalise_typed(raw).upper()


normalise_id_number = normalise_filing_no = normalise_code = normalise_upper


def id_number_problem(value: str) -> str | None:
    """Return why an 18-character 身份证号 is invalid, or None when it is valid."""
    if not ID_RE.match(value):
        return "身份证号应为18位，最后一位可以是数字或X。"
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证号中的出生日期不正确。"
    if birth.year < 1900 or birth > dt.date.today():
        return "身份证号中的出生日期不正确。"
    total = sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS, strict=True))
    if ID_CHECK_CHARS[total % 11] != value[17]:
        return "身份证号校验位不正确，请核对后重新输入。"
    return None


def validate_id_number(value: str) -> None:
    problem = id_number_problem(value)
    if problem:
        raise ValidationError(problem, code="id_number")


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for 17 digits (used by demo data and tests)."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]
