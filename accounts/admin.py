from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.html import format_html, format_html_join

from bphc.masking import mask_phone
from bphc.staff_search import FamilySearchAdmin, FamilySearchFilter, Term

from . import admin_views
from .forms import PhoneField
from .models import AuditLog, User


class UserCreationForm(BaseUserCreationForm):
    phone = PhoneField()

    class Meta:
        model = User
        fields = ("phone", "name")


class FamilyFilter(FamilySearchFilter):
    # Through the `filing` reverse relation by name only, so accounts imports nothing of filings.
    def match(self, term: Term) -> Q:
        return {
            "id": Q(id_digest=term.value) | Q(filing__id_digest=term.value),
            "phone": Q(phone=term.value) | Q(filing__phone=term.value),
            "filing_no": Q(filing__filing_no=term.value),
        }[term.kind]


@admin.register(User)
class UserAdmin(FamilySearchAdmin, BaseUserAdmin):
    family_filter = FamilyFilter
    add_form = UserCreationForm
    list_display = ("masked_phone_display", "name", "masked_id_display", "is_staff", "date_joined")
    list_filter = ("is_staff", "is_active", "groups")
    # Not the phone: a partial phone by GET would be an oracle for the masked one and land in
    # access logs; whole phones, ID numbers and filing numbers go through the family search.
    search_fields = ("name",)
    search_help_text = "按姓名查找；按手机号、身份证号或备案编号请用上方的“查找家庭”。"
    ordering = ("-date_joined",)
    readonly_fields = ("date_joined", "last_login", "masked_id_display")
    fieldsets = (
        (None, {"fields": ("phone", "password"),
                "description": "修改手机号请用本页右上角的“现场修改手机号”：核对新手机号，并留审计记录。"}),
        ("个人信息", {"fields": ("name", "masked_id_display")}),
        ("权限", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("时间", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("phone", "name", "password1", "password2")}),)

    @admin.display(description="手机号", ordering="phone")
    def masked_phone_display(self, obj: User) -> str:
        return mask_phone(obj.phone)

    @admin.display(description="身份证号")
    def masked_id_display(self, obj: User) -> str:
        return obj.masked_id_number or "—"

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> tuple:
        if obj is None or self.has_change_permission(request, obj):
            return super().get_fieldsets(request, obj)
        # Clerks and auditors look accounts up; they need neither the whole phone (the
        # family is at the counter with it) nor the password row, whose reset link would
        # only lead them to a refusal.
        return (
            (None, {"fields": ("masked_phone_display",)}),
            *self.fieldsets[1:],
        )

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> tuple:
        # An account's phone changes only through user_change_phone (现场修改手机号): its
        # check of the new phone, its audit row and its notice to the old one.
        phone = ("phone",) if obj is not None else ()
        return (*super().get_readonly_fields(request, obj), "masked_phone_display", *phone)

    def get_urls(self) -> list:
        return [
            path("<int:pk>/phone/", self.admin_site.admin_view(admin_views.phone_onsite),
                 name="accounts_user_phone_onsite"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}),
                         "can_change_phone_onsite": request.user.has_perm("accounts.change_phone_onsite")}
        return super().change_view(request, object_id, form_url, extra_context)


# The details' keys as an auditor reads them; an unknown key shows as it is.
DETAIL_LABELS = {
    "rows": "行数", "format": "格式", "file": "文件", "full_id": "完整身份证号", "old": "原值", "new": "新值",
    "id_checked": "已核验身份证原件", "matches": "身份证号一致", "page": "页面", "by": "查找方式", "term": "查找内容",
    "os_user": "操作系统用户", "command": "命令", "encoding": "编码",
}
REASON_CHARS = 40


def _detail_value(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "；".join(f"{DETAIL_LABELS.get(k, k)}：{_detail_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_detail_value(v) for v in value)
    return str(value)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_label", "action", "target_repr", "reason_short")
    # actor_label rather than the actor FK: it also names the operators' command-line runs.
    list_filter = ("action", "actor_label", "created_at")
    search_fields = ("actor_label", "action", "target_repr", "target_id", "reason")
    date_hierarchy = "created_at"
    fields = ("created_at", "actor", "actor_label", "action", "target_type", "target_id", "target_repr", "reason",
              "details_display")
    readonly_fields = fields

    @admin.display(description="原因")
    def reason_short(self, obj: AuditLog) -> str:
        # The whole reason is on the row's page and in the cell's tooltip.
        if len(obj.reason) <= REASON_CHARS:
            return obj.reason
        return format_html('<span title="{}">{}…</span>', obj.reason, obj.reason[:REASON_CHARS])

    @admin.display(description="详情")
    def details_display(self, obj: AuditLog) -> str:
        if not obj.details:
            return "—"
        return format_html_join(
            "", "<div><strong>{}</strong>：{}</div>",
            ((DETAIL_LABELS.get(k, k), _detail_value(v)) for k, v in obj.details.items()),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False
