"""Binding a filing to an account (the family's 认证) and unbinding it (a clerk's correction)."""

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.audit import audit_record
from accounts.models import User
from bphc.crypto import id_digest
from bphc.masking import mask_phone
from bphc.validators import normalise_code, normalise_filing_no, normalise_id_number

from .models import Filing

# One message for an unknown number, a wrong code and another person's 身份证号, so a photo of
# someone's notice, or a guessed number, learns nothing about which part was wrong.
WRONG_DETAILS = (
    "备案编号、验证码或身份证号不正确，请核对备案通知单和申请人身份证后重新输入。"
    "只能认证本人（申请人）的备案。"
)
BOUND_TO_OTHER = "该备案已被其他账号认证。如有疑问，请携带身份证件和备案通知单联系保障房中心。"
ACCOUNT_HAS_OTHER = "您的账号已绑定备案{filing_no}，不能再认证其他备案。如需更换，请联系保障房中心。"
NOT_VALID = "{problem}，不能认证。如有疑问，请联系保障房中心。"
LOCKED = (
    "该备案输入错误的次数过多，已暂停网上认证。"
    "请携带身份证件和备案通知单到保障房中心窗口，由工作人员核对后解除锁定。"
)

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


def _digest_of(account: User, id_number: str) -> str:
    """The 身份证号 the filing must carry: the account's own, else the one typed with the code."""
    return account.id_digest or id_digest(normalise_id_number(id_number)) or ""


def _keep_id_number(account: User, filing: Filing) -> None:
    """Record the verified 身份证号 on an account that had none, unless another account holds it."""
    if account.id_digest or User.objects.filter(id_digest=filing.id_digest).exists():
        return
    account.id_number = filing.id_number
    try:
        with transaction.atomic():
            account.save(update_fields=["id_number"])
    except IntegrityError:
        account.id_number = account.id_digest = None


def filing_bind(
    *, filing_no: str, code: str, account: User, id_number: str = "", reason: str = "本人在个人中心认证"
) -> Filing:
    """Bind the filing with this number, code and applicant's 身份证号 to `account`, or raise BindRefused.

    `id_number` is the number typed at verification; an account that has its own is checked
    against that one instead, so nobody binds another person's filing to their account.
    """
    filing_no, code = normalise_filing_no(filing_no), normalise_code(code)
    digest = _digest_of(account, id_number)
    current = _bound_filing(account)
    if current is not None and current.filing_no != filing_no:
        raise BindRefused(_has_other(current))

    filing = Filing.objects.filter(filing_no=filing_no).first()
    if filing is None:
        Filing(code_hash=_DUMMY_HASH).code_matches(code)
        constant_time_compare(_DUMMY_HASH, digest)
        raise BindRefused(WRONG_DETAILS)
    # Checked before the code, so a locked filing refuses even the right one.
    if filing.verify_locked:
        raise BindRefused(LOCKED)
    # Both compared every time, so the time taken does not tell which one was wrong.
    code_ok = filing.code_matches(code)
    person_ok = constant_time_compare(filing.id_digest, digest) and bool(digest)
    if not (code_ok and person_ok):
        filing.verify_failed()
        raise BindRefused(LOCKED if filing.verify_locked else WRONG_DETAILS)
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
                account=account, bound_at=now, updated_at=now, verify_failures=0
            )
            if claimed != 1:
                raise BindRefused(BOUND_TO_OTHER)
            _keep_id_number(account, filing)
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


def filing_clear_lock(*, filing: Filing, actor: User) -> bool:
    """Reopen a filing's verification after too many wrong entries (a clerk's action, audited)."""
    with transaction.atomic():
        current = Filing.objects.select_for_update().get(pk=filing.pk)
        if not current.verify_locked:
            return False
        Filing.objects.filter(pk=filing.pk).update(verify_failures=0, verify_locked_at=None, updated_at=timezone.now())
        audit_record(
            actor=actor, action="清除验证锁定", target=filing, reason="家庭到窗口出示身份证件和备案通知单",
            details={
                "filing_no": filing.filing_no, "failures": current.verify_failures,
                "locked_at": current.verify_locked_at.isoformat(),
            },
        )
    filing.verify_failures, filing.verify_locked_at = 0, None
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
