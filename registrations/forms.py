from django import forms

from accounts.forms import OwnPhoneCodeForm
from accounts.models import SmsCode

from .eligibility import NOT_ACKNOWLEDGED_MESSAGE

ACK_LABEL = "我已经仔细阅读登记告知书"


class UnitTypeChoiceForm(forms.Form):
    """Journey 9: a family qualified for several offered unit types chooses one."""

    unit_type = forms.ChoiceField(label="请选择要登记的套型", widget=forms.RadioSelect,
                                  error_messages={"required": "请选择一个套型。",
                                                  "invalid_choice": "请从列出的套型中选择。"})

    def __init__(self, *args, unit_types: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit_type"].choices = [(t, t) for t in unit_types]


class RegisterForm(forms.Form):
    """The notice page's form: what is registered, and the tick under the 告知书."""

    unit_type = forms.CharField(required=False, widget=forms.HiddenInput)
    unit = forms.IntegerField(required=False, widget=forms.HiddenInput)
    acknowledged = forms.BooleanField(
        label=ACK_LABEL, error_messages={"required": NOT_ACKNOWLEDGED_MESSAGE}
    )


class CancelForm(OwnPhoneCodeForm):
    """The SMS code to the account's own phone that confirms a cancel."""

    code_purpose = SmsCode.Purpose.CANCEL
