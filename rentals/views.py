import re
from urllib.parse import urlencode

from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from bphc.gating import gate, gate_message

from .forms import ProjectFilterForm, UnitFilterForm
from .models import Plan, Project, building_label

# Open plans first: that is what a family comes for.
STATE_ORDER = {Plan.State.OPEN: 0, Plan.State.UPCOMING: 1, Plan.State.CLOSED: 2}


@require_safe
def plans(request: HttpRequest) -> HttpResponse:
    """计划列表: every published plan with its projects' names; anyone may look."""
    now = timezone.now()
    names = Project.objects.only("id", "plan_id", "name", "code")
    rows = list(Plan.objects.published().prefetch_related(Prefetch("projects", queryset=names)))
    rows.sort(key=lambda plan: STATE_ORDER[plan.state(now)])
    return render(request, "rentals/plans.html", {"plans": rows, "now": now, "gate": gate_message(request)})


@require_safe
def projects(request: HttpRequest, plan_id: int) -> HttpResponse:
    """项目列表 of one plan, filtered by 区域 and 户型; verified families only."""
    plan = get_object_or_404(Plan.objects.published(), pk=plan_id)
    if (refusal := gate(request)) is not None:
        return refusal
    rows = list(plan.projects.with_unit_counts().prefetch_related("offers"))
    form = ProjectFilterForm(request.GET or None, districts=[p.district for p in rows],
                             unit_types=[o.unit_type for p in rows for o in p.offers.all()])
    chosen = form.chosen()
    shown = [p for p in rows if _matches(p, **chosen)]
    context = {"plan": plan, "projects": shown, "total": len(rows), "form": form,
               "query": urlencode(chosen), "unit_types": {o.unit_type for p in rows for o in p.offers.all()}}
    return render(request, "rentals/projects.html", context, status=400 if form.errors else 200)


@require_safe
def project(request: HttpRequest, project_id: int) -> HttpResponse:
    """详情页: the project, its 套型 and, for a real-time plan, its units one building at a time."""
    project = get_object_or_404(Project.objects.published().select_related("plan"), pk=project_id)
    if (refusal := gate(request)) is not None:
        return refusal
    offers = project.offer_list()
    context = {"project": project, "plan": project.plan, "offers": offers, "now": timezone.now(),
               "offer_types": [o.unit_type for o in offers],
               "back_query": urlencode({k: v for k, v in request.GET.items() if k in ("district", "unit_type")})}
    status = 200
    if project.plan.is_realtime:
        context.update(_units_context(request, project, offers))
        status = 400 if context["form"].errors else 200
    return render(request, "rentals/project.html", context, status=status)


def _units_context(request: HttpRequest, project: Project, offers: list) -> dict:
    """The building tabs with their counts, and the chosen building's units."""
    counts = list(project.units.order_by().values("building", "unit_type").annotate(
        total=Count("pk"), free=Count("pk", filter=Q(taken=False))))
    buildings: dict[str, dict] = {}
    for row in sorted(counts, key=lambda r: natural_key(r["building"])):
        name = row["building"]
        tab = buildings.setdefault(name, {"name": name, "label": building_label(name), "total": 0, "free": 0})
        tab["total"] += row["total"]
        tab["free"] += row["free"]
    for offer in offers:
        offer.free = sum(r["free"] for r in counts if r["unit_type"] == offer.unit_type)
    form = UnitFilterForm(request.GET or None, unit_types=[o.unit_type for o in offers], buildings=list(buildings))
    chosen = form.chosen()
    building = chosen.pop("building", None) or next(iter(buildings), None)
    # Sorted below in Python; the model's ordering would join rentals_project to sort by it.
    units = project.units.filter(building=building).order_by()
    if chosen.get("unit_type"):
        units = units.filter(unit_type=chosen["unit_type"])
    if chosen.get("free"):
        units = units.filter(taken=False)
    units = sorted(units, key=lambda u: (natural_key(u.entrance), u.floor, natural_key(u.room)))
    keep = {k: v for k, v in request.GET.items() if k in ("district", "unit_type", "free") and v}
    return {"form": form, "buildings": list(buildings.values()), "building": building,
            "building_label": building_label(building or ""), "units": units, "keep_query": urlencode(keep)}


def _matches(project: Project, district: str = "", unit_type: str = "") -> bool:
    if district and project.district != district:
        return False
    return not unit_type or any(o.unit_type == unit_type for o in project.offers.all())


def natural_key(text: str) -> tuple:
    """'2' before '10', so 楼号 and 房号 sort as people count."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part)
