"""排序与公示 in the admin: one page per plan with its three steps, each audited (results.services)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from rentals.models import Plan

from .models import Draw, ResultPlan
from .services import ResultsRefused, draw_run, plan_freeze, results_publish


class DrawForm(forms.Form):
    seed = forms.CharField(label="种子", max_length=200, help_text="公证处当场提供的种子（只在摇号计划中需要）。")
    public_value = forms.CharField(label="公开值", max_length=500, help_text="如当期开奖号码，按公告所写的名称取值。")


@admin.register(ResultPlan)
class ResultPlanAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "ordering", "closes_at", "step")
    list_filter = ("ordering",)
    search_fields = ("code", "name")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(mode=Plan.Mode.QUICK).select_related("freeze")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="进度")
    def step(self, obj: Plan) -> str:
        if not obj.is_frozen:
            return "未冻结"
        draw = Draw.objects.current().filter(plan=obj).first()
        if draw is None:
            return "已冻结，待排序"
        return "已公示" if draw.is_published else "已排序，待公示"

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/freeze/", wrap(self.freeze_view), name="results_resultplan_freeze"),
            path("<int:pk>/draw/", wrap(self.draw_view), name="results_resultplan_draw"),
            path("<int:pk>/publish/", wrap(self.publish_view), name="results_resultplan_publish"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self._page(request, get_object_or_404(self.get_queryset(request), pk=object_id))

    def _page(self, request: HttpRequest, plan: Plan, form: DrawForm | None = None, status: int = 200) -> HttpResponse:
        draws = list(Draw.objects.filter(plan=plan).order_by("drawn_at", "id"))
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": f"排序与公示：{plan.name}",
            "plan": plan, "freeze": getattr(plan, "freeze", None), "draws": draws,
            "current": next((d for d in draws if not hasattr(d, "correction")), None),
            "form": form or DrawForm(), "now_closed": plan.state() == Plan.State.CLOSED,
            "may": {p: request.user.has_perm(f"results.{p}") for p in ("freeze_plan", "draw_plan", "publish_results")},
        }
        return TemplateResponse(request, "admin/results/resultplan/manage.html", context, status=status)

    def _step(self, request: HttpRequest, pk: int, permission: str) -> Plan:
        if not request.user.has_perm(f"results.{permission}"):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def _back(self, plan: Plan) -> HttpResponse:
        return redirect(reverse("admin:results_resultplan_change", args=[plan.pk]))

    @staticmethod
    def _refused(request: HttpRequest, exc: ResultsRefused) -> None:
        messages.error(request, str(exc))

    @method_decorator(require_POST)
    def freeze_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = self._step(request, pk, "freeze_plan")
        try:
            freeze = plan_freeze(plan=plan, actor=request.user)
        except ResultsRefused as exc:
            self._refused(request, exc)
        else:
            messages.success(request, f"已冻结名单：{freeze.count} 户，名单文件 SHA-256 {freeze.list_sha256}。")
        return self._back(plan)

    @method_decorator(require_POST)
    def draw_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = self._step(request, pk, "draw_plan")
        form = DrawForm(request.POST) if plan.is_lottery else None
        if form is not None and not form.is_valid():
            return self._page(request, plan, form, status=400)
        data = form.cleaned_data if form is not None else {}
        try:
            draw = draw_run(plan=plan, seed=data.get("seed", ""), public_value=data.get("public_value", ""),
                            actor=request.user)
        except ResultsRefused as exc:
            self._refused(request, exc)
        else:
            messages.success(request, f"已排序：{draw.positions.count()} 户获得顺序号。核对无误后请发布公示。")
        return self._back(plan)

    @method_decorator(require_POST)
    def publish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = self._step(request, pk, "publish_results")
        try:
            results_publish(plan=plan, actor=request.user)
        except ResultsRefused as exc:
            self._refused(request, exc)
        else:
            messages.success(request, "已发布公示，并已短信通知各登记家庭。")
        return self._back(plan)
