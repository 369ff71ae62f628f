import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from bphc.admin import has_second_factor, mark_second_factor
from bphc.http import client_ip, safe_next
from bphc.masking import mask_phone

from .audit import audit_record
from .backends import SIGN_IN_BACKEND
from .forms import (
    CodeLoginForm,
    NewPhoneForm,
    OldPhoneForm,
    PasswordLoginForm,
    PasswordResetForm,
    RegisterForm,
    StaffCodeForm,
    StaffLoginForm,
)
from .models import SmsCode, SmsMessage, User
from .services import user_change_phone
from .sms import PHONE_CHANGE_WINDOW, deliver_code, phone_change_started, resend_wait, send_code


@require_POST
def send_code_view(request: HttpRequest, purpose: str) -> HttpResponse:
    """The 获取验证码 button when scripts run: answers JSON, the page stays as it is."""
    if purpose not in SmsCode.Purpose.values or purpose in ("assist", "admin_login"):
        raise Http404
    sent, message = deliver_code(request, purpose)
    answer = {"sent": sent, "message": message, "wait": settings.SMS_RESEND_SECONDS if sent else 0}
    challenge = getattr(request, "sms_challenge", None)
    if challenge is not None:
        answer["challenge"] = {"token": challenge.token, "bits": challenge.bits, "question": challenge.question}
    return JsonResponse(answer, status=200 if sent else 400)


def _code_page(request: HttpRequest, template: str, context: dict, purpose: str) -> HttpResponse:
    """The 获取验证码 button without scripts: send, then show the same form again."""
    sent, message = deliver_code(request, purpose)
    context["code_message"] = message
    context["code_sent"] = sent
    context["countdown"] = settings.SMS_RESEND_SECONDS if sent else 0
    return render(request, template, context, status=200 if sent else 400)


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:center")
    if request.method == "POST" and request.POST.get("action") == "send_code":
        form = RegisterForm(initial=request.POST.dict())
        return _code_page(request, "accounts/register.html", {"form": form}, SmsCode.Purpose.REGISTER)

    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = User.objects.create_user(
            data["phone"], data["password"], name=data["name"], id_number=data["id_number"] or None
        )
        login(request, user, backend=SIGN_IN_BACKEND)
        messages.success(request, "注册成功，欢迎使用公租房登记。")
        return redirect(safe_next(request, reverse("accounts:center")))
    return render(request, "accounts/register.html", {"form": form}, status=400 if form.errors else 200)


def password_reset(request: HttpRequest) -> HttpResponse:
    """忘记密码: a code to the account's phone, then a new password; every session ends."""
    if request.method == "POST" and request.POST.get("action") == "send_code":
        form = PasswordResetForm(initial=request.POST.dict())
        return _code_page(request, "accounts/password_reset.html", {"form": form}, SmsCode.Purpose.RESET)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.user
        with transaction.atomic():
            # A new password changes the session hash: every signed-in session of the account ends.
            user.set_password(form.cleaned_data["password"])
            user.save(update_fields=["password"])
            audit_record(actor=user, action="重设密码", target=user, reason="本人通过短信验证码重设",
                         details={"phone": mask_phone(user.phone), "ip": client_ip(request)})
        if request.user.is_authenticated:
            logout(request)
        messages.success(request, "密码已重设，请使用新密码登录。")
        return redirect(f"{reverse('accounts:login')}?tab=password")
    return render(request, "accounts/password_reset.html", {"form": form}, status=400 if form.errors else 200)


def login_view(request: HttpRequest) -> HttpResponse:
    tab = "password" if request.GET.get("tab") == "password" or request.POST.get("tab") == "password" else "code"
    next_url = safe_next(request, reverse("accounts:center"))
    context = {"tab": tab, "next": next_url if next_url != reverse("accounts:center") else ""}
    if request.method == "POST" and request.POST.get("action") == "send_code":
        context["code_form"] = CodeLoginForm(initial=request.POST.dict(), request=request)
        context["password_form"] = PasswordLoginForm(request=request)
        return _code_page(request, "accounts/login.html", context, SmsCode.Purpose.LOGIN)

    data = request.POST if request.method == "POST" else None
    code_form = CodeLoginForm(data if tab == "code" else None, request=request)
    password_form = PasswordLoginForm(data if tab == "password" else None, request=request)
    form = code_form if tab == "code" else password_form
    if request.method == "POST" and form.is_valid():
        login(request, form.user, backend=SIGN_IN_BACKEND)
        return redirect(next_url)
    context.update(code_form=code_form, password_form=password_form)
    return render(request, "accounts/login.html", context, status=400 if form.errors else 200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "您已安全退出。")
    return redirect("home")


@login_required
def center(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/center.html", {"section": "profile"})


@login_required
def phone_change(request: HttpRequest) -> HttpResponse:
    """Step one: prove the old phone."""
    context = {"section": "phone", "step": 1}
    if request.method == "POST" and request.POST.get("action") == "send_code":
        context["form"] = OldPhoneForm(user=request.user)
        return _code_page(request, "accounts/phone_change.html", context, SmsCode.Purpose.CHANGE_OLD)

    form = OldPhoneForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        request.session["phone_change_ok_at"] = timezone.now().isoformat()
        return redirect("accounts:phone_change_new")
    context["form"] = form
    return render(request, "accounts/phone_change.html", context, status=400 if form.errors else 200)


@login_required
def phone_change_new(request: HttpRequest) -> HttpResponse:
    """Step two: the new phone and its code."""
    if not phone_change_started(request):
        messages.error(request, "请先验证原手机号。")
        return redirect("accounts:phone_change")
    context = {"section": "phone", "step": 2}
    if request.method == "POST" and request.POST.get("action") == "send_code":
        context["form"] = NewPhoneForm(initial=request.POST.dict(), user=request.user)
        return _code_page(request, "accounts/phone_change.html", context, SmsCode.Purpose.CHANGE_NEW)

    form = NewPhoneForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user_change_phone(user=request.user, new_phone=form.cleaned_data["phone"], actor=request.user,
                              reason="本人在个人中心修改")
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # The account's other sessions ended with the phone; this one carries on.
            update_session_auth_hash(request, request.user)
            request.session.pop("phone_change_ok_at", None)
            messages.success(request, "手机号已修改，请使用新手机号登录。")
            return redirect("accounts:center")
    context["form"] = form
    return render(request, "accounts/phone_change.html", context, status=400 if form.errors else 200)


def dev_sms(request: HttpRequest) -> HttpResponse:
    """Development only: the newest texts the outbox kept, so journeys work without a phone."""
    if not settings.DEBUG:
        raise Http404
    rows = SmsMessage.objects.all()[:50]
    return render(request, "accounts/dev_sms.html", {"rows": rows})


def staff_login(request: HttpRequest) -> HttpResponse:
    """/admin/login/: step 1 phone + password, step 2 an SMS code to the staff member's phone."""
    next_url = safe_next(request, reverse("admin:index"))
    if has_second_factor(request):
        return redirect(next_url)
    context = {"next": next_url, "title": "工作人员登录", "site_header": admin_site_header()}
    pending = _pending_staff(request)
    if request.method == "POST" and request.POST.get("step") == "code" and pending is not None:
        form = StaffCodeForm(request.POST, user=pending)
        if form.is_valid():
            request.session.pop(STAFF_PENDING, None)
            login(request, pending, backend=SIGN_IN_BACKEND)
            mark_second_factor(request)
            _audit_staff_sign_in(request, "工作人员登录", pending.phone, pending)
            return redirect(next_url)
        _audit_staff_sign_in(request, "工作人员登录失败", pending.phone, pending, "短信验证码不正确")
        context.update(form=form, step="code", masked_phone=pending.masked_phone)
        return render(request, "admin/staff_login.html", context, status=400)
    form = StaffLoginForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        problem = send_code(request, phone=form.user.phone, purpose=SmsCode.Purpose.ADMIN_LOGIN)
        # Signing in again within the resend wait (a reload, a second tab): the code sent
        # moments ago is still good, so go on to the code step instead of stopping here.
        if problem is None or resend_wait(form.user.phone, SmsCode.Purpose.ADMIN_LOGIN) > 0:
            request.session[STAFF_PENDING] = [form.user.pk, timezone.now().isoformat()]
            context.update(form=StaffCodeForm(user=form.user), step="code", masked_phone=form.user.masked_phone,
                           countdown=settings.SMS_RESEND_SECONDS)
            return render(request, "admin/staff_login.html", context)
        form.add_error(None, problem)
    elif request.method == "POST" and form.cleaned_data.get("phone"):
        locked = form.has_error(NON_FIELD_ERRORS, "ratelimited")
        _audit_staff_sign_in(request, "工作人员登录锁定" if locked else "工作人员登录失败",
                             form.cleaned_data["phone"], None, "尝试次数过多" if locked else "手机号或密码不正确")
    context.update(form=form, step="password")
    return render(request, "admin/staff_login.html", context, status=400 if form.errors else 200)


STAFF_PENDING = "staff_login_pending"


def _audit_staff_sign_in(request: HttpRequest, action: str, phone: str, user: User | None, why: str = "") -> None:
    """Every staff sign-in, failed try and lockout is an audit row (phone masked)."""
    audit_record(actor=user, actor_label="" if user else f"未登录（{mask_phone(phone)}）", action=action,
                 target=user, reason=why, details={"phone": mask_phone(phone), "ip": client_ip(request)})


def _pending_staff(request: HttpRequest) -> User | None:
    """The staff member who passed step 1 in this session within the last 10 minutes."""
    pending = request.session.get(STAFF_PENDING)
    if not pending:
        return None
    pk, stamp = pending
    if timezone.now() - dt.datetime.fromisoformat(stamp) > PHONE_CHANGE_WINDOW:
        return None
    return User.objects.filter(pk=pk, is_staff=True, is_active=True).first()


def admin_site_header() -> str:
    from django.contrib import admin

    return admin.site.site_header
