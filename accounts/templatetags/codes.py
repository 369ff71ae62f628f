"""Template side of the 获取验证码 button: the resend wait the server holds for this phone."""

from django import template
from django.conf import settings

from accounts.sms import page_wait

register = template.Library()


@register.simple_tag(takes_context=True)
def resend_countdown(context, field, purpose: str) -> int:
    request = context.get("request")
    if request is None:
        return 0
    return page_wait(request, field.form, purpose)


@register.simple_tag
def resend_seconds() -> int:
    return settings.SMS_RESEND_SECONDS
