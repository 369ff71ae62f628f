from django.contrib import admin, messages
from django.contrib.contenttypes.admin import GenericTabularInline
from django.db.models import QuerySet
from django.http import HttpRequest

from bphc.masking import mask_phone

from .models import Notification
from .services import notification_resend

FIELDS = ("purpose", "masked_phone", "status", "attempts", "created_at", "sent_at", "provider_message_id", "error")


class _ReadOnly:
    # Notifications change only through delivery and the audited re-send, never by editing.
    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="手机号")
    def masked_phone(self, obj: Notification) -> str:
        return mask_phone(obj.phone)


class NotificationInline(_ReadOnly, GenericTabularInline):
    """The registration page's list of the texts sent about it, and how each fared."""

    model = Notification
    ct_field, ct_fk_field = "about_type", "about_id"
    fields = readonly_fields = FIELDS
    extra = 0
    verbose_name_plural = "短信通知及发送状态"


@admin.register(Notification)
class NotificationAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("created_at", "purpose", "masked_phone", "status", "attempts", "sent_at", "error")
    list_filter = ("status", "purpose")
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False
    fields = readonly_fields = (*FIELDS, "id", "params", "about_type", "about_id", "last_attempt_at",
                                "next_attempt_at")
    actions = ["resend"]

    @admin.action(description="重新发送所选的发送失败短信", permissions=["resend"])
    def resend(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        done = sum(
            notification_resend(notification=n, clerk=request.user, reason="工作人员在后台重新发送")
            for n in queryset.filter(status=Notification.Status.FAILED)
        )
        skipped = queryset.count() - done
        messages.success(request, f"已重新发送 {done} 条短信。")
        if skipped:
            messages.warning(request, f"{skipped} 条不是“发送失败”状态，未重新发送。")

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.resend_notification")
