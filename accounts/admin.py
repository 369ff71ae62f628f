from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from bphc.masking import mask_phone
from notifications.models import Notification
from notifications.services import notification_enqueue

from .audit import audit_record
from .forms import PhoneField
from .models import AuditLog, User

PHONE_IN_USE = "该手机号已绑定其他账号，不能使用。"


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("phone", "name")


class OnsitePhoneForm(forms.Form):
    """A clerk's change of an account's phone at the counter, after checking the ID card."""

    phone = PhoneField(label="新手机号", error_messages={"required": "请输入新手机号。"})
    id_checked = forms.BooleanField(
        label="已核验身份证原件",
        error_messages={"required": "请先核验本人身份证原件，并勾选“已核验身份证原件”。"},
    )
    reason = forms.CharField(
        label="修改原因", max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写修改原因。"},
        help_text="将记入审计日志，例如：本人到窗口办理，原手机号已停用。",
    )

    def __init__(self, *args, account: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account = account

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if phone == self.account.phone:
            raise forms.ValidationError("新手机号与原手机号相同。")
        if User.objects.filter(phone=phone).exclude(pk=self.account.pk).exists():
            raise forms.ValidationError(PHONE_IN_USE)
        return phone


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

    def get_urls(self) -> list:
        return [
            path("<int:pk>/phone/", self.admin_site.admin_view(self.phone_onsite_view),
                 name="accounts_user_phone_onsite"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}),
                         "can_change_phone_onsite": request.user.has_perm("accounts.change_phone_onsite")}
        return super().change_view(request, object_id, form_url, extra_context)

    def phone_onsite_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """现场修改手机号: the clerk checked the ID card; the old phone is told; audited."""
        if not request.user.has_perm("accounts.change_phone_onsite"):
            raise PermissionDenied
        account = get_object_or_404(User, pk=pk)
        change_url = reverse("admin:accounts_user_change", args=[account.pk])
        # The phone is the login: changing a staff account's would hand its SMS login, and
        # so its permissions, to whoever holds the new phone.
        if (account.is_staff or account.is_superuser) and not request.user.is_superuser:
            messages.error(request, "工作人员账号的手机号只能由系统管理员修改。")
            return redirect(change_url)
        form = OnsitePhoneForm(request.POST or None, account=account)
        if request.method == "POST" and form.is_valid():
            old_phone, new_phone = account.phone, form.cleaned_data["phone"]
            try:
                with transaction.atomic():
                    User.objects.filter(pk=account.pk).update(phone=new_phone)
                    account.phone = new_phone
                    audit_record(
                        actor=request.user, action="现场修改手机号", target=account,
                        reason=form.cleaned_data["reason"],
                        details={"old": mask_phone(old_phone), "new": mask_phone(new_phone), "id_checked": True},
                    )
                    notification_enqueue(phone=old_phone, purpose=Notification.Purpose.PHONE_CHANGED, about=account,
                                         params={"when": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
                                                 "new_phone": mask_phone(new_phone)})
            except IntegrityError:
                # Another account took the phone between the check and the write.
                form.add_error("phone", PHONE_IN_USE)
            else:
                messages.success(request, f"已将该账号的手机号由 {mask_phone(old_phone)} 改为 {mask_phone(new_phone)}，"
                                          "并已短信通知原手机号。")
                return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta, "title": "现场修改手机号", "account": account, "form": form,
        }
        return TemplateResponse(request, "admin/accounts/user/phone_onsite.html", context,
                                status=400 if form.errors else 200)


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
