"""Registrations in the admin: look-up, assisted registration at the counter, cancel on
behalf, and each plan's dashboard. Every write goes through registrations.services."""

import datetime as dt
import io
import math

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django_ratelimit.core import is_ratelimited

from accounts.audit import audit_record
from accounts.forms import CodeField, IdNumberField
from accounts.models import SmsCode
from accounts.sms import SmsError, send_sms
from bphc.crypto import id_digest
from bphc.masking import mask_phone
from bphc.validators import id_number_problem, normalise_id_number
from filings.models import Filing, normalise_filing_no
from notifications.admin import NotificationInline
from rentals.models import Plan, Project, Unit

from . import eligibility
from .exports import default_filename, write_export
from .models import Registration
from .services import RegistrationRefused, registration_cancel, registration_create
from .stats import Hour, plan_stats

ASSIST_SESSION_KEY = "clerk_assist"
# The ID check stays good for one family's visit at the counter, not for the whole shift.
ASSIST_WINDOW = dt.timedelta(minutes=30)
DOCS_CHECKED = "已核验身份证原件及备案通知单原件"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def consent_phone(filing: Filing) -> str:
    """The phone the family holds now: the bound account's, else the one on the filing."""
    return filing.account.phone if filing.account_id else filing.phone


# ---------------------------------------------------------------------------- forms


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


class AssistTargetForm(forms.Form):
    """Plan → project → unit type (quick) or unit (real-time), and the notice read.

    Which fields exist depends on what is already chosen in `choice`, so the same form
    draws the next select on each step and validates the whole choice at the end.
    """

    plan = forms.ModelChoiceField(Plan.objects.none(), label="配租计划", empty_label="请选择配租计划",
                                  error_messages={"required": "请选择配租计划。",
                                                  "invalid_choice": "该配租计划不在可登记的计划中。"})
    project = forms.ModelChoiceField(Project.objects.none(), label="项目", empty_label="请选择项目",
                                     error_messages={"required": "请选择项目。",
                                                     "invalid_choice": "该项目不属于所选计划。"})
    unit_type = forms.ChoiceField(label="套型", error_messages={"required": "请选择套型。",
                                                              "invalid_choice": "该项目本次不提供所选套型。"})
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
        self.chosen_plan = self.chosen_project = self.chosen_unit = None
        self.chosen_unit_type = None
        self.offered: set[str] = set()
        plans = Plan.objects.published().filter(closes_at__gt=now).order_by("opens_at", "code")
        self.fields["plan"].queryset = plans
        self.fields["plan"].label_from_instance = (
            lambda p: f"{p.name}（{p.code}，{p.get_mode_display()}，{p.state_label(now)}）"
        )
        self.chosen_plan = _pick(plans, choice.get("plan"))
        if self.chosen_plan is None:
            return self._drop("project", "unit_type", "unit", "acknowledged")
        projects = self.chosen_plan.projects.order_by("code")
        self.fields["project"].queryset = projects
        self.fields["project"].label_from_instance = lambda p: f"{p.name}（{p.district}）"
        self.chosen_project = _pick(projects, choice.get("project"))
        if self.chosen_project is None:
            return self._drop("unit_type", "unit", "acknowledged")
        self.offered = set(self.chosen_project.offers.values_list("unit_type", flat=True))
        if self.chosen_plan.is_realtime:
            self._drop("unit_type")
            units = self.chosen_project.units.filter(taken=False).order_by(
                "unit_type", "building", "entrance", "floor", "room")
            self.fields["unit"].queryset = units
            self.fields["unit"].label_from_instance = self._unit_label
            self.chosen_unit = _pick(units, choice.get("unit"))
            if self.chosen_unit is None:
                self._drop("acknowledged")
        else:
            self._drop("unit")
            offered = eligibility.choosable_unit_types(self.filing, self.offered) + sorted(
                self.offered - set(self.filing.unit_types))
            self.fields["unit_type"].choices = [("", "请选择套型")] + [
                (t, t if t in self.filing.unit_types else f"{t}（不在该家庭的可选套型内）") for t in offered
            ]
            self.chosen_unit_type = choice.get("unit_type") if choice.get("unit_type") in self.offered else None
            if self.chosen_unit_type is None:
                self._drop("acknowledged")

    def _drop(self, *names: str) -> None:
        for name in names:
            self.fields.pop(name, None)

    def _unit_label(self, unit: Unit) -> str:
        mark = "" if unit.unit_type in self.filing.unit_types else "（不在该家庭的可选套型内）"
        return f"{unit.label} · {unit.unit_type}{mark} · {unit.area_text}㎡ · {unit.rent_text}元/月"

    @property
    def complete(self) -> bool:
        return "acknowledged" in self.fields

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors or not self.complete:
            return cleaned
        # The same rules and words as online; registration_create checks again when it writes.
        plan = self.chosen_plan
        reasons = eligibility.refusals(
            filing=self.filing, plan=plan, project=self.chosen_project, unit_type=self.chosen_unit_type,
            unit=self.chosen_unit, now=self.now, offered_unit_types=self.offered,
            has_active_registration=Registration.objects.active().filter(filing=self.filing, plan=plan).exists(),
        )
        for reason in reasons:
            self.add_error(None, reason.message)
        return cleaned


def _pick(queryset: QuerySet, raw) -> object | None:
    raw = str(raw or "")
    return queryset.filter(pk=int(raw)).first() if raw.isdigit() else None


class AssistConsentForm(forms.Form):
    """How the family agrees: a code sent to its phone, or the clerk's check of the papers."""

    code = CodeField(label="家庭读出的短信验证码")
    documents_checked = forms.BooleanField(
        label=DOCS_CHECKED, error_messages={"required": f"请核验原件后勾选“{DOCS_CHECKED}”。"},
    )

    def __init__(self, *args, phone: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.phone = phone
        self.fields.pop("documents_checked" if phone else "code")

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.phone and cleaned.get("code") and not self.errors:
            problem = SmsCode.verify(phone=self.phone, purpose=SmsCode.Purpose.ASSIST, code=cleaned["code"])
            if problem:
                self.add_error("code", problem)
        return cleaned

    @property
    def consent(self) -> str:
        return f"短信验证码确认（{mask_phone(self.phone)}）" if self.phone else DOCS_CHECKED


class CancelOnBehalfForm(forms.Form):
    documents_checked = forms.BooleanField(
        label="已核验身份证原件", error_messages={"required": "请核验家庭的身份证原件后勾选“已核验身份证原件”。"},
    )
    reason = forms.CharField(
        label="取消原因", max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写取消原因。"},
        help_text="将记入审计日志，例如：家庭到窗口申请取消，本人无法使用网上取消。",
    )


# ---------------------------------------------------------------------------- the assisted SMS


def _assist_cooldown_key(phone: str) -> str:
    return f"sms:cooldown:{SmsCode.Purpose.ASSIST}:{phone}"


def send_assist_code(request: HttpRequest, phone: str) -> str | None:
    """Send the consent code to the family's phone; None when sent, else the clerk's message.

    Unlike accounts.sms.send_code there is no per-IP cap: every counter of the centre
    shares one address, and the clerk is signed in. The per-phone daily cap still applies.
    """
    if not cache.add(_assist_cooldown_key(phone), 1, timeout=settings.SMS_RESEND_SECONDS):
        return f"验证码已发送，请{settings.SMS_RESEND_SECONDS}秒后再重新获取。"
    if is_ratelimited(request, group="sms-phone", key=lambda g, r: phone, rate=settings.SMS_DAILY_PER_PHONE,
                      increment=True):
        return "该手机号今日获取验证码次数已达上限，请改为核验身份证原件及备案通知单原件后办理，或明天再试。"
    row, code = SmsCode.issue(phone=phone, purpose=SmsCode.Purpose.ASSIST)
    try:
        send_sms(phone, "code_assist", {"code": code, "minutes": settings.SMS_CODE_TTL_SECONDS // 60})
    except SmsError:
        row.delete()
        cache.delete(_assist_cooldown_key(phone))
        return "短信发送失败，请稍后再试。"
    return None


# ---------------------------------------------------------------------------- the chart


def _tick_step(value: float) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ at least `value`, so that every gridline is a whole number."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def hourly_chart(hours: list[Hour], width: int = 880, height: int = 260) -> dict | None:
    """Geometry of the per-hour bar chart, so the template only draws <rect>s and <text>s."""
    if not hours:
        return None
    left, right, top, bottom = 48, 12, 12, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    step = _tick_step(max(h.count for h in hours) / 4)
    ymax = step * 4
    slot = plot_w / len(hours)
    gap = min(2.0, slot * 0.2)
    bars = []
    for i, h in enumerate(hours):
        bar_h = plot_h * h.count / ymax
        bars.append({
            "x": f"{left + i * slot + gap / 2:.1f}", "y": f"{top + plot_h - bar_h:.1f}",
            "w": f"{max(slot - gap, 0.5):.1f}", "h": f"{bar_h:.1f}",
            "title": f"{h.start:%m-%d %H}:00–{(h.start + dt.timedelta(hours=1)):%H}:00 登记 {h.count} 条",
        })
    every = max(1, math.ceil(len(hours) / 12))
    multi_day = hours[0].start.date() != hours[-1].start.date()
    xticks = [
        {"x": f"{left + (i + 0.5) * slot:.1f}", "label": f"{h.start:%m-%d %H}时" if multi_day else f"{h.start:%H}:00"}
        for i, h in enumerate(hours) if i % every == 0
    ]
    yticks = [
        {"y": f"{top + plot_h - plot_h * k / 4:.1f}", "label": str(step * k)} for k in range(5)
    ]
    return {
        "width": width, "height": height, "left": left, "right": width - right, "top": top,
        "bottom": top + plot_h, "label_y": top + plot_h + 18, "bars": bars, "xticks": xticks, "yticks": yticks,
    }


# ---------------------------------------------------------------------------- the admin


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("number", "applicant", "masked_id", "what_display", "status", "channel_display", "created_at")
    list_filter = ("status", "channel", "plan")
    search_fields = ("number", "filing__filing_no", "filing__applicant_name")
    search_help_text = "按登记编号、备案编号、申请人姓名或完整身份证号查找。"
    list_select_related = ("plan", "project", "unit", "filing", "clerk")
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False  # the count over an opening rush's rows on every page view is wasted work
    inlines = [NotificationInline]

    class Media:
        css = {"all": ["css/admin_dashboard.css"]}
    fieldsets = (
        (None, {"fields": ("number", "check_code", "status")}),
        ("家庭", {"fields": ("filing_link", "applicant", "masked_id")}),
        ("登记内容", {"fields": ("plan", "project", "unit_type", "unit", "notice_acknowledged_at", "created_at")}),
        ("办理方式", {"fields": ("channel", "clerk_display", "consent", "actor_display")}),
        ("取消", {"fields": ("cancelled_at", "cancelled_by_display")}),
    )
    readonly_fields = ("number", "check_code", "status", "filing_link", "applicant", "masked_id", "plan", "project",
                       "unit_type", "unit", "notice_acknowledged_at", "created_at", "channel", "clerk_display",
                       "consent", "actor_display", "cancelled_at", "cancelled_by_display")

    # Registrations are made and cancelled only through the services (online or assisted),
    # never by editing rows.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Registration | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Registration | None = None) -> bool:
        return False

    @admin.display(description="申请人", ordering="filing__applicant_name")
    def applicant(self, obj: Registration) -> str:
        return obj.filing.applicant_name

    @admin.display(description="身份证号")
    def masked_id(self, obj: Registration) -> str:
        return obj.filing.masked_id_number

    @admin.display(description="备案编号")
    def filing_link(self, obj: Registration) -> str:
        return obj.filing.filing_no

    @admin.display(description="计划 · 登记内容")
    def what_display(self, obj: Registration) -> str:
        return format_html("{}<br>{} · {}", obj.plan.code, obj.project.name, obj.what)

    @admin.display(description="登记渠道（工作人员）", ordering="channel")
    def channel_display(self, obj: Registration) -> str:
        # One column for both, so that the clerk stays in view on a counter's narrow screen.
        if obj.is_assisted:
            return f"{obj.get_channel_display()}（{self.clerk_display(obj)}）"
        return obj.get_channel_display()

    @admin.display(description="协助工作人员")
    def clerk_display(self, obj: Registration) -> str:
        return obj.clerk.get_full_name() if obj.clerk_id else "—"

    @admin.display(description="操作账号")
    def actor_display(self, obj: Registration) -> str:
        return obj.actor.get_full_name()

    @admin.display(description="取消操作人")
    def cancelled_by_display(self, obj: Registration) -> str:
        return obj.cancelled_by.get_full_name() if obj.cancelled_by_id else "—"

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        # ID numbers are encrypted at rest, so a whole number read from the card is found
        # through its keyed digest; a part of one cannot be searched.
        number = normalise_id_number(search_term)
        if number and not id_number_problem(number):
            return queryset.filter(filing__id_digest=id_digest(number)), False
        return super().get_search_results(request, queryset, search_term)

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("assist/", wrap(self.assist_view), name="registrations_assist"),
            path("assist/choose/", wrap(self.assist_choose_view), name="registrations_assist_choose"),
            path("assist/confirm/", wrap(self.assist_confirm_view), name="registrations_assist_confirm"),
            path("<int:pk>/cancel/", wrap(self.cancel_view), name="registrations_cancel_on_behalf"),
            path("dashboard/", wrap(self.dashboard_index_view), name="registrations_dashboards"),
            path("dashboard/<int:plan_id>/", wrap(self.dashboard_view), name="registrations_dashboard"),
            path("dashboard/<int:plan_id>/export.xlsx", wrap(self.export_view), name="registrations_export"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "can_assist": request.user.has_perm("registrations.assist_registration"),
            "can_view_dashboard": request.user.has_perm("registrations.view_dashboard"),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict | None = None) -> HttpResponse:
        registration = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "can_cancel_on_behalf": (
                registration is not None and registration.can_cancel()
                and request.user.has_perm("registrations.cancel_on_behalf")
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _render(self, request: HttpRequest, template: str, context: dict, status: int = 200) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, **context}
        return TemplateResponse(request, f"admin/registrations/{template}", context, status=status)

    # -- assisted registration

    def _assist_filing(self, request: HttpRequest) -> Filing | None:
        """The filing whose ID number the clerk confirmed in step one, if still fresh."""
        state = request.session.get(ASSIST_SESSION_KEY) or {}
        checked_at = state.get("checked_at")
        if not checked_at or timezone.now() - dt.datetime.fromisoformat(checked_at) > ASSIST_WINDOW:
            return None
        return Filing.objects.select_related("account").filter(pk=state.get("filing")).first()

    def _restart(self, request: HttpRequest) -> HttpResponse:
        messages.error(request, "请先输入备案编号并核对身份证号。")
        return redirect("admin:registrations_assist")

    def assist_view(self, request: HttpRequest) -> HttpResponse:
        """Step one: the filing by 备案编号, and whether the card's ID number matches it."""
        _require(request, "registrations.assist_registration")
        form = AssistLookupForm(request.POST or None)
        context = {"title": "现场协助登记", "step": 1}
        if request.method == "POST" and form.is_valid():
            filing = form.cleaned_data["filing_no"]
            matches = constant_time_compare(filing.id_number, form.cleaned_data["id_number"])
            if matches:
                request.session[ASSIST_SESSION_KEY] = {"filing": filing.pk, "checked_at": timezone.now().isoformat()}
            else:
                request.session.pop(ASSIST_SESSION_KEY, None)
            # A fresh form: the page must not carry the full ID number back, typed or stored.
            form = AssistLookupForm(initial={"filing_no": filing.filing_no})
            context.update(
                filing=filing, matches=matches, phone=mask_phone(consent_phone(filing)),
                registrations=Registration.objects.with_related().filter(filing=filing)[:20],
            )
        context["form"] = form
        return self._render(request, "assist_lookup.html", context, status=400 if form.errors else 200)

    def assist_choose_view(self, request: HttpRequest) -> HttpResponse:
        """Step two: plan, project, unit type or unit, and the notice read to the family."""
        _require(request, "registrations.assist_registration")
        filing = self._assist_filing(request)
        if filing is None:
            return self._restart(request)
        now = timezone.now()
        bound = request.POST if request.method == "POST" else None
        form = AssistTargetForm(bound, choice=request.POST or request.GET, filing=filing, now=now)
        if bound is not None and form.is_valid() and form.complete:
            request.session[ASSIST_SESSION_KEY] = {
                **request.session[ASSIST_SESSION_KEY],
                "plan": form.chosen_plan.pk, "project": form.chosen_project.pk,
                "unit_type": form.chosen_unit_type, "unit": form.chosen_unit.pk if form.chosen_unit else None,
            }
            return redirect("admin:registrations_assist_confirm")
        context = {"title": "现场协助登记：选择计划与房源", "step": 2, "filing": filing, "form": form}
        return self._render(request, "assist_choose.html", context, status=400 if form.errors else 200)

    def _assist_target(self, request: HttpRequest) -> tuple[Project, str | None, Unit | None] | None:
        state = request.session.get(ASSIST_SESSION_KEY) or {}
        project = Project.objects.select_related("plan").filter(pk=state.get("project")).first()
        if project is None:
            return None
        unit = Unit.objects.filter(pk=state["unit"], project=project).first() if state.get("unit") else None
        return project, state.get("unit_type"), unit

    def assist_confirm_view(self, request: HttpRequest) -> HttpResponse:
        """Step three: the family's consent, then registration_create."""
        _require(request, "registrations.assist_registration")
        filing = self._assist_filing(request)
        target = self._assist_target(request) if filing else None
        if filing is None or target is None:
            return self._restart(request)
        project, unit_type, unit = target
        phone = consent_phone(filing)
        context = {"title": "现场协助登记：家庭确认", "step": 3, "filing": filing, "project": project,
                   "plan": project.plan, "unit_type": unit.unit_type if unit else unit_type, "unit": unit,
                   "masked_phone": mask_phone(phone)}
        if request.method == "POST" and request.POST.get("action") == "send_code":
            problem = send_assist_code(request, phone) if phone else "该备案没有手机号，请核验原件后办理。"
            if problem:
                messages.error(request, problem)
            else:
                messages.success(request, f"验证码已发送到 {mask_phone(phone)}，请家庭当面读出。")
            context["form"] = AssistConsentForm(phone=phone)
            return self._render(request, "assist_confirm.html", context, status=400 if problem else 200)

        form = AssistConsentForm(request.POST or None, phone=phone)
        if request.method == "POST" and form.is_valid():
            try:
                registration, _ = registration_create(
                    filing=filing, actor=request.user, project=project, unit_type=unit_type, unit=unit,
                    acknowledged=True, channel=Registration.Channel.ASSISTED, clerk=request.user,
                    consent=form.consent,
                )
            except RegistrationRefused as refused:
                for reason in refused.reasons:
                    messages.error(request, reason.message)
                context["form"] = AssistConsentForm(phone=phone)
                return self._render(request, "assist_confirm.html", context, status=409)
            request.session.pop(ASSIST_SESSION_KEY, None)
            messages.success(request, f"已为{filing.applicant_name}（{filing.filing_no}）完成现场协助登记，"
                                      f"登记编号 {registration.number}。")
            return redirect("admin:registrations_registration_change", registration.pk)
        context["form"] = form
        return self._render(request, "assist_confirm.html", context, status=400 if form.errors else 200)

    # -- cancel on behalf

    def cancel_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        _require(request, "registrations.cancel_on_behalf")
        registration = get_object_or_404(Registration.objects.with_related(), pk=pk)
        change_url = reverse("admin:registrations_registration_change", args=[registration.pk])
        if not registration.is_active:
            messages.error(request, f"登记{registration.number}已取消，无需重复操作。")
            return redirect(change_url)
        form = CancelOnBehalfForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                registration_cancel(registration=registration, actor=request.user, clerk=request.user,
                                    reason=form.cleaned_data["reason"])
            except RegistrationRefused as refused:
                for reason in refused.reasons:
                    messages.error(request, reason.message)
                return redirect(change_url)
            messages.success(request, f"已代家庭取消登记{registration.number}。")
            return redirect(change_url)
        context = {"title": f"代家庭取消登记 {registration.number}", "registration": registration, "form": form}
        return self._render(request, "cancel_on_behalf.html", context, status=400 if form.errors else 200)

    # -- dashboards

    def dashboard_index_view(self, request: HttpRequest) -> HttpResponse:
        _require(request, "registrations.view_dashboard")
        now = timezone.now()
        plans = Plan.objects.order_by("-opens_at", "code")
        rows = [(p, p.state_label(now)) for p in plans]
        return self._render(request, "dashboard_index.html", {"title": "计划登记看板", "rows": rows})

    def dashboard_view(self, request: HttpRequest, plan_id: int) -> HttpResponse:
        _require(request, "registrations.view_dashboard")
        plan = get_object_or_404(Plan, pk=plan_id)
        stats = plan_stats(plan)
        context = {
            "title": f"登记看板：{plan.name}", "plan": plan, "stats": stats,
            "state": plan.state_label(stats.computed_at), "chart": hourly_chart(stats.per_hour),
            "channels": [(label, stats.by_channel.get(value, 0)) for value, label in Registration.Channel.choices],
            "can_export": request.user.has_perm("registrations.export_registrations"),
        }
        return self._render(request, "dashboard.html", context)

    def export_view(self, request: HttpRequest, plan_id: int) -> HttpResponse:
        """The plan's active registrations as .xlsx, IDs masked; full IDs only from the command."""
        _require(request, "registrations.export_registrations")
        plan = get_object_or_404(Plan, pk=plan_id)
        out = io.BytesIO()
        with transaction.atomic():
            count = write_export(plan, out, fmt="xlsx")
            audit_record(actor=request.user, action="导出登记名单", target=plan,
                         details={"rows": count, "format": "xlsx", "full_id": False})
        response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, default_filename(plan, "xlsx"))
        return response

