from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from bphc.gating import family_filing
from bphc.masking import mask_phone
from rentals.models import Plan

from .models import PlanReminder
from .reminders import may_subscribe


@require_POST
@login_required
def plan_reminder(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Tick or untick 开放登记时短信提醒我 for a plan that has not opened yet."""
    plan = get_object_or_404(Plan.objects.published(), pk=plan_id)
    back = redirect("rentals:projects", plan.pk)
    wanted = request.POST.get("remind") == "on"
    if not wanted:
        PlanReminder.objects.filter(plan=plan, user=request.user, notified_at__isnull=True).delete()
        messages.success(request, "已取消开放登记短信提醒。")
        return back
    if not may_subscribe(family_filing(request), plan):
        messages.error(request, "只能为尚未开放、且您符合登记条件的计划订阅开放登记提醒。")
        return back
    PlanReminder.objects.get_or_create(plan=plan, user=request.user)
    messages.success(request, f"已订阅：“{plan.name}”开放登记时，将短信提醒您（{mask_phone(request.user.phone)}）。")
    return back
