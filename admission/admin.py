"""Operators see each room live and change its rate or pause it; every change is audited."""

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest

from accounts.audit import audit_record

from . import store
from .models import Room

AUDITED = ("enabled", "per_minute", "opens_minutes_before", "paused")


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("plan", "enabled", "per_minute", "paused", "waiting", "admitted", "measured_rate")
    list_select_related = ("plan",)
    fields = ("plan", "enabled", "per_minute", "paused", "opens_minutes_before", "commitment", "live_figures")
    readonly_fields = ("commitment", "live_figures")

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return (*self.readonly_fields, "plan") if obj is not None else self.readonly_fields

    def changelist_view(self, request: HttpRequest, extra_context=None):
        # A live view: the list refreshes itself (admin/admission/room/change_list.html).
        return super().changelist_view(request, {**(extra_context or {}), "refresh_seconds": 10})

    def _live(self, room: Room) -> dict | None:
        try:
            return store.live(room.store_config())
        except store.StoreDown:
            return None

    @admin.display(description="等候")
    def waiting(self, room: Room) -> str:
        live = self._live(room)
        return "排队系统不可用" if live is None else str(live["waiting"])

    @admin.display(description="已放行")
    def admitted(self, room: Room) -> str:
        live = self._live(room)
        return "—" if live is None else f"{live['admitted']}（已领通行 {live['passes']}）"

    @admin.display(description="实测放行（户/分钟）")
    def measured_rate(self, room: Room) -> str:
        live = self._live(room)
        return "—" if live is None or live["measured"] is None else f"{live['measured']:.0f}"

    @admin.display(description="实况")
    def live_figures(self, room: Room) -> str:
        live = self._live(room) if room.pk else None
        if live is None:
            return "—"
        return (f"共 {live['total']} 户，已放行 {live['admitted']}，等候 {live['waiting']}，"
                f"设定 {live['rate']} 户/分钟{'（暂停）' if live['paused'] else ''}")

    def save_model(self, request: HttpRequest, obj: Room, form, change: bool) -> None:
        # Before → after, for each setting that changed.
        # (A field with a callable default counts as changed when the form's hidden initial is
        # missing; only a real difference is recorded.)
        changed = {name: [form.initial.get(name), form.cleaned_data.get(name)] for name in AUDITED
                   if name in form.changed_data and form.initial.get(name) != form.cleaned_data.get(name)}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if changed or not change:
                audit_record(actor=request.user, action="修改排队设置", target=obj.plan, details=changed)
        try:
            obj.publish()
        except store.StoreDown:
            messages.warning(request, "设置已保存，但排队系统暂时不可用：恢复后家庭进入排队时生效。")
