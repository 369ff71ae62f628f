"""Writes to accounts that span a transaction, an audit row and an SMS."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bphc.masking import mask_phone
from notifications.models import Notification
from notifications.services import notification_enqueue

from .audit import audit_record
from .models import User

PHONE_IN_USE = "该手机号已绑定其他账号，不能使用。"
SAME_PHONE = "新手机号与原手机号相同。请填写要换成的新号码。"


def phone_problem(phone: str, account: User) -> str | None:
    """Why `phone` cannot become `account`'s new phone, or None."""
    if phone == account.phone:
        return SAME_PHONE
    if User.objects.filter(phone=phone).exclude(pk=account.pk).exists():
        return PHONE_IN_USE
    return None


def user_change_phone(*, user: User, new_phone: str, actor: User, reason: str, details: dict | None = None) -> str:
    """Give `user` the phone `new_phone`; return the old phone.

    Every session of the account made before the change ends, because the phone is part
    of the session hash (User._get_session_auth_hash); a caller acting as the account
    keeps its own session with update_session_auth_hash. The old phone is told after
    commit. A phone another account took since the form's check raises the form's message.
    """
    old_phone = user.phone
    try:
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(phone=new_phone)
            user.phone = new_phone
            # The family's own change, or a clerk's at the counter: the log tells them apart.
            action = "修改手机号" if actor.pk == user.pk else "现场修改手机号"
            audit_record(
                actor=actor, action=action, target=user,
                reason=reason, details={"old": mask_phone(old_phone), "new": mask_phone(new_phone), **(details or {})},
            )
            notification_enqueue(
                phone=old_phone, purpose=Notification.Purpose.PHONE_CHANGED, about=user,
                params={"when": timezone.localtime().strftime("%Y-%m-%d %H:%M"), "new_phone": mask_phone(new_phone)},
            )
    except IntegrityError:
        user.phone = old_phone
        raise ValidationError({"phone": PHONE_IN_USE}) from None
    return old_phone
