import re

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.audit import audit_record
from bphc.sheets import formula_problem

from .models import Offer, Plan, Project, Unit
from .vocab import DISTRICTS, split_words


class WordsField(forms.CharField):
    """A JSON list edited as words separated by 、 (as in the spreadsheet)."""

    def prepare_value(self, value) -> str:
        return "、".join(value) if isinstance(value, list) else (value or "")

    def to_python(self, value) -> list[str]:
        return split_words(value)


def _refuse_formula(label: str, name: str) -> str:
    """A name that a spreadsheet would run as a formula when an operator opens an export."""
    if problem := formula_problem(label, name):
        raise forms.ValidationError(problem + "。")
    return name


class PlanForm(forms.ModelForm):
    districts = WordsField(label="限定区域", required=False, help_text="多个区域用“、”分隔；留空表示不限。")
    categories = WordsField(label="限定类别", required=False, help_text="如“优先”；多个用“、”分隔；留空表示不限。")

    class Meta:
        model = Plan
        fields = ("code", "name", "mode", "opens_at", "closes_at", "cancel_deadline", "districts", "categories",
                  "announcement", "notice", "ordering", "seed_commitment", "public_value_name")

    def clean(self) -> dict:
        cleaned = super().clean()
        # The window itself is `Plan.clean`, which the ModelForm runs after this.
        # Families can see a published plan: it must stay publishable.
        if self.instance.is_published and not (cleaned.get("notice") or "").strip():
            self.add_error("notice", "已发布的计划必须有告知书；如需修改，请先取消发布。")
        # The order's rules and the lottery's commitment are promises made to every family.
        if self.instance.is_published:
            for name in ("ordering", "seed_commitment", "public_value_name"):
                if name in self.changed_data:
                    self.add_error(name, "计划发布后不能更改排序方式、种子哈希或公开值名称。")
        return cleaned

    def clean_name(self) -> str:
        return _refuse_formula("计划名称", self.cleaned_data["name"])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Left out, a plan keeps its ordering (a new one gets the default, 按规则排序).
        if "ordering" in self.fields:  # a view-only user's form has no fields
            self.fields["ordering"].required = False

    def clean_ordering(self) -> str:
        return self.cleaned_data.get("ordering") or self.instance.ordering or Plan.Ordering.RULES

    def clean_seed_commitment(self) -> str:
        value = self.cleaned_data["seed_commitment"].strip().lower()
        if value and not re.fullmatch(r"[0-9a-f]{64}", value):
            raise forms.ValidationError("种子哈希应为 64 位十六进制数（SHA-256）。")
        return value

    def clean_districts(self) -> list[str]:
        words = self.cleaned_data["districts"]
        unknown = [w for w in words if w not in DISTRICTS]
        if unknown:
            raise forms.ValidationError("未知区域：" + "、".join(unknown))
        return words


class ProjectForm(forms.ModelForm):
    def clean_name(self) -> str:
        return _refuse_formula("项目名称", self.cleaned_data["name"])


class AuditedAdmin(admin.ModelAdmin):
    """Every clerk or operator write through the admin leaves an audit row in its transaction."""

    def save_model(self, request, obj, form, change) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            verb = "修改" if change else "新增"
            audit_record(actor=request.user, action=f"{verb}{obj._meta.verbose_name}", target=obj,
                         details={"fields": list(form.changed_data)})

    def delete_model(self, request, obj) -> None:
        with transaction.atomic():
            audit_record(actor=request.user, action=f"删除{obj._meta.verbose_name}", target=obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            for obj in queryset:
                audit_record(actor=request.user, action=f"删除{obj._meta.verbose_name}", target=obj)
            super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change) -> None:
        with transaction.atomic():
            super().save_formset(request, form, formset, change)
            for obj in formset.new_objects:
                audit_record(actor=request.user, action=f"新增{obj._meta.verbose_name}", target=obj)
            for obj, fields in formset.changed_objects:
                audit_record(actor=request.user, action=f"修改{obj._meta.verbose_name}", target=obj,
                             details={"fields": list(fields)})
            for obj in formset.deleted_objects:
                audit_record(actor=request.user, action=f"删除{obj._meta.verbose_name}", target=obj)


class ProjectInline(admin.TabularInline):
    model = Project
    form = ProjectForm
    fields = ("code", "name", "district", "address")
    extra = 0
    show_change_link = True


class OfferInline(admin.TabularInline):
    model = Offer
    fields = ("unit_type", "count", "area_min", "area_max", "rent_min", "rent_max")
    extra = 0


@admin.register(Plan)
class PlanAdmin(AuditedAdmin):
    form = PlanForm
    list_display = ("code", "name", "mode", "opens_at", "closes_at", "state_display", "project_count",
                    "is_published")
    list_filter = ("is_published", "mode", "opens_at")
    search_fields = ("code", "name")
    date_hierarchy = "opens_at"
    # Publishing goes through the actions, which check publish_problems() and audit.
    readonly_fields = ("is_published", "published_at", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "name", "mode")}),
        ("登记时间", {"fields": ("opens_at", "closes_at", "cancel_deadline")}),
        ("申请对象限制", {"fields": ("districts", "categories")}),
        ("公告与告知书", {"fields": ("announcement", "notice")}),
        ("排序与摇号", {"fields": ("ordering", "seed_commitment", "public_value_name")}),
        ("发布", {"fields": ("is_published", "published_at", "created_at", "updated_at")}),
    )
    inlines = [ProjectInline]
    actions = ["publish", "unpublish"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(n_projects=Count("projects"))

    @admin.display(description="状态")
    def state_display(self, obj: Plan) -> str:
        return obj.state_label()

    @admin.display(description="项目数", ordering="n_projects")
    def project_count(self, obj: Plan) -> int:
        return obj.n_projects

    @admin.action(description="发布所选配租计划", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        done = []
        for plan in queryset:
            if problems := plan.publish_problems():
                self.message_user(request, f"“{plan.name}”不能发布：" + "；".join(problems), messages.ERROR)
            elif not plan.is_published:
                with transaction.atomic():
                    plan.is_published, plan.published_at = True, timezone.now()
                    plan.save(update_fields=["is_published", "published_at", "updated_at"])
                    audit_record(actor=request.user, action="发布配租计划", target=plan)
                done.append(plan.name)
        if done:
            self.message_user(request, "已发布：" + "、".join(done), messages.SUCCESS)

    @admin.action(description="取消发布所选配租计划", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        done = []
        for plan in queryset.filter(is_published=True):
            with transaction.atomic():
                plan.is_published = False
                plan.save(update_fields=["is_published", "updated_at"])
                audit_record(actor=request.user, action="取消发布配租计划", target=plan)
            done.append(plan.name)
        if done:
            self.message_user(request, "已取消发布：" + "、".join(done), messages.SUCCESS)


@admin.register(Project)
class ProjectAdmin(AuditedAdmin):
    form = ProjectForm
    list_display = ("code", "name", "plan", "district", "offer_summary", "units_link")
    list_filter = ("district", "plan__mode", "plan")
    search_fields = ("code", "name", "address", "plan__code", "plan__name")
    list_select_related = ("plan",)
    autocomplete_fields = ("plan",)
    readonly_fields = ("units_link",)
    inlines = [OfferInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).with_unit_counts().prefetch_related("offers")

    @admin.display(description="套型")
    def offer_summary(self, obj: Project) -> str:
        return "、".join(f"{o.unit_type}{o.count}套" for o in obj.offer_list())

    @admin.display(description="房源")
    def units_link(self, obj: Project) -> str:
        # Units can run to thousands: a filtered changelist, not an inline.
        if obj.pk is None or not getattr(obj, "total_units", 0):
            return "—"
        url = reverse("admin:rentals_unit_changelist") + f"?project__id__exact={obj.pk}"
        return format_html('<a href="{}">{} 套（可选 {} 套）</a>', url, obj.total_units, obj.free_units)


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ("label", "project", "floor", "unit_type", "area", "rent", "orientation", "taken")
    list_filter = ("taken", "unit_type", "project__plan", ("project", admin.RelatedOnlyFieldListFilter))
    search_fields = ("project__code", "project__name", "building", "room")
    list_select_related = ("project",)
    autocomplete_fields = ("project",)
    # Only a registration claims or frees a unit (a conditional UPDATE), never a hand edit.
    readonly_fields = ("taken",)
    list_per_page = 100

    @admin.display(description="房源", ordering="building")
    def label(self, obj: Unit) -> str:
        return obj.label
