"""The public catalogue in the shared cache, one entry per plan version; what is taken, read afresh.

What every family sees alike (a plan's projects and their offers, a project's unit totals,
the rows of a building's unit table drawn both free and taken) is kept under the plan's
`catalogue_token`, which any change to a project, an offer or a unit replaces: the signals
below for saves and deletes, and the importer for its bulk writes, in the same transaction
as the change. Whether a unit is taken is never kept: every page reads the taken units
with one query and lays them over the catalogue (the counts, and which of its two rows a
unit gets), so a claim or a cancel shows on the next page load, on every server. Nothing
about a family is kept here; the page around the catalogue (the header, the family's
standing) is drawn per request. When Redis is away, `cache.get` misses and pages read the
database. Each process keeps what it has read (`kept`): an entry under a token never changes.
"""

import functools
import html
import re
import threading
from collections import Counter, OrderedDict
from types import SimpleNamespace

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.template.loader import get_template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .models import Offer, Plan, Project, Unit, building_label, new_catalogue_token

TIMEOUT = 60 * 60


def catalogue_renew(*, plan_ids) -> None:
    """A new token for the plans whose projects, offers or units have changed."""
    Plan.objects.filter(pk__in=plan_ids).update(catalogue_token=new_catalogue_token())


# What the entries hold; a change of shape takes a new one, so that a deploy does not read the
# entries the code before it left in Redis under the same plan token (none until 2026-12-04; 2: drawn
# project cards, building tabs; 3: drawn 套型 rows).
FORMAT = "3"


class _Kept:
    """The shared cache's catalogue entries, kept by this process as well once read or written.

    Every key here carries its plan's `catalogue_token`, which each page reads afresh with the
    plan's row, and which any change to a project, an offer or a unit replaces in that change's
    own transaction: what is under a key never changes, so a process that has read it may keep
    it, and a change is seen at once by every process, since its pages ask for new keys. On the
    rush's pages the Redis round trip and the unpickling (~50 KB for a building's rows) cost
    0.2–0.5 ms a page (issue 18). Kept values are shared by every request of the process: they
    are read, never changed. The least recently used go beyond LIMIT (a building's rows are
    ~0.1 MB in memory).
    """

    LIMIT = 256

    def __init__(self) -> None:
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()  # gunicorn's threaded workers share one

    def get_many(self, keys: list[str]) -> dict:
        found, missing = {}, []
        with self._lock:
            for key in keys:
                if key in self._items:
                    self._items.move_to_end(key)
                    found[key] = self._items[key]
                else:
                    missing.append(key)
        if missing:
            read = cache.get_many(missing)
            self._keep(read)
            found.update(read)
        return found

    def get(self, key: str):
        return self.get_many([key]).get(key)

    def set_many(self, values: dict) -> None:
        cache.set_many(values, TIMEOUT)
        self._keep(values)

    def set(self, key: str, value) -> None:
        self.set_many({key: value})

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def _keep(self, values: dict) -> None:
        with self._lock:
            self._items.update(values)
            while len(self._items) > self.LIMIT:
                self._items.popitem(last=False)


kept = _Kept()


def _key(plan: Plan, *parts) -> str:
    return ":".join(["catalogue", FORMAT, str(plan.pk), plan.catalogue_token, *map(str, parts)])


def project_names(plans: list[Plan]) -> dict[int, list[Project]]:
    """Plan id → its projects (id, code, name) for the plan list, one read for the plans the cache lacks."""
    keys = {plan.pk: _key(plan, "names") for plan in plans}
    found = kept.get_many(list(keys.values()))
    names = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [pk for pk in keys if pk not in names]
    if missing:
        for pk in missing:
            names[pk] = []
        for project in Project.objects.filter(plan__in=missing).only("id", "plan_id", "name", "code"):
            names[project.plan_id].append(project)
        kept.set_many({keys[pk]: names[pk] for pk in missing})
    return names


def plan_projects(plan: Plan) -> tuple[list[Project], dict[int, int]]:
    """The plan's projects, their offers prefetched and `total_units` counted, and {project id: its
    units free now} (a quick plan's projects have no units).

    Each has its card on the project list drawn (`drawn_card`, rentals/_project_card.html),
    blank where the free units and the filter's query go: fill it with `project_card`. The
    projects are kept (`kept`) and shared by every request: what is free is beside them, not on them.
    """
    key = _key(plan, "projects", plan.mode)  # a real-time plan's cards say what is free
    rows = kept.get(key)
    if rows is None:
        # The counts are read with the projects.
        rows = list(plan.projects.with_unit_counts().prefetch_related("offers"))
        for project in rows:
            project.drawn_card = _draw("rentals/_project_card.html", {"p": project, "plan": plan},
                                       blanks=("free", "query_suffix"))
        kept.set(key, rows)
        return rows, {project.pk: project.free_units for project in rows}
    if not plan.is_realtime:
        return rows, {}
    taken = Unit.taken_counts([p.pk for p in rows])  # an index scan of the taken ones only
    return rows, {project.pk: project.total_units - taken.get(project.pk, 0) for project in rows}


def project_card(project: Project, query: str, free: int | str) -> SafeString:
    """The project's card as the list shows it now: its free units, its link keeping the filter."""
    return fill(project.drawn_card, free=free, query_suffix=f"?{query}" if query else "")


def project_catalogue(project: Project) -> tuple[dict, list[tuple[int, str, str]]]:
    """The detail page's {"offers", "totals": {(building, unit_type): units}, "tabs"}, and the units taken now.

    "offers" are (unit_type, its row of the 套型 table drawn, blank where its free units go:
    `fill` it) in 套型 order. Taken units are (id, building, unit_type). On a miss one read of
    the project's units gives both; a quick plan's project has no units to read.
    """
    plan = project.plan
    # The plan's mode in the key: a real-time plan's offer rows have a column a quick plan's lack.
    key = _key(plan, "project", project.pk, plan.mode)
    entry = kept.get(key)
    if entry is not None:
        if not plan.is_realtime:
            return entry, []
        taken = getattr(project, "taken_units", None)  # read with the project (Project.published_with_plan)
        return entry, taken if taken is not None else Unit.taken_in(project.pk)
    units = list(project.units.order_by().values_list("pk", "building", "unit_type", "taken")) \
        if plan.is_realtime else []
    totals = Counter((b, t) for _, b, t, _ in units)
    offers = [(o.unit_type, _draw("rentals/_offer_row.html", {"o": o, "plan": plan}, blanks=("free",)))
              for o in project.offer_list()]
    entry = {"offers": offers, "totals": dict(totals), "tabs": _building_tabs(totals)}
    # The offered unit types with it, as the family's next page (the 告知书) asks for them.
    kept.set_many({key: entry, _key(plan, "offered", project.pk): frozenset(unit_type for unit_type, _ in offers)})
    return entry, [(pk, b, t) for pk, b, t, taken in units if taken]


def _building_tabs(totals: Counter) -> list[tuple[str, int, str]]:
    """(building, its units, its tab drawn) in the order people count; the tab is blank where
    its free units, `aria-current` and the filter's query go (`building_tabs`)."""
    per_building = Counter()
    for (building, _), n in totals.items():
        per_building[building] += n
    return [(name, n, _draw("rentals/_building_tab.html", {"name": name, "label": building_label(name), "total": n},
                            blanks=("free", "current", "keep")))
            for name, n in sorted(per_building.items(), key=lambda item: natural_key(item[0]))]


def building_tabs(tabs: list[tuple[str, int, str]], *, free: dict[str, int], current: str | None,
                  keep_query: str) -> list[str]:
    """Every building's tab as the detail page shows it now. What is the same for every tab (the
    filter's query) is escaped once, not once a tab: a project of 5,000 units has 26 buildings."""
    keep = format_html("&amp;{}", keep_query) if keep_query else ""
    blank_free, blank_current, blank_keep = _blank("free"), _blank("current"), _blank("keep")
    return [drawn.replace(blank_keep, keep)
            .replace(blank_current, ' aria-current="page"' if name == current else "")
            .replace(blank_free, str(int(free[name])))  # a whole number: nothing to escape
            for name, _, drawn in tabs]


def offered_unit_types(project: Project) -> set[str]:
    """The unit types the project offers (its `plan` loaded), kept on their own: the 告知书 and the
    register POST read them, and the detail page's entry (its tabs drawn, its offers as model
    instances) cost them twice the read and unpickling of this."""
    key = _key(project.plan, "offered", project.pk)
    offered = kept.get(key)
    if offered is None:
        offered = frozenset(project.offers.order_by().values_list("unit_type", flat=True))
        kept.set(key, offered)
    return offered


def building_rows(project: Project, building: str, *, plan_open: bool) -> list[tuple[int, str, str, str]]:
    """(id, unit_type, row free, row taken) for each unit of the building, in the order people count."""
    key = _key(project.plan, "rows", project.pk, building, plan_open)
    rows = kept.get(key)
    if rows is None:
        row = get_template("rentals/_unit_row.html")
        # Sorted here; the model's ordering would join rentals_project to sort by it.
        units = sorted(project.units.filter(building=building).order_by(),
                       key=lambda u: (natural_key(u.entrance), u.floor, natural_key(u.room)))
        context = {"plan_open": plan_open, "register_url": reverse("registrations:register", args=[project.pk])}
        free = _free_rows(units, row, context)
        rows = [(u.pk, u.unit_type, f, t) for u, f, t in zip(units, free, _as_taken(units, free, row, context),
                                                              strict=True)]
        kept.set(key, rows)
    return rows


STATUS_CELL = '<td data-label="状态">'
# What of a unit its row shows; the template draws each once with a blank in its place.
ROW_FIELDS = ("building_label", "entrance_label", "room", "floor", "orientation", "unit_type", "area_text",
              "rent_text", "pk", "label")


def _free_rows(units: list[Unit], row, context: dict) -> list[str]:
    """Each unit's row free: the template drawn once with blanks (with a 朝向 and without), filled
    per unit, each value escaped as the template escapes it. Drawing 48 rows through the engine
    was 3–4 ms on a building's first look after a change, and the rush opens every building of a
    5,000-unit plan for the first time (issue 18). tests/rentals/test_catalogue_cache.py compares
    each row with the template's own."""
    drawn = {}
    rows = []
    for unit in units:
        oriented = bool(unit.orientation)
        if oriented not in drawn:
            blank = SimpleNamespace(**{name: mark_safe(_blank(name)) for name in ROW_FIELDS}, taken=False)  # noqa: S308
            if not oriented:
                blank.orientation = ""
            drawn[oriented] = row.render({**context, "u": blank})
        rows.append(fill(drawn[oriented], **{name: getattr(unit, name) for name in ROW_FIELDS if oriented
                                               or name != "orientation"}))
    return rows


def _as_taken(units: list[Unit], free_rows: list[str], row, context: dict) -> list[str]:
    """Each free row as the template draws it taken: the first drawn so, then the same two changes
    made to every other (the row's opening tag, and its 状态 cell, alike for every taken unit),
    which halves what the first look at a building after a change costs (6.3 ms for 48 units).
    tests/rentals/test_catalogue_cache.py compares them with rows drawn taken."""
    if not units:
        return []
    first = row.render({**context, "u": _as(units[0], taken=True)})
    opening, cell = first[:first.index(">") + 1], first[first.index(STATUS_CELL):]
    return [opening + free[free.index(">") + 1:free.index(STATUS_CELL)] + cell for free in free_rows]


def _as(unit: Unit, *, taken: bool) -> Unit:
    unit.taken = taken
    return unit


def _draw(template_name: str, context: dict, *, blanks: tuple[str, ...]) -> str:
    """The template drawn with a marker for each of `blanks`, which `fill` replaces."""
    return get_template(template_name).render({**context, **{name: _blank(name) for name in blanks}})


def fill(drawn: str, **values) -> SafeString:
    """A drawn fragment with its blanks filled in, each value escaped as the template would."""
    for name, value in values.items():
        drawn = drawn.replace(_blank(name), _escaped(value))
    return mark_safe(drawn)  # noqa: S308 - drawn by the template engine, the values escaped above


def _escaped(value) -> str:
    """conditional_escape's text (a safe string as it is, anything else escaped), without the lazy
    wrapper every call of Django's goes through: filling a building's 48 rows called it 480 times,
    a third of the building's first look after a change (issue 18)."""
    as_html = getattr(value, "__html__", None)
    return as_html() if as_html is not None else html.escape(str(value))


@functools.cache
def _blank(name: str) -> str:
    # Private-use characters around a name and a fixed nonce: the template engine leaves them
    # alone, and a project or building name would have to spell the whole marker to meet one.
    return f"\ue000{name}:b7c41e\ue000"


def natural_key(text: str) -> tuple:
    """'2' before '10', so 楼号 and 房号 sort as people count."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part)


@receiver([post_save, post_delete], sender=Unit)
@receiver([post_save, post_delete], sender=Offer)
def _unit_or_offer_changed(sender, instance, **kwargs) -> None:
    catalogue_renew(plan_ids=Project.objects.filter(pk=instance.project_id).values("plan_id"))


@receiver(pre_save, sender=Project)
def _project_saving(sender, instance, **kwargs) -> None:
    # The plan it is in now, which may not be the one it is being saved into.
    if instance.pk is not None:
        catalogue_renew(plan_ids=Project.objects.filter(pk=instance.pk).values("plan_id"))


@receiver([post_save, post_delete], sender=Project)
def _project_changed(sender, instance, **kwargs) -> None:
    catalogue_renew(plan_ids=[instance.plan_id])


@receiver(post_save, sender=Plan)
def _plan_saved(sender, instance, **kwargs) -> None:
    # A plan's own fields are read afresh on every page; but a full save writes back the token
    # it was loaded with, which may be older than a change committed since.
    catalogue_renew(plan_ids=[instance.pk])
