"""The waiting room in front of the project and register pages, which know nothing of it.

GUARDED names each page behind the room; it is the one place to change. Staff (the clerk's
assisted registration is in the admin anyway), strangers and people without a filing pass
straight to the page, which answers them itself. The room's settings are read from the
shared store, so a family holding a pass costs the page no database query; the database is
read once per project, and again only when the store is away (to decide between letting a
pass holder on and the clear 503 page).
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from bphc.gating import family_filing
from rentals.models import Project

from . import passes, store
from .models import Room
from .views import unavailable

# The pages behind the room, each with the URL argument that names its project: the real-time
# unit table and the register page, the two that the opening rush loads.
GUARDED: dict[str, str] = {
    "rentals:project": "project_id",
    "registrations:register": "project_id",
}
# Where an admitted family may be sent on to (the `next` of the waiting page).
GUARDED_PREFIXES = ("/gzf/projects/", "/register/")


def _database_config(project_id: int) -> store.Config | None:
    project = Project.objects.select_related("plan").filter(pk=project_id, plan__is_published=True).first()
    return Room.objects.for_plan(project.plan).store_config() if project is not None else None


def _shared_config(project_id: int) -> store.Config | None:
    """The room of the project's plan, from the store; copied there from the database the first time."""
    config = store.config_of_project(project_id)
    if config is None:
        project = Project.objects.select_related("plan").filter(pk=project_id, plan__is_published=True).first()
        if project is None:
            return None
        config = Room.objects.for_plan(project.plan).publish()
        store.remember_project(project_id, project.plan_id)
    return config


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
        argument = GUARDED.get(match.view_name if match else "")
        if argument is None:
            return None
        user = request.user
        if not user.is_authenticated or user.is_staff or family_filing(request) is None:
            return None
        project_id, t = view_kwargs.get(argument), store.now()
        try:
            config = _shared_config(project_id)
        except store.StoreDown:
            config = _database_config(project_id)
            if config is None or not config.active(t) or passes.valid(request, user_id=user.pk,
                                                                        plan_id=config.plan_id, t=t):
                return None
            return unavailable(request)
        if config is None or not config.active(t) or passes.valid(request, user_id=user.pk,
                                                                    plan_id=config.plan_id, t=t):
            return None
        return self._wait_or_admit(request, config, t)

    def _wait_or_admit(self, request: HttpRequest, config: store.Config, t: float) -> HttpResponse | None:
        user = request.user
        try:
            store.join(config, user.pk, masked_phone=user.masked_phone)
            # Nobody waiting and room to spare: straight on, with the pass, no detour.
            if store.status(config, user.pk).admitted:
                until = store.admit(config, user.pk)
                request.admission_pass = {"user_id": user.pk, "plan_id": config.plan_id, "until": until, "t": t}
                return None
        except store.StoreDown:
            return unavailable(request)
        return redirect(waiting_url(config.plan_id, _return_path(request)))


def waiting_url(plan_id: int, next_path: str) -> str:
    return reverse("admission:waiting", args=[plan_id]) + "?" + urlencode({"next": next_path})


def _return_path(request: HttpRequest) -> str:
    """Where to come back to once admitted: the page asked for (a form's unit, not its answers)."""
    if request.method == "GET":
        return request.get_full_path()
    unit = request.POST.get("unit", "")
    return request.path + (f"?unit={unit}" if unit.isascii() and unit.isdigit() and len(unit) <= 15 else "")
