"""The clerks' forms at the counter: the ID check, the choice, the family's consent, a cancel."""

import datetime as dt
from itertools import groupby

from django import forms
from django.db.models import QuerySet

from accounts.forms import CodeField, IdCheckedField, IdNumberField, ReasonField
from accounts.models import SmsCode
from bphc.masking import mask_phone
from bphc.validators import normalise_filing_no
from filings.models import Filing
from rentals.models import Plan, Project, Unit

from . import eligibility
from .models import Registration

DOCS_CHECKED = "已核验身份证原件及备案通知单原件"
BY_CODE, BY_DOCUMENTS = "code", "documents"


class AssistLookupForm(forms.Form):
    filing_no = forms.CharField(
        label="备案编号", max_length=40, error_messages={"required": "请输入备案通知单上的备案编号。"},
    )
    id_number = IdNumberField(
        label="身份证号（读卡或按身份证原件输入）",
        error_messages={"required": "请读取或输入家庭出示的身份证号。"},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_filing_no(self) -> Filing:
        number = normalise_filing_no(self.cleaned_data["filing_no"])
        filing = Filing.objects.select_related("account").filter(filing_no=number).first()
        if filing is None:
            raise forms.ValidationError(f"未找到备案编号为“{number}”的备案，请核对备案通知单。")
        return filing


def _refusal_codes(filing: Filing, plan: Plan, now: dt.datetime) -> list[eligibility.Refusal]:
    """The plan-level refusals (time, filing, district, category, already registered)."""
    reasons = eligibility.refusals(
        filing=filing, plan=plan, project=None, unit_type=None, unit=None, now=now, offered_unit_types=set(),
        has_active_registration=Registration.objects.active().filter(filing=filing, plan=plan).exists(),
    )
    # Asked of the plan alone: the unit-type and unit questions come at the project step.
    return [r for r in reasons if r.code not in (eligibility.UNIT_REQUIRED, eligibility.UNIT_TYPE_NOT_QUALIFIED)]


class AssistTargetForm(forms.Form):
    """Plan → project → unit type (quick) or unit (real-time), and the notice read.

    Which fields exist depends on what is already chosen in `choice`, so the same form
    draws the next select on each step and validates the whole choice at the end. The
    selects offer only what eligibility lets this family register for; a choice made
    otherwise (an old link, a plan that just closed) is refused with the family's reasons.
    """

    plan = forms.ModelChoiceField(Plan.objects.none(), label="配租计划", empty_label="请选择配租计划",
                                  error_messages={"required": "请选择配租计划。",
                                                  "invalid_choice": "该配租计划不在可登记的计划中。"})
    project = forms.ModelChoiceField(Project.objects.none(), label="项目", empty_label="请选择项目",
                                     error_messages={"required": "请选择项目。",
                                                     "invalid_choice": "该项目不属于所选计划。"})
    # A CharField behind a select: an offered type the family does not qualify for must
    # reach eligibility's own words, not the field's "invalid choice".
    unit_type = forms.CharField(label="套型", widget=forms.Select, error_messages={"required": "请选择套型。"})
    unit = forms.ModelChoiceField(Unit.objects.none(), label="房源", empty_label="请选择房源",
                                  error_messages={"required": "请选择房源。",
                                                  "invalid_choice": "该房源已被登记或不属于该项目，请重新选择。"})
    acknowledged = forms.BooleanField(
        label="家庭已阅读告知书",
        error_messages={"required": "请让家庭阅读告知书，并勾选“家庭已阅读告知书”。"},
    )

    def __init__(self, data=None, *, choice, filing: Filing, now: dt.datetime) -> None:
        super().__init__(data, initial={k: choice.get(k) for k in ("plan", "project", "unit_type", "unit")})
        self.filing, self.now = filing, now
        self.chosen_plan = self.chosen_project = self.chosen_unit = self.chosen_unit_type = None
        self.offered: set[str] = set()
        self.plan_refusals: list[eligibility.Refusal] = []
        open_plans = Plan.objects.published().filter(closes_at__gt=now).order_by("opens_at", "code")
        self.fields["plan"].queryset = open_plans
        self.fields["plan"].label_from_instance = lambda p: f"{p.name}（{p.code}，{p.get_mode_display()}）"
        self.fields["plan"].widget.choices = [("", "请选择配租计划")] + [
            (p.pk, self.fields["plan"].label_from_instance(p)) for p in open_plans
            if not _refusal_codes(filing, p, now)
        ]
        self.chosen_plan = _pick(open_plans, choice.get("plan"))
        if self.chosen_plan is None:
            return self._drop("project", "unit_type", "unit", "acknowledged")
        self.plan_refusals = _refusal_codes(filing, self.chosen_plan, now)
        projects = self.chosen_plan.projects.prefetch_related("offers").order_by("code")
        self.fields["project"].queryset = projects
        self.fields["project"].label_from_instance = lambda p: f"{p.name}（{p.district}）"
        self.fields["project"].widget.choices = [("", "请选择项目")] + [
            (p.pk, f"{p.name}（{p.district}）") for p in projects
            if eligibility.choosable_unit_types(filing, {o.unit_type for o in p.offers.all()})
        ]
        self.chosen_project = _pick(projects, choice.get("project"))
        if self.chosen_project is None:
            return self._drop("unit_type", "unit", "acknowledged")
        self.offered = {o.unit_type for o in self.chosen_project.offers.all()}
        if self.chosen_plan.is_realtime:
            self._drop("unit_type")
            self._offer_units(choice)
        else:
            self._drop("unit")
            self.fields["unit_type"].widget.choices = [("", "请选择套型")] + [
                (t, t) for t in eligibility.choosable_unit_types(filing, self.offered)
            ]
            self.chosen_unit_type = choice.get("unit_type") if choice.get("unit_type") in self.offered else None
            if self.chosen_unit_type is None:
                self._drop("acknowledged")

    def _offer_units(self, choice) -> None:
        units = self.chosen_project.units.filter(taken=False).order_by("building", "entrance", "floor", "room")
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda u: u.label
        # Grouped by building, so that a clerk finds 3号楼 5层 朝南 without reading 118 options.
        qualified = [u for u in units if u.unit_type in self.filing.unit_types]
        self.fields["unit"].widget.choices = [("", "请选择房源")] + [
            (building, [(u.pk, unit_option(u)) for u in rows])
            for building, rows in groupby(qualified, key=lambda u: u.building_label)
        ]
        self.units_offered = len(qualified)
        self.chosen_unit = _pick(units, choice.get("unit"))
        if self.chosen_unit is None:
            self._drop("acknowledged")

    def _drop(self, *names: str) -> None:
        for name in names:
            self.fields.pop(name, None)

    @property
    def complete(self) -> bool:
        return "acknowledged" in self.fields

    def clean_unit_type(self) -> str:
        if self.cleaned_data["unit_type"] not in self.offered:
            raise forms.ValidationError("该项目本次不提供所选套型。")
        return self.cleaned_data["unit_type"]

    def clean(self) -> dict:
        cleaned = super().clean()
        for reason in self.plan_refusals:
            self.add_error(None, reason.message)
        if self.errors or not self.complete:
            return cleaned
        # The same rules and words as online; registration_create checks again when it writes.
        reasons = eligibility.refusals(
            filing=self.filing, plan=self.chosen_plan, project=self.chosen_project,
            unit_type=self.chosen_unit_type, unit=self.chosen_unit, now=self.now, offered_unit_types=self.offered,
            has_active_registration=False,  # among plan_refusals above
        )
        for reason in reasons:
            self.add_error(None, reason.message)
        return cleaned


def unit_option(unit: Unit) -> str:
    """How a flat reads in the picker: floor, room, orientation, type, area, rent."""
    orientation = f"朝{unit.orientation}" if unit.orientation and not unit.orientation.startswith("朝") else (
        unit.orientation or "朝向未注明")
    return (f"{unit.floor}层 · {unit.label} · {orientation} · {unit.unit_type} · {unit.area_text}㎡ · "
            f"{unit.rent_text}元/月")


def _pick(queryset: QuerySet, raw) -> object | None:
    raw = str(raw or "")
    return queryset.filter(pk=int(raw)).first() if raw.isdigit() else None


class AssistConsentForm(forms.Form):
    """How the family agrees: a code sent to its phone, or the clerk's check of the papers.

    A family with a phone may still confirm with the papers (a lost or broken phone); the
    registration records which of the two it was.
    """

    method = forms.ChoiceField(
        label="确认方式", widget=forms.RadioSelect, initial=BY_CODE, required=False,
        choices=[(BY_CODE, "短信验证码（家庭当面读出）"), (BY_DOCUMENTS, "核验原件（手机丢失、损坏或无法接收短信）")],
        error_messages={"required": "请选择家庭的确认方式。"},
    )
    code = CodeField(label="家庭读出的短信验证码", required=False)
    documents_checked = forms.BooleanField(label=DOCS_CHECKED, required=False)

    def __init__(self, *args, phone: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.phone = phone
        if not phone:
            self._drop_sms()

    def _drop_sms(self) -> None:
        self.fields.pop("method")
        self.fields.pop("code")

    @property
    def by_code(self) -> bool:
        if not self.phone:
            return False
        method = self.cleaned_data.get("method")
        if method:
            return method == BY_CODE
        return not self.cleaned_data.get("documents_checked")

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if self.by_code and not cleaned.get("code"):
            self.add_error("code", "请输入家庭读出的短信验证码。")
        if not self.by_code and not cleaned.get("documents_checked"):
            self.add_error("documents_checked", f"请核验原件后勾选“{DOCS_CHECKED}”。")
        return cleaned

    def spend_code(self) -> str | None:
        """Use the family's code up; None when right (or not asked for), else the message.

        Called inside the registration's transaction, so a registration that is refused
        (the flat taken meanwhile) rolls the spending back and the code stays good.
        """
        if not self.by_code:
            return None
        problem = SmsCode.verify(phone=self.phone, purpose=SmsCode.Purpose.ASSIST, code=self.cleaned_data["code"])
        if problem:
            self.add_error("code", problem)
        return problem

    @property
    def consent(self) -> str:
        if self.by_code:
            return f"短信验证码确认（{mask_phone(self.phone)}）"
        if self.phone:
            return f"{DOCS_CHECKED}（未使用短信，家庭手机 {mask_phone(self.phone)}）"
        return DOCS_CHECKED


class CancelOnBehalfForm(forms.Form):
    documents_checked = IdCheckedField(required_message="请核验家庭的身份证原件后勾选“已核验身份证原件”。")
    reason = ReasonField(label="取消原因", example="家庭到窗口申请取消，本人无法使用网上取消。")
