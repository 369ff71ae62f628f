"""Every URL of the project × every persona → the status it must answer (GET).

A new URL without a row here fails `test_every_url_has_a_row`.
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from registrations.services import registration_create
from tests.clerks.conftest import AUDITOR, CLERK, PLAN_MANAGER, staff
from tests.registrations.conftest import make_plan, make_project, make_units
from tests.staff import sign_in_staff

PERSONAS = ("stranger", "person", "family_a", "family_b", "clerk", "manager", "auditor",
            "staff_family_form", "staff_no_2fa")

# URL name → (path with {placeholders}, statuses in PERSONAS order).
# 302 for a stranger on a family page is the login redirect; 403 for a person without
# a filing is the gate page; 404 is "not yours". The last two are the staff second factor's:
# staff_family_form is a clerk who tried the family login forms (refused, so a stranger);
# staff_no_2fa is a clerk's session made without the SMS step (every admin URL: 302 to sign in).
MATRIX = {
    "home": ("/", "200 200 200 200 200 200 200 200 200"),
    "gzf": ("/gzf/", "200 200 200 200 200 200 200 200 200"),
    "switch_mode": ("/mode/", "405 405 405 405 405 405 405 405 405"),  # a POST form for everyone
    "help": ("/help/", "200 200 200 200 200 200 200 200 200"),
    "accounts:register": ("/accounts/register/", "200 302 302 302 302 302 302 200 302"),
    "accounts:login": ("/accounts/login/", "200 200 200 200 200 200 200 200 200"),
    "accounts:logout": ("/accounts/logout/", "405 405 405 405 405 405 405 405 405"),
    "accounts:password_reset": ("/accounts/password/reset/", "200 200 200 200 200 200 200 200 200"),
    "accounts:send_code": ("/accounts/code/login/", "405 405 405 405 405 405 405 405 405"),
    "accounts:center": ("/accounts/center/", "302 200 200 200 200 200 200 302 200"),
    "accounts:phone_change": ("/accounts/center/phone/", "302 200 200 200 200 200 200 302 200"),
    "accounts:phone_change_new": ("/accounts/center/phone/new/", "302 302 302 302 302 302 302 302 302"),
    "rentals:plans": ("/gzf/plans/", "200 200 200 200 200 200 200 200 200"),
    "rentals:projects": ("/gzf/plans/{plan}/", "200 403 200 200 403 403 403 200 403"),
    "rentals:project": ("/gzf/projects/{project}/", "200 403 200 200 403 403 403 200 403"),
    "filings:info": ("/filing/", "302 200 200 200 200 200 200 302 200"),
    "filings:verify": ("/filing/verify/", "302 200 302 302 200 200 200 302 200"),  # bound: to the facts
    # One gate (issue 13 item 6): a stranger reads the catalogue's "please log in" page, as on a project.
    "registrations:register": ("/register/{project}/?unit={unit}", "200 403 200 200 403 403 403 200 403"),
    "registrations:success": ("/registrations/{reg_a}/success/", "302 404 200 404 404 404 404 302 404"),
    "registrations:records": ("/center/records/", "302 200 200 200 200 200 200 302 200"),
    "registrations:detail": ("/registrations/{reg_a}/", "302 404 200 404 404 404 404 302 404"),
    "registrations:print": ("/registrations/print/?ids={reg_a}", "302 302 200 404 302 302 302 302 302"),
    "registrations:print_pdf": ("/registrations/print.pdf?ids={reg_a}", "302 302 200 404 302 302 302 302 302"),
    "registrations:cancel": ("/registrations/cancel/?ids={reg_a}", "302 302 200 404 302 302 302 302 302"),
    "registrations:verify": ("/verify/{number_a}/{check_a}/", "200 200 200 200 200 200 200 200 200"),
    # The waiting room: a signed-in account not in line is told how to enter; the rules are public.
    "admission:waiting": ("/room/{plan}/", "302 200 200 200 200 200 200 302 200"),
    "admission:notify": ("/room/{plan}/notify/", "405 405 405 405 405 405 405 405 405"),
    "admission:rules": ("/room/{plan}/rules/", "200 200 200 200 200 200 200 200 200"),
    "admin:admission_room_changelist": ("/admin/admission/room/", "302 302 302 302 403 200 200 302 302"),
    "notifications:plan_reminder": ("/notifications/plans/{plan}/remind/", "405 405 405 405 405 405 405 405 405"),
    "admin:notifications_notification_changelist": (
        "/admin/notifications/notification/", "302 302 302 302 200 403 200 302 302"),
    "dev_sms": ("/dev/sms/", "404 404 404 404 404 404 404 404 404"),
    "staff_login": ("/admin/login/", "200 200 200 200 302 302 302 200 200"),
    "admin:index": ("/admin/", "302 302 302 302 200 200 200 302 302"),
    "admin:accounts_user_changelist": ("/admin/accounts/user/", "302 302 302 302 200 403 200 302 302"),
    "admin:accounts_user_phone_onsite": (
        "/admin/accounts/user/{family_a}/phone/", "302 302 302 302 200 403 403 302 302"),
    "admin:accounts_auditlog_changelist": ("/admin/accounts/auditlog/", "302 302 302 302 403 403 200 302 302"),
    "admin:filings_filing_changelist": ("/admin/filings/filing/", "302 302 302 302 200 403 200 302 302"),
    "admin:rentals_plan_changelist": ("/admin/rentals/plan/", "302 302 302 302 200 200 200 302 302"),
    "admin:rentals_plan_add": ("/admin/rentals/plan/add/", "302 302 302 302 403 200 403 302 302"),
    "admin:rentals_unit_changelist": ("/admin/rentals/unit/", "302 302 302 302 200 200 200 302 302"),
    "admin:registrations_registration_changelist": (
        "/admin/registrations/registration/", "302 302 302 302 200 200 200 302 302"),
    "admin:registrations_assist": ("/admin/registrations/registration/assist/", "302 302 302 302 200 403 403 302 302"),
    "admin:registrations_assist_choose": (
        "/admin/registrations/registration/assist/choose/", "302 302 302 302 302 403 403 302 302"),
    "admin:registrations_assist_confirm": (
        "/admin/registrations/registration/assist/confirm/", "302 302 302 302 302 403 403 302 302"),
    "admin:registrations_cancel_on_behalf": (
        "/admin/registrations/registration/{reg_a}/cancel/", "302 302 302 302 200 403 403 302 302"),
    # The family search is a POST (issue 12 item 10); the receipt is any registration viewer's.
    "admin:accounts_user_find": ("/admin/accounts/user/find/", "302 302 302 302 405 405 405 302 302"),
    "admin:filings_filing_find": ("/admin/filings/filing/find/", "302 302 302 302 405 405 405 302 302"),
    "admin:registrations_registration_find": (
        "/admin/registrations/registration/find/", "302 302 302 302 405 405 405 302 302"),
    "admin:filings_filing_phone": ("/admin/filings/filing/{filing_a}/phone/", "302 302 302 302 200 403 403 302 302"),
    "admin:registrations_receipt": (
        "/admin/registrations/registration/{reg_a}/receipt.pdf", "302 302 302 302 200 200 200 302 302"),
    "admin:registrations_dashboards": (
        "/admin/registrations/registration/dashboard/", "302 302 302 302 403 200 200 302 302"),
    "admin:registrations_dashboard": (
        "/admin/registrations/registration/dashboard/{plan}/", "302 302 302 302 403 200 200 302 302"),
    "admin:registrations_export": (
        "/admin/registrations/registration/dashboard/{plan}/export.xlsx", "302 302 302 302 403 200 403 302 302"),
    # The 公示 and its files are public; the admin's three steps are POST only.
    "results:public": ("/gongshi/{code}/", "200 200 200 200 200 200 200 200 200"),
    "results:list": ("/gongshi/{code}/list.csv", "200 200 200 200 200 200 200 200 200"),
    "results:order": ("/gongshi/{code}/{draw}/order.csv", "200 200 200 200 200 200 200 200 200"),
    "results:draw": ("/gongshi/{code}/{draw}/draw.txt", "200 200 200 200 200 200 200 200 200"),
    "results:verify_script": ("/gongshi/{code}/verify_draw.py", "200 200 200 200 200 200 200 200 200"),
    "admin:results_resultplan_freeze": (
        "/admin/results/resultplan/{quick_plan}/freeze/", "302 302 302 302 405 405 405 302 302"),
    "admin:results_resultplan_draw": (
        "/admin/results/resultplan/{quick_plan}/draw/", "302 302 302 302 405 405 405 302 302"),
    "admin:results_resultplan_publish": (
        "/admin/results/resultplan/{quick_plan}/publish/", "302 302 302 302 405 405 405 302 302"),
}

# The admin's own generic views are covered by the changelists above.
GENERIC_ADMIN = ("_add", "_change", "_changelist", "_delete", "_history", "password_change", "password_change_done",
                 "logout", "login", "autocomplete", "jsi18n", "view_on_site", "app_list")


def _names(resolver=None, namespace: str = "") -> set[str]:
    names = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if namespace and entry.namespace:
                inner = f"{namespace}:{entry.namespace}"
            names |= _names(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}:{entry.name}" if namespace else entry.name)
    return names


def test_every_url_has_a_row():
    missing = {
        name for name in _names()
        if name not in MATRIX and not (name.startswith("admin:") and name.endswith(GENERIC_ADMIN))
        and not name.startswith("bench")
    }
    assert not missing, f"add these URLs to the access matrix: {sorted(missing)}"


@pytest.fixture
def world(make_user):
    from django.utils import timezone

    from tests.conftest import make_filing_row

    people = {"person": make_user("13911112222")}
    for key, phone, no, id_number in (("family_a", "13922223333", "GLH-A-0001", "110105198001010016"),
                                      ("family_b", "13933334444", "GLH-B-0001", "110105198202020018")):
        people[key] = make_user(phone)
        make_filing_row(no, id_number=id_number, account=people[key], bound_at=timezone.now())
    people["clerk"] = staff("13900000101", CLERK)
    people["manager"] = staff("13900000102", PLAN_MANAGER)
    people["auditor"] = staff("13900000103", AUDITOR)
    project = make_project(make_plan("AM-R", "realtime"), "XM-AM-R", ("一居室",))
    units = make_units(project, 3)
    reg_a, _ = registration_create(filing=people["family_a"].filing, actor=people["family_a"], project=project,
                                   unit=units[0], acknowledged=True)
    drawn = _drawn_plan(people["manager"])
    values = {"code": drawn.plan.code, "draw": drawn.pk, "quick_plan": drawn.plan_id,
              "plan": project.plan_id, "project": project.pk, "unit": units[1].pk, "reg_a": reg_a.pk,
              "number_a": reg_a.number, "check_a": reg_a.check_code, "family_a": people["family_a"].pk,
              "filing_a": people["family_a"].filing.pk}
    clients = {"stranger": Client()}
    for key, user in people.items():
        clients[key] = Client()
        if user.is_staff:
            sign_in_staff(clients[key], user)
        else:
            clients[key].force_login(user)
    clients["staff_family_form"] = _through_the_family_forms(people["clerk"])
    clients["staff_no_2fa"] = Client()
    clients["staff_no_2fa"].force_login(people["clerk"])
    return clients, values


def _drawn_plan(manager):
    """A closed quick plan, frozen, ordered and published: its 公示 exists."""
    from results.services import draw_run, plan_freeze, results_publish
    from tests.results.conftest import close

    plan = close(make_plan("AM-Q"))
    make_project(plan, "XM-AM-Q")
    plan_freeze(plan=plan, actor=manager)
    draw = draw_run(plan=plan, actor=manager)
    results_publish(plan=plan, actor=manager)
    return draw


def _through_the_family_forms(clerk) -> Client:
    """A clerk's phone and password on the family password form, then a family login code."""
    from tests.conftest import PASSWORD, last_code

    client = Client()
    client.post("/accounts/login/", {"tab": "password", "phone": clerk.phone, "password": PASSWORD})
    client.post("/accounts/code/login/", {"phone": clerk.phone})
    client.post("/accounts/login/", {"tab": "code", "phone": clerk.phone, "code": last_code(clerk.phone)})
    assert "_auth_user_id" not in client.session
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_persona_gets_the_expected_answer(world, name):
    clients, values = world
    path, expected = MATRIX[name]
    path = path.format(**values)
    responses = [clients[p].get(path) for p in PERSONAS]
    got = " ".join(str(r.status_code) for r in responses)
    for response in responses:
        if response.get("Content-Type", "").startswith("text/html"):
            assert "frame-ancestors 'none'" in response["Content-Security-Policy"], path
    assert got == expected, f"{name} {path}\n  personas {' '.join(PERSONAS)}\n  expected {expected}\n  got      {got}"
