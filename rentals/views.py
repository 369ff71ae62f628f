from collections import Counter
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from bphc.gating import gate, gate_message

from . import catalogue
from .forms import ProjectFilterForm, UnitFilterForm
from .models import Plan, Project, building_label

# Open plans first: that is what a family comes for.
STATE_ORDER = {Plan.State.OPEN: 0, Plan.State.UPCOMING: 1, Plan.State.CLOSED: 2}
# The text either side of a 套型 row in rentals/project.html's table, as the loop it replaced laid it out.
OFFER_LOOP = ("\n        ", "\n        ")


@require_safe
def plans(request: HttpRequest) -> HttpResponse:
    """计划列表: every published plan with its projects' names; anyone may look."""
    now = timezone.now()
    rows = Plan.published_list()
    names = catalogue.project_names(rows)
    for plan in rows:
        plan.listed_projects = names[plan.pk]
    rows.sort(key=lambda plan: STATE_ORDER[plan.state(now)])
    return render(request, "rentals/plans.html", {"plans": rows, "now": now, "gate": gate_message(request)})


@require_safe
def projects(request: HttpRequest, plan_id: int) -> HttpResponse:
    """项目列表 of one plan, filtered by 区域 and 户型; verified families only."""
    if (plan := Plan.published_one(plan_id)) is None:
        raise Http404
    if (refusal := gate(request)) is not None:
        return refusal
    rows, free = catalogue.plan_projects(plan)  # the same for every family, the taken units counted afresh
    form = ProjectFilterForm(request.GET or None, districts=[p.district for p in rows],
                             unit_types=[o.unit_type for p in rows for o in p.offers.all()])
    chosen = form.chosen()
    shown = [p for p in rows if _matches(p, **chosen)]
    query = urlencode(chosen)
    context = {"plan": plan, "projects": shown,
               "cards": [catalogue.project_card(p, query, free.get(p.pk, "")) for p in shown], "total": len(rows),
               "form": form, "query": query,
               "unit_types": {o.unit_type for p in rows for o in p.offers.all()}}
    return render(request, "rentals/projects.html", context, status=400 if form.errors else 200)


@require_safe
def project(request: HttpRequest, project_id: int) -> HttpResponse:
    """详情页: the project, its 套型 and, for a real-time plan, its units one building at a time."""
    if (project := Project.published_with_plan(project_id, with_taken=True)) is None:
        raise Http404
    if (refusal := gate(request)) is not None:
        return refusal
    entry, taken = catalogue.project_catalogue(project)
    offer_types = [unit_type for unit_type, _ in entry["offers"]]
    now = timezone.now()
    context = {"project": project, "plan": project.plan, "now": now, "state": project.plan.state(now),
               "offer_types": offer_types,
               "back_query": urlencode({k: v for k, v in request.GET.items() if k in ("district", "unit_type")})}
    status = 200
    if project.plan.is_realtime:
        context.update(_units_context(request, project, offer_types, entry, taken))
        status = 400 if context["form"].errors else 200
    else:  # no units: the 套型 rows as drawn, without a 可选 column
        context["offer_table"] = _as_loop([row for _, row in entry["offers"]], *OFFER_LOOP)
    return render(request, "rentals/project.html", context, status=status)


def _units_context(request: HttpRequest, project: Project, offer_types: list[str], entry: dict, taken: list) -> dict:
    """The 套型 rows and building tabs with what is free of each, and the chosen building's rows,
    each free or taken as it is now."""
    totals = entry["totals"]
    free = {name: n for name, n, _ in entry["tabs"]}
    for _, name, _ in taken:
        if name in free:  # else a unit added since the catalogue was read
            free[name] -= 1
    taken_types = Counter(unit_type for _, _, unit_type in taken)
    free_of_type = Counter()
    for (_, unit_type), n in totals.items():
        free_of_type[unit_type] += n
    offer_rows = [catalogue.fill(row, free=free_of_type[unit_type] - taken_types[unit_type])
                  for unit_type, row in entry["offers"]]
    form = UnitFilterForm(request.GET or None, unit_types=offer_types, buildings=list(free))
    chosen = form.chosen()
    building = chosen.pop("building", None) or next(iter(free), None)
    unit_type, free_only = chosen.get("unit_type"), chosen.get("free")
    taken_ids = {pk for pk, _, _ in taken}
    rows = catalogue.building_rows(project, building, plan_open=project.plan.is_open()) if building else []
    unit_rows = [taken_row if pk in taken_ids else free_row for pk, row_type, free_row, taken_row in rows
                 if (not unit_type or row_type == unit_type) and not (free_only and pk in taken_ids)]
    keep_query = urlencode({k: v for k, v in request.GET.items() if k in ("district", "unit_type", "free") and v})
    tabs = catalogue.building_tabs(entry["tabs"], free=free, current=building, keep_query=keep_query)
    return {"form": form, "buildings": list(free), "district": request.GET.get("district", ""),
            "tab_strip": _as_loop(tabs, "\n      ", "\n    "),
            "offer_table": _as_loop(offer_rows, *OFFER_LOOP),
            "building": building, "building_label": building_label(building or ""),
            "unit_rows": unit_rows, "unit_table": _as_loop(unit_rows, "\n        ", "\n        ")}


def _as_loop(fragments: list[str], before: str, after: str) -> SafeString:
    """Drawn fragments laid out as a template loop around them did (`before` and `after` are
    the loop body's text on either side): one join instead of a loop's step per fragment."""
    return mark_safe("".join(f"{before}{fragment}{after}" for fragment in fragments))  # noqa: S308 - drawn, escaped


def _matches(project: Project, district: str = "", unit_type: str = "") -> bool:
    if district and project.district != district:
        return False
    return not unit_type or any(o.unit_type == unit_type for o in project.offers.all())
