from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

from bphc.crypto import id_digest
from bphc.http import client_ip
from bphc.validators import (
    id_number_problem,
    normalise_id_number,
    normalise_phone,
    validate_phone,
)

from .models import SmsCode, User

TOO_MANY = "尝试次数过多，请稍后再试。"
# Staff have a second factor of their own; a family form must never open their session.
STAFF_USE_STAFF_LOGIN = "工作人员账号请从工作人员登录入口（/admin/login/）登录。"


class PhoneField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", "手机号")
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "tel", "autocomplete": "tel", "placeholder": "请输入11位手机号"}
        )

    def clean(self, value: str) -> str:
        value = normalise_phone(super().clean(value))
        if value:
            validate_phone(value)
        return value


class CodeField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", "手机验证码")
        kwargs.setdefault("max_length", 6)
        kwargs.setdefault("min_length", 6)
        kwargs.setdefault(
            "error_messages", {"min_length": "验证码为6位数字。", "required": "请输入手机验证码。"}
        )
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "one-time-code", "placeholder": "6位数字"}
        )


class IdNumberField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", "身份证号")
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def clean(self, value: str) -> str:
        value = normalise_id_number(super().clean(value))
        if value:
            problem = id_number_problem(value)
            if problem:
                raise forms.ValidationError(problem)
        return value


class SendCodeForm(forms.Form):
    """Just the phone, for the 获取验证码 button."""

    phone = PhoneField()


class CodeCheckMixin:
    """Checks the code last, only when every other field is valid, so a typo elsewhere
    does not burn one of the five tries."""

    code_purpose: str
    code_phone_field = "phone"

    def check_code(self, cleaned: dict, phone: str | None = None) -> None:
        phone = phone or cleaned.get(self.code_phone_field)
        code = cleaned.get("code")
        if not phone or not code or self.errors:
            return
        problem = SmsCode.verify(phone=phone, purpose=self.code_purpose, code=code)
        if problem:
            self.add_error("code", problem)


class RegisterForm(CodeCheckMixin, forms.Form):
    code_purpose = SmsCode.Purpose.REGISTER

    phone = PhoneField()
    code = CodeField()
    password = forms.CharField(
        label="密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少8位，不能全是数字。",
    )
    password2 = forms.CharField(
        label="确认密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    name = forms.CharField(label="姓名（选填）", max_length=50, required=False)
    id_number = IdNumberField(label="身份证号（选填）", required=False)

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if User.objects.filter(phone=phone).exists():
            raise forms.ValidationError("该手机号已注册，请直接登录。")
        return phone

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"]
        if value and User.objects.filter(id_digest=id_digest(value)).exists():
            raise forms.ValidationError("该身份证号已被其他账号使用。如有疑问，请联系保障房中心。")
        return value

    def clean(self) -> dict:
        cleaned = super().clean()
        p1, p2 = cleaned.get("password"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "两次输入的密码不一致。")
        if p1 and not self.errors:
            try:
                password_validation.validate_password(p1, User(phone=cleaned.get("phone", "")))
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        self.check_code(cleaned)
        return cleaned


def _login_limited(request: HttpRequest, phone: str) -> bool:
    by_ip = is_ratelimited(
        request, group="login-ip", key=lambda g, r: client_ip(r),
        rate=settings.LOGIN_RATE_PER_IP, increment=True,
    )
    by_phone = is_ratelimited(
        request, group="login-phone", key=lambda g, r: phone,
        rate=settings.LOGIN_RATE_PER_PHONE, increment=True,
    )
    return by_ip or by_phone


class CodeLoginForm(CodeCheckMixin, forms.Form):
    code_purpose = SmsCode.Purpose.LOGIN

    phone = PhoneField()
    code = CodeField()

    def __init__(self, *args, request: HttpRequest, **kwargs) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        phone = cleaned.get("phone")
        if not phone or self.errors:
            return cleaned
        if _login_limited(self.request, phone):
            raise forms.ValidationError(TOO_MANY, code="ratelimited")
        self.check_code(cleaned)
        if not self.errors:
            self.user = User.objects.filter(phone=phone, is_active=True).first()
            if self.user is None:
                self.add_error("code", "手机号或验证码不正确。")
            elif self.user.is_staff:
                self.user = None
                raise forms.ValidationError(STAFF_USE_STAFF_LOGIN, code="staff")
        return cleaned


class PasswordLoginForm(forms.Form):
    phone = PhoneField()
    password = forms.CharField(
        label="密码", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args, request: HttpRequest, **kwargs) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        phone, password = cleaned.get("phone"), cleaned.get("password")
        if not phone or not password:
            return cleaned
        if _login_limited(self.request, phone):
            raise forms.ValidationError(TOO_MANY, code="ratelimited")
        user = authenticate(self.request, phone=phone, password=password)
        if user is None or not self.admits(user):
            raise forms.ValidationError(self.refusal)
        if user.is_staff and not self.for_staff:
            raise forms.ValidationError(STAFF_USE_STAFF_LOGIN, code="staff")
        self.user = user
        return cleaned

    refusal = "手机号或密码不正确。"
    for_staff = False

    def admits(self, user: User) -> bool:
        return True


class OwnPhoneCodeForm(CodeCheckMixin, forms.Form):
    """A code sent to the signed-in account's own phone; subclasses name the purpose."""

    code = CodeField()

    def __init__(self, *args, user: User, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        self.check_code(cleaned, phone=self.user.phone)
        return cleaned


class OldPhoneForm(OwnPhoneCodeForm):
    """Step one of 修改手机号: the code sent to the current phone."""

    code_purpose = SmsCode.Purpose.CHANGE_OLD


class NewPhoneForm(CodeCheckMixin, forms.Form):
    """Step two of 修改手机号: the new phone and the code sent to it."""

    code_purpose = SmsCode.Purpose.CHANGE_NEW
    phone = PhoneField(label="新手机号")
    code = CodeField()

    def __init__(self, *args, user: User, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if phone == self.user.phone:
            raise forms.ValidationError("新手机号与当前手机号相同。")
        if User.objects.filter(phone=phone).exists():
            raise forms.ValidationError("该手机号已绑定其他账号，不能使用。")
        return phone

    def clean(self) -> dict:
        cleaned = super().clean()
        self.check_code(cleaned)
        return cleaned


class StaffLoginForm(PasswordLoginForm):
    """Admin sign-in, step 1: phone and password of a staff account."""

    refusal = "手机号或密码不正确，或该账号不是工作人员。"
    for_staff = True

    def admits(self, user: User) -> bool:
        return user.is_staff


class StaffCodeForm(OwnPhoneCodeForm):
    """Admin sign-in, step 2: the code sent to the staff member's own phone."""

    code_purpose = SmsCode.Purpose.ADMIN_LOGIN
