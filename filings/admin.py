from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.decorators import permission_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.forms import IdCheckedField, PhoneField, ReasonField
from bphc.staff_search import FamilySearchAdmin, FamilySearchFilter

from .models import Filing
from .services import filing_change_phone, filing_clear_lock, filing_unbind

# Which phone is used for what, said the same way on every page that shows both.
PHONE_USES = ("已绑定账号时，登录、登记通知、取消登记和现场协助确认的短信都发到账号手机号；"
              "备案手机号只在未绑定账号时用于现场协助确认和登记通知。")


class UnbindForm(forms.Form):
    reason = ReasonField(label="解除原因", required_message="请填写解除绑定的原因。",
                         example="家庭到现场出示身份证件，原账号手机号已停用。")


class FilingPhoneForm(forms.Form):
    phone = PhoneField(label="备案手机号（留空为无手机号）", required=False)
    id_checked = IdCheckedField()
    reason = ReasonField(label="更正原因", example="本人到窗口办理，备案登记的手机号已停用。")

    def __init__(self, *args, filing: Filing, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.filing = filing

    def clean_phone(self) -> str:
        if self.cleaned_data["phone"] == self.filing.phone:
            raise forms.ValidationError("新手机号与备案手机号相同。")
        return self.cleaned_data["phone"]


@permission_required("accounts.change_phone_onsite", raise_exception=True)
def filing_phone_view(request: HttpRequest, pk: int) -> HttpResponse:
    """更正备案手机号 at the counter, after checking the ID card; audited."""
    filing = get_object_or_404(Filing.objects.select_related("account"), pk=pk)
    change_url = reverse("admin:filings_filing_change", args=[filing.pk])
    form = FilingPhoneForm(request.POST or None, filing=filing)
    if request.method == "POST" and form.is_valid():
        old = filing.masked_phone or "无"
        filing_change_phone(filing=filing, new_phone=form.cleaned_data["phone"], actor=request.user,
                            reason=form.cleaned_data["reason"])
        messages.success(request, f"已将备案{filing.filing_no}的手机号由 {old} 更正为 {filing.masked_phone or '无'}。")
        return redirect(change_url)
    context = {**admin.site.each_context(request), "opts": Filing._meta, "title": "更正备案手机号",
               "filing": filing, "object": filing, "form": form, "phone_uses": PHONE_USES,
               "back_url": change_url, "submit_label": "确认更正"}
    return TemplateResponse(request, "admin/filings/filing/phone.html", context, status=400 if form.errors else 200)


class FamilyFilter(FamilySearchFilter):
    filing_path = ""


@admin.register(Filing)
class FilingAdmin(FamilySearchAdmin, admin.ModelAdmin):
    family_filter = FamilyFilter
    change_form_template = "admin/filings/filing/change_form.html"
    # Family size, category and unit types share a column, so that at 1280 px the list
    # shows its last columns (status, validity, account) without scrolling sideways.
    list_display = ("filing_no", "applicant_name", "masked_id_display", "family_display", "status_display",
                    "account_display", "verify_locked_display")
    list_filter = ("district", "category", "status")
    search_fields = ("filing_no", "applicant_name")
    search_help_text = "按备案编号或申请人姓名查找；按身份证号或手机号请用上方的“查找家庭”。"
    list_select_related = ("account",)
    list_per_page = 50
    show_full_result_count = False  # a count over 100,000 rows on every page view is wasted work
    actions = ["unbind", "clear_verify_lock"]
    fields = (
        "filing_no", "applicant_name", "masked_id_display", "phone_display", "district", "family_size", "category",
        "unit_types_text", "status", "valid_until", "account_display", "bound_at", "verify_failures",
        "verify_locked_at", "created_at", "updated_at",
    )
    readonly_fields = fields

    class Media:
        css = {"all": ["css/admin_dashboard.css"]}

    @admin.display(description="身份证号")
    def masked_id_display(self, obj: Filing) -> str:
        return obj.masked_id_number

    @admin.display(description="认证锁定", boolean=True)
    def verify_locked_display(self, obj: Filing) -> bool:
        return obj.verify_locked
    # Phones are masked for every role on these pages: the counter confirms a phone with the
    # family in front of it and finds it by the whole number, and no role reads it off the page.
    @admin.display(description="备案手机号")
    def phone_display(self, obj: Filing) -> str:
        return f"{obj.masked_phone or '无'}（{PHONE_USES}）"

    @admin.display(description="绑定账号", ordering="account__phone")
    def account_display(self, obj: Filing) -> str:
        return obj.account.masked_phone if obj.account_id else "未绑定"

    @admin.display(description="备案区 · 人数 · 类别 · 可选套型", ordering="district")
    def family_display(self, obj: Filing) -> str:
        return f"{obj.district} · {obj.family_size}人 · {obj.category} · {obj.unit_types_text or '无'}"

    @admin.display(description="状态（有效期至）", ordering="valid_until")
    def status_display(self, obj: Filing) -> str:
        return f"{obj.get_status_display()}（{obj.valid_until:%Y-%m-%d}）"

    @admin.display(description="可选套型")
    def unit_types_text(self, obj: Filing) -> str:
        return obj.unit_types_text

    def get_urls(self) -> list:
        return [
            path("<int:pk>/phone/", self.admin_site.admin_view(filing_phone_view), name="filings_filing_phone"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}),
                         "can_change_phone": request.user.has_perm("accounts.change_phone_onsite")}
        return super().change_view(request, object_id, form_url, extra_context)

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
