"""The clerks' and plan managers' admin pages, wired in by RegistrationAdmin.get_urls.

Assisted registration at the counter (check the ID → choose → the family confirms), cancel
on behalf, the receipt, and each plan's dashboard and export. Every write goes through
registrations.services.
"""

import datetime as dt
import io

from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import content_disposition_header

from accounts.audit import audit_record
from accounts.models import SmsCode
from accounts.sms import send_code
from bphc import staff_search
from bphc.masking import mask_phone
from filings.models import Filing
from rentals.models import Plan, Project, Unit

from . import receipts
from .admin_forms import AssistConsentForm, AssistLookupForm, AssistTargetForm, CancelOnBehalfForm
from .charts import hourly_chart
from .exports import default_filename, write_export
from .models import Registration
from .services import RegistrationRefused, registration_cancel, registration_create
from .stats import plan_stats

ASSIST_SESSION_KEY = "clerk_assist"
# The ID check stays good for one family's visit at the counter, not for the whole shift.
ASSIST_WINDOW = dt.timedelta(minutes=30)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

assist_required = permission_required("registrations.assist_registration", raise_exception=True)
dashboard_required = permission_required("registrations.view_dashboard", raise_exception=True)


def _render(request: HttpRequest, template: str, context: dict, status: int = 200) -> TemplateResponse:
    context = {**admin.site.each_context(request), "opts": Registration._meta, **context}
    return TemplateResponse(request, f"admin/registrations/{template}", context, status=status)


def _counter(request: HttpRequest, template: str, context: dict, status: int = 200) -> TemplateResponse:
    """The assisted screens: large type, no sidebar, because the family reads along."""
    return _render(request, template, {"is_nav_sidebar_enabled": False, "counter_screen": True, **context}, status)


def consent_phone(filing: Filing) -> str:
    """The phone the family holds now: the bound account's, else the one on the filing."""
    return filing.account.phone if filing.account_id else filing.phone


def _assist_filing(request: HttpRequest) -> Filing | None:
    """The filing whose ID number the clerk confirmed in step one, if still fresh."""
    state = request.session.get(ASSIST_SESSION_KEY) or {}
    checked_at = state.get("checked_at")
    if not checked_at or timezone.now() - dt.datetime.fromisoformat(checked_at) > ASSIST_WINDOW:
        return None
    return Filing.objects.select_related("account").filter(pk=state.get("filing")).first()


def _assist_target(request: HttpRequest) -> tuple[Project, str | None, Unit | None] | None:
    state = request.session.get(ASSIST_SESSION_KEY) or {}
    project = Project.objects.select_related("plan").filter(pk=state.get("project")).first()
    if project is None:
        return None
    unit = Unit.objects.filter(pk=state["unit"], project=project).first() if state.get("unit") else None
    return project, state.get("unit_type"), unit


def _restart(request: HttpRequest) -> HttpResponse:
    messages.error(request, "请先输入备案编号并核对身份证号。")
    return redirect("admin:registrations_assist")


def _check_id(request: HttpRequest, filing: Filing, id_number: str) -> bool:
    """Compare the card with the filing; audited, so that the check is no silent oracle."""
    matches = constant_time_compare(filing.id_number, id_number)
    audit_record(actor=request.user, action="现场核对身份证号", target=filing, details={"matches": matches})
    if matches:
        request.session[ASSIST_SESSION_KEY] = {"filing": filing.pk, "checked_at": timezone.now().isoformat()}
    else:
        request.session.pop(ASSIST_SESSION_KEY, None)
    return matches


@assist_required
def assist_lookup(request: HttpRequest) -> HttpResponse:
    """Step one: the filing by 备案编号, and whether the card's ID number matches it."""
    form = AssistLookupForm(request.POST or None)
    context = {"title": "现场协助登记", "step": 1}
    if request.method == "POST" and form.is_valid():
        if staff_search.over_limit(request):
            messages.error(request, staff_search.OVER_LIMIT)
            return _counter(request, "assist_lookup.html", {**context, "form": AssistLookupForm()}, status=429)
        filing = form.cleaned_data["filing_no"]
        matches = _check_id(request, filing, form.cleaned_data["id_number"])
        # A fresh form: the page must not carry the full ID number back, typed or stored.
        form = AssistLookupForm(initial={"filing_no": filing.filing_no})
        context.update(
            filing=filing, matches=matches, phone=mask_phone(consent_phone(filing)),
            registrations=Registration.objects.with_related().filter(filing=filing)[:20],
        )
    context["form"] = form
    return _counter(request, "assist_lookup.html", context, status=400 if form.errors else 200)


@assist_required
def assist_choose(request: HttpRequest) -> HttpResponse:
    """Step two: plan, project, unit type or unit, and the notice read to the family."""
    filing = _assist_filing(request)
    if filing is None:
        return _restart(request)
    bound = request.POST if request.method == "POST" else None
    form = AssistTargetForm(bound, choice=request.POST or request.GET, filing=filing, now=timezone.now())
    if bound is not None and form.is_valid() and form.complete:
        request.session[ASSIST_SESSION_KEY] = {
            **request.session[ASSIST_SESSION_KEY],
            "plan": form.chosen_plan.pk, "project": form.chosen_project.pk,
            "unit_type": form.chosen_unit_type, "unit": form.chosen_unit.pk if form.chosen_unit else None,
        }
        return redirect("admin:registrations_assist_confirm")
    context = {"title": "现场协助登记：选择计划与房源", "step": 2, "filing": filing, "form": form}
    return _counter(request, "assist_choose.html", context, status=400 if form.errors else 200)


def _send_assist_code(request: HttpRequest, phone: str) -> str | None:
    if not phone:
        return "该备案没有手机号，请核验原件后办理。"
    # No per-IP cap: every counter of the centre shares one address, and the clerk is signed in.
    problem = send_code(request, phone=phone, purpose=SmsCode.Purpose.ASSIST, per_ip_cap=False)
    if problem is None:
        messages.success(request, f"验证码已发送到 {mask_phone(phone)}，请家庭当面读出。")
    return problem


def _register(request: HttpRequest, form: AssistConsentForm, filing: Filing, target) -> Registration | None:
    """Spend the code and register in one transaction: a refused registration keeps the code."""
    project, unit_type, unit = target
    with transaction.atomic():
        if form.spend_code():
            return None
        registration, _ = registration_create(
            filing=filing, actor=request.user, project=project, unit_type=unit_type, unit=unit,
            acknowledged=True, channel=Registration.Channel.ASSISTED, clerk=request.user, consent=form.consent,
        )
    return registration


@assist_required
def assist_confirm(request: HttpRequest) -> HttpResponse:
    """Step three: the family's consent, then registration_create."""
    filing = _assist_filing(request)
    target = _assist_target(request) if filing else None
    if filing is None or target is None:
        return _restart(request)
    project, unit_type, unit = target
    phone = consent_phone(filing)
    context = {"title": "现场协助登记：家庭确认", "step": 3, "filing": filing, "project": project,
               "plan": project.plan, "unit_type": unit.unit_type if unit else unit_type, "unit": unit,
               "masked_phone": mask_phone(phone)}
    if request.POST.get("action") == "send_code":
        problem = _send_assist_code(request, phone)
        if problem:
            messages.error(request, problem)
        return _counter(request, "assist_confirm.html", {**context, "form": AssistConsentForm(phone=phone)},
                        status=400 if problem else 200)
    form = AssistConsentForm(request.POST or None, phone=phone)
    registration = None
    if request.method == "POST" and form.is_valid():
        try:
            registration = _register(request, form, filing, target)
        except RegistrationRefused as refused:
            for reason in refused.reasons:
                messages.error(request, reason.message)
            context.update(form=AssistConsentForm(request.POST, phone=phone), refused=True)
            return _counter(request, "assist_confirm.html", context, status=409)
    if registration is None:
        return _counter(request, "assist_confirm.html", {**context, "form": form},
                        status=400 if form.errors else 200)
    request.session.pop(ASSIST_SESSION_KEY, None)
    messages.success(request, f"已为{filing.applicant_name}（{filing.filing_no}）完成现场协助登记，"
                              f"登记编号 {registration.number}。请打印登记回执交给家庭。")
    return redirect("admin:registrations_registration_change", registration.pk)


@permission_required("registrations.cancel_on_behalf", raise_exception=True)
def cancel_on_behalf(request: HttpRequest, pk: int) -> HttpResponse:
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
    context = {"title": "代家庭取消登记", "registration": registration, "object": registration, "form": form,
               "back_url": change_url, "submit_label": "确认取消登记"}
    return _render(request, "cancel_on_behalf.html", context, status=400 if form.errors else 200)


@permission_required("registrations.view_registration", raise_exception=True)
def receipt_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """打印登记回执: the family's own receipt PDF (QR code, check code), for the counter to hand over."""
    registration = get_object_or_404(Registration.objects.with_related(), pk=pk)
    response = HttpResponse(receipts.render_pdf(request, [registration]), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"receipt-{registration.number}.pdf")
    response["Cache-Control"] = "no-store"
    return response


@dashboard_required
def dashboard_index(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [(p, p.state_label(now)) for p in Plan.objects.order_by("-opens_at", "code")]
    return _render(request, "dashboard_index.html", {"title": "计划登记看板", "rows": rows})


@dashboard_required
def dashboard(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(Plan, pk=plan_id)
    stats = plan_stats(plan)
    context = {
        "title": f"登记看板：{plan.name}", "plan": plan, "stats": stats,
        "state": plan.state_label(stats.computed_at), "chart": hourly_chart(stats.per_hour),
        "channels": [(label, stats.by_channel.get(value, 0)) for value, label in Registration.Channel.choices],
        "can_export": request.user.has_perm("registrations.export_registrations"),
    }
    return _render(request, "dashboard.html", context)


@permission_required("registrations.export_registrations", raise_exception=True)
def export(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The plan's active registrations as .xlsx, IDs masked; full IDs only from the command."""
    plan = get_object_or_404(Plan, pk=plan_id)
    out = io.BytesIO()
    with transaction.atomic():
        count = write_export(plan, out, fmt="xlsx")
        audit_record(actor=request.user, action="导出登记名单", target=plan,
                     details={"rows": count, "format": "xlsx", "full_id": False})
    response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, default_filename(plan, "xlsx"))
    return response
