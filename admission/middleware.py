"""The waiting room in front of the register pages, which know nothing of it.

GUARDED names each page behind the room and how to find its plan from the URL; it is the
one place to change. Staff (the clerk's assisted registration is in the admin anyway),
strangers and people without a filing pass straight to the page, which answers them itself.
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from bphc.gating import family_filing
from rentals.models import Plan, Project

from . import passes, store
from .models import Room
from .views import unavailable


def _plan_of_project(kwargs: dict) -> Plan | None:
    project = Project.objects.select_related("plan__room").filter(pk=kwargs.get("project_id")).first()
    return project.plan if project is not None else None


GUARDED: dict[str, Callable[[dict], Plan | None]] = {
    "registrations:register": _plan_of_project,
}


class WaitingRoom:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        given = getattr(request, "admission_pass", None)
        if given is not None:
            passes.give(response, **given)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        match = request.resolver_match
        find_plan = GUARDED.get(match.view_name if match else "")
        if find_plan is None:
            return None
        user = request.user
        if not user.is_authenticated or user.is_staff or family_filing(request) is None:
            return None
        plan = find_plan(view_kwargs)
        if plan is None or not plan.is_published:
            return None
        room = getattr(plan, "room", None) or Room.objects.for_plan(plan)
        config, t = room.store_config(), store.now()
        if not config.active(t) or passes.valid(request, user_id=user.pk, plan_id=plan.pk, t=t):
            return None
        try:
            shared = store.config(plan.pk)
            if shared is None or shared.version != config.version:
                room.publish()
            store.join(config, user.pk, masked_phone=user.masked_phone)
            # Nobody waiting and room to spare: straight on, with the pass, no detour.
            if store.status(config, user.pk).admitted:
                until = store.admit(config, user.pk)
                request.admission_pass = {"user_id": user.pk, "plan_id": plan.pk, "until": until, "t": t}
                return None
        except store.StoreDown:
            return unavailable(request)
        return redirect(waiting_url(plan.pk, _return_path(request)))


def waiting_url(plan_id: int, next_path: str) -> str:
    return reverse("admission:waiting", args=[plan_id]) + "?" + urlencode({"next": next_path})


def _return_path(request: HttpRequest) -> str:
    """Where to come back to once admitted: the page asked for (a form's unit, not its answers)."""
    if request.method == "GET":
        return request.get_full_path()
    unit = request.POST.get("unit", "")
    return request.path + (f"?unit={unit}" if unit.isascii() and unit.isdigit() and len(unit) <= 15 else "")
