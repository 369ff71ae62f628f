from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.http import HttpRequest

from bphc import limits
from bphc.crypto import id_digest
from bphc.http import client_ip
from bphc.validators import (
    id_number_problem,
    normalise_id_number,
    normalise_phone,
    normalise_typed,
    validate_phone,
)

from .models import SmsCode, User
from .services import phone_problem

TOO_MANY = "尝试次数过多，请稍后再试。"
# Staff have a second factor of their own; a family form must never open their session.
STAFF_USE_STAFF_LOGIN = "工作人员账号请从工作人员登录入口（/admin/login/）登录。"


class TypedField(forms.CharField):
    """A field for something people type from a card or an SMS: normalised before any check,
    so that full-width digits, spaces and a pasted `123 456` pass the length checks too.
    The browser's maxlength is left loose (`typed_length`) so that a paste is never cut."""

    typed_length = 30

    def normalise(self, value: str) -> str:
        return normalise_typed(value)

    def to_python(self, value: object) -> str:
        return self.normalise(super().to_python(value))

    def widget_attrs(self, widget: forms.Widget) -> dict:
        attrs = super().widget_attrs(widget)
        if "maxlength" in attrs:
            attrs["maxlength"] = str(self.typed_length)
        attrs.pop("minlength", None)
        return attrs


class PhoneField(TypedField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", "手机号")
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "tel", "autocomplete": "tel", "placeholder": "请输入11位手机号"}
        )

    def normalise(self, value: str) -> str:
        return normalise_phone(value)

    def clean(self, value: str) -> str:
        value = super().clean(value)
        if value:
            validate_phone(value)
        return value


class CodeField(TypedField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", "手机验证码")
        kwargs.setdefault("max_length", 6)
        kwargs.setdefault("min_length", 6)
        kwargs.setdefault(
            "error_messages", {"min_length": "验证码为6位数字。", "max_length": "验证码为6位数字。",
                               "required": "请输入手机验证码。"}
        )
        kwargs.setdefault("help_text", f"验证码{settings.SMS_CODE_TTL_SECONDS // 60}分钟内有效。")
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "one-time-code", "placeholder": "6位数字"}
        )


class IdNumberField(TypedField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", "身份证号")
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def normalise(self, value: str) -> str:
        return normalise_id_number(value)

    def clean(self, value: str) -> str:
        value = super().clean(value)
        if value:
            problem = id_number_problem(value)
            if problem:
                raise forms.ValidationError(problem)
        return value


class IdCheckedField(forms.BooleanField):
    """The clerk's tick that the ID card was seen in the original: every change at the counter asks it."""

    def __init__(self, *, required_message: str = "请先核验本人身份证原件，并勾选“已核验身份证原件”。",
                 **kwargs) -> None:
        super().__init__(label="已核验身份证原件", error_messages={"required": required_message}, **kwargs)


class ReasonField(forms.CharField):
    """Why a clerk or an operator makes a change: required, and kept in the audit log."""

    def __init__(self, *, label: str, example: str, required_message: str = "", **kwargs) -> None:
        super().__init__(
            label=label, max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
            error_messages={"required": required_message or f"请填写{label}。"},
            help_text=f"将记入审计日志，例如：{example}", **kwargs,
        )


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


def _new_password_fields(label: str) -> tuple[forms.CharField, forms.CharField]:
    """A new password and its confirmation, as 注册 and 忘记密码 ask for them."""
    return (
        forms.CharField(label=label, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                        help_text="至少8位，不能全是数字。"),
        forms.CharField(label=f"确认{label}", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})),
    )


def _check_new_password(form: forms.Form, cleaned: dict, user: User | None) -> None:
    """The two entries match and the password passes the validators (for `user`)."""
    p1, p2 = cleaned.get("password"), cleaned.get("password2")
    if p1 and p2 and p1 != p2:
        form.add_error("password2", "两次输入的密码不一致。")
    if p1 and not form.errors:
        try:
            password_validation.validate_password(p1, user)
        except forms.ValidationError as exc:
            form.add_error("password", exc)


class RegisterForm(CodeCheckMixin, forms.Form):
    code_purpose = SmsCode.Purpose.REGISTER

    phone = PhoneField()
    code = CodeField()
    password, password2 = _new_password_fields("密码")
    name = forms.CharField(label="姓名（选填）", max_length=50, required=False)
    id_number = IdNumberField(label="身份证号（选填）", required=False)

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"]
        if value and User.objects.filter(id_digest=id_digest(value)).exists():
            raise forms.ValidationError("该身份证号已被其他账号使用。如有疑问，请联系保障房中心。")
        return value

    def clean(self) -> dict:
        cleaned = super().clean()
        _check_new_password(self, cleaned, User(phone=cleaned.get("phone", "")))
        self.check_code(cleaned)
        # Only after the code: whoever can tell a registered phone is the phone's holder.
        if not self.errors and User.objects.filter(phone=cleaned.get("phone")).exists():
            self.add_error("phone", "该手机号已注册，请直接登录。")
        return cleaned


def _login_counters(request: HttpRequest, phone: str) -> list[tuple[str, str, str]]:
    return [
        ("login-ip", client_ip(request), settings.LOGIN_RATE_PER_IP),
        ("login-phone", phone, settings.LOGIN_RATE_PER_PHONE),
    ]


def login_wait_seconds(request: HttpRequest, phone: str) -> int | None:
    """None while both failure counters have room; else seconds until the later window ends
    (0 when the cache cannot tell, which refuses too: the limits fail closed)."""
    wait = None
    try:
        for group, key, rate in _login_counters(request, phone):
            if limits.used(group, key, rate) >= limits.Rate.parse(rate).limit:
                wait = max(wait or 0, limits.window_left(rate))
    except limits.Unavailable:
        raise forms.ValidationError(limits.BUSY_LOGIN, code="busy") from None
    return wait


def _login_limited(request: HttpRequest, phone: str) -> bool:
    """Count one failed sign-in against the phone and the address; True once either is over."""
    over = False
    try:
        for group, key, rate in _login_counters(request, phone):
            over = limits.exceeded(group, key, rate) or over
    except limits.Unavailable:
        # Without the shared counters a login could be guessed without limit: refuse.
        raise forms.ValidationError(limits.BUSY_LOGIN, code="busy") from None
    return over


def too_many_tries(wait: int) -> forms.ValidationError:
    if wait <= 0:
        return forms.ValidationError(TOO_MANY, code="ratelimited")
    minutes = -(-wait // 60)
    return forms.ValidationError(f"尝试次数过多，请{minutes}分钟后再试。", code="ratelimited")


class LoginLimitMixin:
    """Successful sign-ins cost nothing: only failures count, so a family that signs in
    often, or many families behind one address, are never locked out by succeeding."""

    request: HttpRequest

    def refuse_if_limited(self, phone: str) -> None:
        wait = login_wait_seconds(self.request, phone)
        if wait is not None:
            raise too_many_tries(wait)

    def count_failure(self, phone: str) -> None:
        _login_limited(self.request, phone)


class CodeLoginForm(LoginLimitMixin, CodeCheckMixin, forms.Form):
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
        self.refuse_if_limited(phone)
        self.check_code(cleaned)
        if not self.errors:
            self.user = User.objects.filter(phone=phone, is_active=True).first()
            if self.user is None:
                self.add_error("code", "手机号或验证码不正确。")
        if self.errors:
            self.count_failure(phone)
        elif self.user.is_staff:
            self.user = None
            raise forms.ValidationError(STAFF_USE_STAFF_LOGIN, code="staff")
        return cleaned


class PasswordLoginForm(LoginLimitMixin, forms.Form):
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
        self.refuse_if_limited(phone)
        user = authenticate(self.request, phone=phone, password=password)
        if user is None or not self.admits(user):
            self.count_failure(phone)
            raise forms.ValidationError(self.refusal, code="refused")
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


class NewPhoneCheckMixin:
    """The rules for the phone an account changes to, shared by the family's and the clerk's forms."""

    account: User

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        problem = phone_problem(phone, self.account)
        if problem:
            raise forms.ValidationError(problem)
        return phone


class NewPhoneForm(NewPhoneCheckMixin, CodeCheckMixin, forms.Form):
    """Step two of 修改手机号: the new phone and the code sent to it."""

    code_purpose = SmsCode.Purpose.CHANGE_NEW
    phone = PhoneField(label="新手机号")
    code = CodeField()

    def __init__(self, *args, user: User, **kwargs) -> None:
        self.account = user
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        self.check_code(cleaned)
        return cleaned


class OnsitePhoneForm(NewPhoneCheckMixin, CodeCheckMixin, forms.Form):
    """A clerk's change of an account's phone at the counter, after checking the ID card.

    A typo would hand the account, and its cancel codes, to a stranger, so the new phone
    is proved too: by a code sent to it and read out at the counter, or checked in hand.
    """

    BY_CODE, IN_HAND = "code", "in_hand"
    code_purpose = SmsCode.Purpose.CHANGE_NEW

    phone = PhoneField(label="新手机号", error_messages={"required": "请输入新手机号。"})
    new_phone_check = forms.ChoiceField(
        label="新手机号核对方式", widget=forms.RadioSelect,
        choices=[(BY_CODE, "向新手机号发送验证码，由本人当场读出"),
                 (IN_HAND, "已当面核对：拨打该号码，本人手中的手机响铃（手机无法收短信时）")],
        error_messages={"required": "请选择新手机号的核对方式。"},
    )
    code = CodeField(label="新手机号收到的验证码", required=False)
    id_checked = IdCheckedField()
    reason = ReasonField(label="修改原因", example="本人到窗口办理，原手机号已停用。")

    def __init__(self, *args, account: User, **kwargs) -> None:
        self.account = account
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("new_phone_check") == self.BY_CODE:
            if not cleaned.get("code") and "code" not in self.errors:
                self.add_error("code", "请输入新手机号收到的验证码；收不到短信时，可改为当面核对。")
            self.check_code(cleaned)
        return cleaned


class PasswordResetForm(CodeCheckMixin, forms.Form):
    """忘记密码: the phone, the code sent to it, and the new password twice."""

    code_purpose = SmsCode.Purpose.RESET

    phone = PhoneField()
    code = CodeField()
    password, password2 = _new_password_fields("新密码")

    def __init__(self, *args, **kwargs) -> None:
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        phone = cleaned.get("phone")
        # Staff accounts are never reset by SMS alone (it would hand over both factors), and
        # no code was sent to them or to a phone without an account: both read "wrong code".
        user = User.objects.filter(phone=phone, is_active=True, is_staff=False).first() if phone else None
        _check_new_password(self, cleaned, user)
        self.check_code(cleaned)
        if not self.errors:
            if user is None:
                self.add_error("code", "手机号或验证码不正确。")
            self.user = user
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
