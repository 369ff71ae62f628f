"""Binding a filing to an account (the family's 认证) and unbinding it (a clerk's correction)."""

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import User
from bphc.masking import mask_phone

from .models import Filing, normalise_code, normalise_filing_no

# One message for an unknown number and a wrong code, so numbers cannot be probed.
WRONG_NUMBER_OR_CODE = "备案编号或验证码不正确，请核对备案通知单后重新输入。"
BOUND_TO_OTHER = "该备案已被其他账号认证。如有疑问，请携带身份证件和备案通知单联系保障房中心。"
ACCOUNT_HAS_OTHER = "您的账号已绑定备案{filing_no}，不能再认证其他备案。如需更换，请联系保障房中心。"
NOT_VALID = "{problem}，不能认证。如有疑问，请联系保障房中心。"

# Hashed when the number is unknown so that both refusals take the same time.
_DUMMY_HASH = "0" * 64


class BindRefused(Exception):
    """The family's message for why the filing was not bound."""


def _bound_filing(account: User) -> Filing | None:
    try:
        return Filing.objects.get(account=account)
    except ObjectDoesNotExist:
        return None


def _has_other(current: Filing | None) -> str:
    return ACCOUNT_HAS_OTHER.format(filing_no=f"（{current.filing_no}）" if current else "")


def filing_bind(*, filing_no: str, code: str, account: User, reason: str = "本人在个人中心认证") -> Filing:
    """Bind the filing with this number and code to `account`, or raise BindRefused."""
    filing_no, code = normalise_filing_no(filing_no), normalise_code(code)
    current = _bound_filing(account)
    if current is not None and current.filing_no != filing_no:
        raise BindRefused(_has_other(current))

    filing = Filing.objects.filter(filing_no=filing_no).first()
    if filing is None:
        Filing(code_hash=_DUMMY_HASH).code_matches(code)
        raise BindRefused(WRONG_NUMBER_OR_CODE)
    if not filing.code_matches(code):
        raise BindRefused(WRONG_NUMBER_OR_CODE)
    if filing.account_id == account.pk:
        return filing
    problem = filing.validity_problem()
    if problem:
        raise BindRefused(NOT_VALID.format(problem=problem))
    if filing.account_id is not None:
        raise BindRefused(BOUND_TO_OTHER)

    now = timezone.now()
    try:
        with transaction.atomic():
            # The row is claimed only if still free, so two accounts racing cannot both win;
            # the one-to-one constraint stops one account from claiming two filings at once.
            claimed = Filing.objects.filter(pk=filing.pk, account__isnull=True).update(
                account=account, bound_at=now, updated_at=now
            )
            if claimed != 1:
                raise BindRefused(BOUND_TO_OTHER)
            audit_record(
                actor=account, action="认证备案", target=filing, reason=reason,
                details={"filing_no": filing.filing_no, "account": mask_phone(account.phone)},
            )
    except IntegrityError:
        raise BindRefused(_has_other(_bound_filing(account))) from None
    filing.refresh_from_db()
    return filing


def filing_unbind(*, filing: Filing, actor: User, reason: str) -> bool:
    """Free a filing from its account (a clerk's action, audited); False if it was not bound."""
    with transaction.atomic():
        account = filing.account
        if account is None:
            return False
        freed = Filing.objects.filter(pk=filing.pk, account=account).update(
            account=None, bound_at=None, updated_at=timezone.now()
        )
        if freed != 1:
            return False
        audit_record(
            actor=actor, action="解除备案绑定", target=filing, reason=reason,
            details={
                "filing_no": filing.filing_no, "account_id": account.pk,
                "account": mask_phone(account.phone),
                "bound_at": filing.bound_at.isoformat() if filing.bound_at else "",
            },
        )
    filing.account, filing.bound_at = None, None
    return True


def filing_change_phone(*, filing: Filing, new_phone: str, actor: User, reason: str) -> None:
    """A clerk corrects the phone on the filing (used only while no account is bound); audited."""
    with transaction.atomic():
        old_phone = filing.phone
        Filing.objects.filter(pk=filing.pk).update(phone=new_phone, updated_at=timezone.now())
        filing.phone = new_phone
        audit_record(actor=actor, action="更正备案手机号", target=filing, reason=reason,
                     details={"old": mask_phone(old_phone) or "无", "new": mask_phone(new_phone) or "无",
                              "id_checked": True})
