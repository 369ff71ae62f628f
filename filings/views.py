from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from bphc.gating import family_filing

from .forms import VerifyForm
from .models import VERIFY_MAX_FAILURES
from .services import BindRefused, filing_bind


@login_required
@require_safe
def info(request: HttpRequest) -> HttpResponse:
    """个人中心 → 公租房备案家庭信息: the bound filing's facts, or the way to verify one."""
    filing = family_filing(request)
    context = {"section": "filing", "filing": filing, "problem": filing.validity_problem() if filing else ""}
    return render(request, "filings/info.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """去公租房备案家庭信息认证: 备案编号 + 验证码 → bind the filing to this account."""
    if request.method == "GET" and family_filing(request) is not None:
        messages.info(request, "您的账号已完成公租房备案家庭认证。")
        return redirect("filings:info")

    form = VerifyForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            filing_bind(
                filing_no=form.cleaned_data["filing_no"], code=form.cleaned_data["code"],
                id_number=form.cleaned_data.get("id_number", ""), account=request.user,
            )
        except BindRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "认证成功，您的账号已绑定公租房备案家庭信息。")
            return redirect("filings:info")
    status = 200
    if form.has_error(NON_FIELD_ERRORS, "ratelimited"):
        status = 429
    elif form.errors:
        status = 400
    context = {"section": "filing", "form": form, "max_failures": VERIFY_MAX_FAILURES}
    return render(request, "filings/verify.html", context, status=status)
