"""Registrations in the admin: a read-only list and page; the clerks' and plan managers'
pages are function views in admin_views.py, wired in here."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.html import format_html

from bphc.staff_search import FamilySearchAdmin, FamilySearchFilter
from notifications.admin import NotificationInline

from . import admin_views as views
from .models import Registration


class FamilyFilter(FamilySearchFilter):
    filing_path = "filing__"


@admin.register(Registration)
class RegistrationAdmin(FamilySearchAdmin, admin.ModelAdmin):
    family_filter = FamilyFilter
    change_list_template = "admin/registrations/registration/change_list.html"
    list_display = ("number", "applicant", "masked_id", "what_display", "status", "channel_display", "created_at")
    list_filter = ("status", "channel", "plan")
    search_fields = ("number", "filing__filing_no", "filing__applicant_name")
    search_help_text = "按登记编号、备案编号或申请人姓名查找；按身份证号或手机号请用上方的“查找家庭”。"
    list_select_related = ("plan", "project", "unit", "filing", "clerk")
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False  # the count over an opening rush's rows on every page view is wasted work
    inlines = [NotificationInline]
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

    class Media:
        css = {"all": ["css/admin_dashboard.css"]}

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

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("assist/", wrap(views.assist_lookup), name="registrations_assist"),
            path("assist/choose/", wrap(views.assist_choose), name="registrations_assist_choose"),
            path("assist/confirm/", wrap(views.assist_confirm), name="registrations_assist_confirm"),
            path("<int:pk>/cancel/", wrap(views.cancel_on_behalf), name="registrations_cancel_on_behalf"),
            path("<int:pk>/receipt.pdf", wrap(views.receipt_pdf), name="registrations_receipt"),
            path("dashboard/", wrap(views.dashboard_index), name="registrations_dashboards"),
            path("dashboard/<int:plan_id>/", wrap(views.dashboard), name="registrations_dashboard"),
            path("dashboard/<int:plan_id>/export.xlsx", wrap(views.export), name="registrations_export"),
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
