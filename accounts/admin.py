from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.http import HttpRequest, HttpResponse
from django.urls import path

from bphc.masking import mask_phone

from . import admin_views
from .models import AuditLog, User


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("phone", "name")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreationForm
    list_display = ("masked_phone_display", "name", "masked_id_display", "is_staff", "date_joined")
    list_filter = ("is_staff", "is_active", "groups")
    search_fields = ("phone", "name")
    ordering = ("-date_joined",)
    readonly_fields = ("date_joined", "last_login", "masked_id_display")
    fieldsets = (
        (None, {"fields": ("phone", "password")}),
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
        return (*super().get_readonly_fields(request, obj), "masked_phone_display")

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


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_label", "action", "target_repr", "reason")
    # actor_label rather than the actor FK: it also names the operators' command-line runs.
    list_filter = ("action", "actor_label", "created_at")
    search_fields = ("actor_label", "action", "target_repr", "target_id", "reason")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False
