"""The clerks' account pages beside the declarative UserAdmin, wired in its get_urls."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from bphc.masking import mask_phone

from .forms import OnsitePhoneForm, SendCodeForm
from .models import SmsCode, User
from .services import phone_problem, user_change_phone
from .sms import CODE_SENT, send_code

STAFF_PHONE_SUPERUSER_ONLY = "工作人员账号的手机号只能由系统管理员修改。"


@permission_required("accounts.change_phone_onsite", raise_exception=True)
def phone_onsite(request: HttpRequest, pk: int) -> HttpResponse:
    """现场修改手机号: ID card checked, the new phone proved; the old phone is told; audited."""
    account = get_object_or_404(User, pk=pk)
    change_url = reverse("admin:accounts_user_change", args=[account.pk])
    # The phone is the login: changing a staff account's would hand its SMS login, and
    # so its permissions, to whoever holds the new phone.
    if (account.is_staff or account.is_superuser) and not request.user.is_superuser:
        messages.error(request, STAFF_PHONE_SUPERUSER_ONLY)
        return redirect(change_url)
    if request.method == "POST" and request.POST.get("action") == "send_code":
        return _send_new_phone_code(request, account)
    form = OnsitePhoneForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            old_phone = user_change_phone(user=account, new_phone=data["phone"], actor=request.user,
                                          reason=data["reason"],
                                          details={"id_checked": True, "new_phone_check": data["new_phone_check"]})
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已将该账号的手机号由 {mask_phone(old_phone)} 改为 {mask_phone(account.phone)}，"
                                      "并已短信通知原手机号。")
            return redirect(change_url)
    return _onsite_page(request, account, form)


def _send_new_phone_code(request: HttpRequest, account: User) -> HttpResponse:
    """The 发送验证码 button: a code to the typed new phone, for the family to read out."""
    form = OnsitePhoneForm(initial={**request.POST.dict(), "new_phone_check": OnsitePhoneForm.BY_CODE},
                           account=account)
    phone_form = SendCodeForm(request.POST)
    if not phone_form.is_valid():
        problem = phone_form.errors["phone"][0]
    else:
        phone = phone_form.cleaned_data["phone"]
        problem = phone_problem(phone, account) or send_code(
            request, phone=phone, purpose=SmsCode.Purpose.CHANGE_NEW)
    message = problem or CODE_SENT.format(minutes=settings.SMS_CODE_TTL_SECONDS // 60)
    return _onsite_page(request, account, form, code_message=message, code_sent=problem is None)


def _onsite_page(request: HttpRequest, account: User, form: OnsitePhoneForm, **extra) -> HttpResponse:
    context = {
        **admin.site.each_context(request), "opts": User._meta, "title": "现场修改手机号",
        "account": account, "object": account, "form": form, "submit_label": "确认修改手机号",
        "back_url": reverse("admin:accounts_user_change", args=[account.pk]), **extra,
    }
    failed = form.errors or extra.get("code_sent") is False
    return TemplateResponse(request, "admin/accounts/user/phone_onsite.html", context, status=400 if failed else 200)
