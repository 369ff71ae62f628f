"""The public 公示 of a plan's order, and the files anyone can check it with."""

from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from registrations.models import Registration
from rentals.models import Plan
from rentals.vocab import UNIT_TYPE_ORDER

from . import draw as rules
from .masking import mask_filing_no, mask_name
from .models import Draw, Freeze

VERIFY_SCRIPT = Path(settings.BASE_DIR) / "tools" / "verify_draw.py"


def _get_public_plan(code: str) -> Plan:
    """A published plan whose list has been frozen; 404 for anything else."""
    return get_object_or_404(Plan.objects.published().filter(frozen_at__isnull=False), code=code)


def _realtime(request: HttpRequest, code: str) -> HttpResponse | None:
    """A closed real-time plan's 公示: the claim is the allocation, so it lists the claimed units."""
    plan = Plan.objects.published().filter(code=code, mode=Plan.Mode.REALTIME).first()
    if plan is None:
        return None
    if plan.state() != Plan.State.CLOSED:
        raise Http404
    rows = (Registration.objects.active().filter(plan=plan).select_related("project", "unit", "filing")
            .order_by("project__code", "unit__building", "unit__entrance", "unit__floor", "unit__room"))
    projects: dict = {}
    for r in rows:
        masked = (mask_name(r.filing.applicant_name), mask_filing_no(r.filing.filing_no))
        projects.setdefault(r.project, []).append((r.unit.label, r.unit_type, r.number, *masked))
    return render(request, "results/public_realtime.html", {"plan": plan, "projects": projects.items()})


def _shown_draws(plan: Plan) -> list[Draw]:
    return list(Draw.objects.filter(plan=plan, published_at__isnull=False).order_by("drawn_at", "id"))


def _groups(draw: Draw) -> list[dict]:
    positions = draw.positions.select_related("registration__filing", "project").order_by(
        "project__code", "unit_type", "number")
    groups: dict = {}
    for p in positions:
        group = groups.setdefault((p.project.code, p.unit_type), {
            "project": p.project, "unit_type": p.unit_type, "size": p.group_size, "offers": p.offer_count, "rows": []})
        filing = p.registration.filing
        group["rows"].append((p.number, p.registration.number, mask_name(filing.applicant_name),
                              mask_filing_no(filing.filing_no)))
    return sorted(groups.values(), key=lambda g: (g["project"].code, UNIT_TYPE_ORDER.get(g["unit_type"], 99)))


@require_safe
def public(request: HttpRequest, code: str) -> HttpResponse:
    """公示: the order, the files and how to check them; no sign-in."""
    if (realtime := _realtime(request, code)) is not None:
        return realtime
    plan = _get_public_plan(code)
    freeze = get_object_or_404(Freeze, plan=plan)
    draws = _shown_draws(plan)
    current = draws[-1] if draws else None
    return render(request, "results/public.html", {
        "plan": plan, "freeze": freeze, "draw": current, "earlier": draws[:-1],
        "groups": _groups(current) if current else [],
    })


@require_safe
def list_file(request: HttpRequest, code: str) -> HttpResponse:
    freeze = get_object_or_404(Freeze, plan=_get_public_plan(code))
    return _download(freeze.list_text.encode("utf-8"), f"{code}-名单.csv", "text/csv; charset=utf-8")


@require_safe
def order_file(request: HttpRequest, code: str, draw_id: int) -> HttpResponse:
    draw = get_object_or_404(Draw, pk=draw_id, plan=_get_public_plan(code), published_at__isnull=False)
    groups = rules.order(rules.parse_list(draw.freeze.list_text), lottery=draw.lottery, seed=draw.seed,
                         public_value=draw.public_value)
    return _download(rules.order_text(groups).encode("utf-8"), f"{code}-顺序.csv", "text/csv; charset=utf-8")


@require_safe
def draw_file(request: HttpRequest, code: str, draw_id: int) -> HttpResponse:
    """The commitment, the seed and the public value, one per line, as the page shows them."""
    plan = _get_public_plan(code)
    draw = get_object_or_404(Draw, pk=draw_id, plan=plan, published_at__isnull=False)
    text = (f"plan={plan.code}\nlist_sha256={draw.freeze.list_sha256}\nseed_commitment={plan.seed_commitment}\n"
            f"public_value_name={plan.public_value_name}\nseed={draw.seed}\npublic_value={draw.public_value}\n")
    return _download(text.encode("utf-8"), f"{code}-摇号参数.txt", "text/plain; charset=utf-8")


@require_safe
def verify_script(request: HttpRequest, code: str) -> HttpResponse:
    _get_public_plan(code)
    return _download(VERIFY_SCRIPT.read_bytes(), "verify_draw.py", "text/x-python; charset=utf-8")


def _download(body: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
