from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from .models import Filing
from .services import filing_clear_lock, filing_unbind


class UnbindForm(forms.Form):
    reason = forms.CharField(
        label="解除原因", max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写解除绑定的原因。"},
        help_text="将记入审计日志，例如：家庭到现场出示身份证件，原账号手机号已停用。",
    )


@admin.register(Filing)
class FilingAdmin(admin.ModelAdmin):
    list_display = (
        "filing_no", "applicant_name", "masked_id_display", "district", "family_size", "category",
        "unit_types_text", "status", "valid_until", "account", "verify_locked_display",
    )
    list_filter = ("district", "category", "status")
    search_fields = ("filing_no", "applicant_name")
    list_select_related = ("account",)
    list_per_page = 50
    show_full_result_count = False  # a count over 100,000 rows on every page view is wasted work
    actions = ["unbind", "clear_verify_lock"]
    fields = (
        "filing_no", "applicant_name", "masked_id_display", "phone", "district", "family_size", "category",
        "unit_types_text", "status", "valid_until", "account", "bound_at", "verify_failures",
        "verify_locked_at", "created_at", "updated_at",
    )
    readonly_fields = fields

    @admin.display(description="身份证号")
    def masked_id_display(self, obj: Filing) -> str:
        return obj.masked_id_number

    @admin.display(description="认证锁定", boolean=True)
    def verify_locked_display(self, obj: Filing) -> bool:
        return obj.verify_locked

    @admin.display(description="可选套型")
    def unit_types_text(self, obj: Filing) -> str:
        return obj.unit_types_text

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Filings come only from the authority's files (`import_filings`).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Filing | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Filing | None = None) -> bool:
        # The change permission guards the unbind action; a single filing's page stays read-only.
        return obj is None and super().has_change_permission(request)

    def has_clear_verify_lock_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("filings.clear_verify_lock")

    @admin.action(description="清除验证锁定", permissions=["clear_verify_lock"])
    def clear_verify_lock(self, request: HttpRequest, queryset: QuerySet) -> None:
        # The clerk has the family's ID card and filing notice in hand before choosing this.
        cleared = sum(filing_clear_lock(filing=filing, actor=request.user) for filing in queryset)
        self.message_user(request, f"已清除 {cleared} 个备案的验证锁定，家庭可重新认证。", messages.SUCCESS)
        if skipped := queryset.count() - cleared:
            self.message_user(request, f"{skipped} 个备案未被锁定，未做改动。", messages.WARNING)

    @admin.action(description="解除绑定", permissions=["change"])
    def unbind(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = UnbindForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            freed = sum(
                filing_unbind(filing=filing, actor=request.user, reason=form.cleaned_data["reason"])
                for filing in queryset.select_related("account")
            )
            skipped = queryset.count() - freed
            self.message_user(request, f"已解除 {freed} 个备案的绑定。", messages.SUCCESS)
            if skipped:
                self.message_user(request, f"{skipped} 个备案本来就未绑定账号，未做改动。", messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "解除备案绑定",
            "opts": self.model._meta,
            "form": form,
            "filings": queryset.select_related("account"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "filings/admin_unbind.html", context)
