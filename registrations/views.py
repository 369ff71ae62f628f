from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django_ratelimit.decorators import ratelimit

from accounts.views import deliver_code
from bphc.gating import family_filing, gate
from rentals import catalogue
from rentals.models import Project, Unit

from . import eligibility, receipts
from .eligibility import Refusal
from .forms import CancelForm, RegisterForm, UnitTypeChoiceForm
from .models import Registration
from .services import (
    RegistrationRefused,
    blocking_registration,
    is_repeat,
    refusal_flags,
    registration_cancel,
    registration_create,
)


def _get_registration_for_family(request: HttpRequest, pk: int) -> Registration:
    """The registration if it belongs to the signed-in family's filing, else 404."""
    filing = family_filing(request)
    if filing is None:
        raise Http404
    registration = get_object_or_404(Registration.objects.with_related(), pk=pk, filing=filing)
    registration.filing = filing
    return registration


def _selected_registrations(request: HttpRequest) -> QuerySet[Registration] | None:
    """The ticked registrations (?ids=…), all the family's own, or None when any is not."""
    filing = family_filing(request)
    raw = request.GET.getlist("ids") + request.POST.getlist("ids")
    # Only plausible primary keys: a huge number would overflow the database's integer.
    if any(not (i.isascii() and i.isdigit() and len(i) <= 15) for i in raw):
        raise Http404
    ids = {int(i) for i in raw}
    if filing is None or not ids:
        return None
    rows = Registration.objects.with_related().filter(pk__in=ids, filing=filing).order_by("created_at")
    if len(rows) != len(ids):
        raise Http404
    return rows


def _nothing_ticked(request: HttpRequest, action: str) -> HttpResponse:
    """Back to 业务记录 when no registration (or none of the family's) was ticked for `action`."""
    messages.error(request, f"请先勾选要{action}的登记结果。")
    return redirect("registrations:records")


def _target(request: HttpRequest, project_id: int) -> tuple[Project, str | None, Unit | None]:
    """The project (its plan published), the unit type asked for, and a real-time plan's unit.

    A unit named is read with its project and plan, one query for the rush's register page
    and POST; a quick plan's project (which has no units) is read on its own.
    """
    data = request.POST if request.method == "POST" else request.GET
    unit_type, unit_id = (data.get("unit_type") or None), data.get("unit", "")
    if unit_id.isascii() and unit_id.isdigit() and len(unit_id) <= 15:
        unit = Unit.published_with_project(int(unit_id), project_id)
        if unit is not None and unit.project.plan.is_realtime:
            return unit.project, unit_type, unit
    project = Project.published_with_plan(project_id)
    if project is None or project.plan.is_realtime:
        raise Http404  # no unit named, or none of this project's
    return project, unit_type, None


def register(request: HttpRequest, project_id: int) -> HttpResponse:
    """详情页 → 立即登记 / 登记: choose a unit type if needed, read the 告知书, register."""
    if (refusal := gate(request)) is not None:
        return refusal
    filing = family_filing(request)
    project, unit_type, unit = _target(request, project_id)
    offered = catalogue.offered_unit_types(project)
    choosable = eligibility.choosable_unit_types(filing, offered)
    if not project.plan.is_realtime and unit_type is None and len(choosable) == 1:
        unit_type = choosable[0]
    context = {"project": project, "plan": project.plan, "unit": unit, "filing": filing,
               "unit_type": unit.unit_type if unit else unit_type}
    if request.method == "POST" and (unit or unit_type):
        # The service checks everything again inside its transaction.
        return _register_post(request, filing, project, unit_type, unit, offered, context)
    return _register_page(request, filing, project, offered, choosable, context)


def _register_page(request, filing, project, offered, choosable, context) -> HttpResponse:
    """Before registering: the family's own registration, the refusals, the choice of 套型, or the 告知书."""
    unit_type, unit = context["unit_type"], context["unit"]
    existing = blocking_registration(filing=filing, plan_id=project.plan_id)
    if is_repeat(filing=filing, existing=existing, project=project, unit_type=unit_type, unit=unit):
        # Back after registering: the family's own registration, not a refusal about its own flat.
        return redirect("registrations:success", pk=existing.pk)
    # Plan-level refusals first, so nobody chooses a unit type only to be turned away.
    reasons = eligibility.refusals(
        filing=filing, plan=project.plan, project=project, unit_type=unit_type, unit=unit, now=timezone.now(),
        offered_unit_types=offered, **refusal_flags(filing=filing, existing=existing),
    )
    if reasons:
        return _refused(request, context, reasons)
    if unit is None and unit_type is None:
        # Pressing 确认 with nothing chosen says so instead of showing the same page again.
        form = UnitTypeChoiceForm(request.GET if "step" in request.GET else None, unit_types=choosable)
        status = 400 if form.is_bound and not form.is_valid() else 200
        return render(request, "registrations/choose.html", {**context, "form": form}, status=status)
    form = RegisterForm(initial={"unit_type": unit_type, "unit": unit.pk if unit else None})
    return render(request, "registrations/notice.html", {**context, "form": form})


def _register_post(request, filing, project, unit_type, unit, offered, context) -> HttpResponse:
    form = RegisterForm(request.POST)
    if not form.is_valid():
        return render(request, "registrations/notice.html", {**context, "form": form}, status=400)
    try:
        registration, created = registration_create(
            filing=filing, actor=request.user, project=project, unit_type=unit_type, unit=unit,
            acknowledged=form.cleaned_data["acknowledged"], offered_unit_types=offered,
        )
    except RegistrationRefused as refused:
        if (own := _own_registration(filing, project, refused)) is not None:
            # Not a refusal: perhaps an earlier request registered and its answer was lost.
            messages.info(request, f"您已登记过本计划（登记编号 {own.number}），本计划每户限登记一次。"
                                   "以下是您的登记信息；如需更换，请先取消原登记。")
            return redirect("registrations:success", pk=own.pk)
        return _refused(request, context, refused.reasons, status=409)
    if not created:
        messages.info(request, "您已完成本次登记，无需重复提交。以下是您的登记信息。")
    return redirect("registrations:success", pk=registration.pk)


def _own_registration(filing, project, refused: RegistrationRefused) -> Registration | None:
    """The family's own active registration in the plan, when that is what refused it."""
    if eligibility.ALREADY_REGISTERED not in refused.codes:
        return None
    existing = blocking_registration(filing=filing, plan_id=project.plan_id)
    return existing if existing is not None and existing.filing_id == filing.pk else None


def _refused(request, context: dict, reasons: list[Refusal], status: int = 200) -> HttpResponse:
    return render(request, "registrations/refused.html", {**context, "reasons": reasons}, status=status)


@login_required
def success(request: HttpRequest, pk: int) -> HttpResponse:
    """登记成功: the number and three ways on."""
    # Only what the page shows: a seven-table join cost PostgreSQL more to plan than to run.
    filing = family_filing(request)
    if filing is None or (registration := Registration.for_success_page(pk, filing)) is None:
        raise Http404
    return render(request, "registrations/success.html", {"registration": registration})


@login_required
def records(request: HttpRequest) -> HttpResponse:
    """个人中心 → 业务记录."""
    filing = family_filing(request)
    rows = Registration.objects.with_related().filter(filing=filing) if filing else Registration.objects.none()
    now = timezone.now()
    return render(request, "registrations/records.html", {
        "section": "records", "filing": filing, "rows": [(r, r.can_cancel(now)) for r in rows],
    })


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """查看更多: everything about one registration."""
    registration = _get_registration_for_family(request, pk)
    return render(request, "registrations/detail.html", {
        "section": "records", "registration": registration, "can_cancel": registration.can_cancel(),
    })


@login_required
def print_preview(request: HttpRequest) -> HttpResponse:
    rows = _selected_registrations(request)
    if rows is None:
        return _nothing_ticked(request, "打印")
    return render(request, "registrations/print.html", {
        "receipts": receipts.build(request, rows), "ids": [r.pk for r in rows],
    })


@login_required
def print_pdf(request: HttpRequest) -> HttpResponse:
    rows = _selected_registrations(request)
    if rows is None:
        return _nothing_ticked(request, "打印")
    pdf = receipts.render_pdf(request, rows)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="gzf-receipts.pdf"'
    return response


@login_required
def cancel(request: HttpRequest) -> HttpResponse:
    """取消: the ticked registrations, confirmed by an SMS code to the account's phone."""
    rows = _selected_registrations(request)
    if rows is None:
        return _nothing_ticked(request, "取消")
    now = timezone.now()
    cancellable = [r for r in rows if r.can_cancel(now)]
    blocked = [r for r in rows if not r.can_cancel(now)]
    context = {"section": "records", "cancellable": cancellable, "blocked": blocked, "ids": [r.pk for r in rows]}
    if request.method == "POST" and request.POST.get("action") == "send_code":
        sent, message = deliver_code(request, "cancel")
        context.update(form=CancelForm(user=request.user), code_message=message, code_sent=sent,
                       countdown=60 if sent else 0)
        return render(request, "registrations/cancel.html", context, status=200 if sent else 400)
    # Nothing left to cancel: do not check (and so spend) a code.
    form = CancelForm((request.POST or None) if cancellable else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        done = []
        for registration in cancellable:
            try:
                done.append(registration_cancel(registration=registration, actor=request.user).number)
            except RegistrationRefused as refused:
                messages.error(request, refused.reasons[0].message)
        if done:
            messages.success(request, f"已取消登记：{'、'.join(done)}。")
        return redirect("registrations:records")
    context["form"] = form
    return render(request, "registrations/cancel.html", context, status=400 if form.errors else 200)


# A check code is 8 of 32 characters (10^12 values): at this rate guessing one takes longer
# than any plan lasts, while a clerk checking receipts at a counter never meets the limit.
VERIFY_RATE = "20/m"


@never_cache
@ratelimit(key="ip", rate=VERIFY_RATE, block=True)
def verify(request: HttpRequest, number: str, check_code: str) -> HttpResponse:
    """Public: is this receipt genuine? Shows nothing beyond what the receipt itself shows."""
    registration = (
        Registration.objects.select_related("plan", "project", "filing", "unit").filter(number=number).first()
    )
    genuine = registration is not None and constant_time_compare(registration.check_code, check_code.upper())
    return render(request, "registrations/verify.html", {
        "registration": registration if genuine else None, "number": number,
    }, status=200 if genuine else 404)

