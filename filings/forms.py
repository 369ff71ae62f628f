from django import forms
from django.conf import settings
from django.http import HttpRequest

from accounts.forms import IdNumberField
from bphc import limits
from bphc.http import client_ip
from bphc.validators import normalise_code, normalise_filing_no

TOO_MANY = "认证尝试次数过多，请稍后再试。如找不到验证码，请联系保障房中心。"


def _verify_limited(request: HttpRequest) -> bool:
    # Both counters move on every attempt, so neither one account nor one address can
    # guess codes quickly, whichever limit is reached first.
    try:
        by_user = limits.exceeded("filing-verify-user", str(request.user.pk), settings.VERIFY_RATE_PER_USER)
        by_ip = limits.exceeded("filing-verify-ip", client_ip(request), settings.VERIFY_RATE_PER_IP)
    except limits.Unavailable:
        # Without the shared counters 验证码 could be guessed without limit: refuse.
        raise forms.ValidationError(limits.BUSY_VERIFY, code="busy") from None
    return by_user or by_ip


class VerifyForm(forms.Form):
    """备案编号 + 验证码 from the filing notice, and the applicant's 身份证号 when the account has
    none of its own; the binding itself is `filing_bind`."""

    filing_no = forms.CharField(
        label="备案编号", max_length=40, error_messages={"required": "请输入备案编号。"},
        widget=forms.TextInput(attrs={
            "autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
            "placeholder": "如 GLH2026000001",
        }),
    )
    code = forms.CharField(
        label="验证码", max_length=20, error_messages={"required": "请输入备案通知单上的验证码。"},
        widget=forms.TextInput(attrs={
            "autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
        }),
    )

    id_number = IdNumberField(
        label="申请人身份证号", error_messages={"required": "请输入备案申请人的身份证号。"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "text"}),
    )

    def __init__(self, *args, request: HttpRequest, **kwargs) -> None:
        self.request = request
        super().__init__(*args, **kwargs)
        if request.user.id_digest:
            # The account's own number is what the filing must carry; asking again adds nothing.
            del self.fields["id_number"]

    def clean_filing_no(self) -> str:
        return normalise_filing_no(self.cleaned_data["filing_no"])

    def clean_code(self) -> str:
        return normalise_code(self.cleaned_data["code"])

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.errors and _verify_limited(self.request):
            raise forms.ValidationError(TOO_MANY, code="ratelimited")
        return cleaned
