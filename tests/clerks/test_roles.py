"""Each role can do its own work in the admin and none of the others'."""

import pytest
from django.contrib.admin import helpers
from django.contrib.auth.models import Group
from django.test import Client

from accounts.models import AuditLog
from rentals.models import Plan

from .conftest import AUDITOR, CLERK, PLAN_MANAGER, make_plan, make_project

pytestmark = pytest.mark.django_db

ASSIST = "/admin/registrations/registration/assist/"
REGISTRATIONS = "/admin/registrations/registration/"
DASHBOARDS = "/admin/registrations/registration/dashboard/"
FILINGS = "/admin/filings/filing/"
USERS = "/admin/accounts/user/"
AUDIT = "/admin/accounts/auditlog/"
PLAN_ADD = "/admin/rentals/plan/add/"
PLANS = "/admin/rentals/plan/"


def perms(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def status(client: Client, url: str) -> int:
    return client.get(url).status_code


def test_the_migration_creates_the_three_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= {CLERK, PLAN_MANAGER, AUDITOR}
    assert {"registrations.assist_registration", "registrations.cancel_on_behalf",
            "accounts.change_phone_onsite", "filings.view_filing"} <= perms(CLERK)
    assert {"rentals.add_plan", "rentals.change_unit", "registrations.export_registrations",
            "registrations.view_dashboard"} <= perms(PLAN_MANAGER)
    assert {"accounts.view_auditlog", "registrations.view_registration"} <= perms(AUDITOR)


def test_the_auditor_role_holds_only_view_permissions():
    custom_reads = {"registrations.view_dashboard"}
    assert all(p.split(".")[1].startswith("view_") or p in custom_reads for p in perms(AUDITOR))


def test_only_the_auditor_reads_the_audit_log():
    assert [r for r in (CLERK, PLAN_MANAGER, AUDITOR) if "accounts.view_auditlog" in perms(r)] == [AUDITOR]


class TestClerk:
    def test_it_looks_up_filings_registrations_and_accounts_and_registers_walk_ins(self, clerk_client, family):
        for url in (ASSIST, REGISTRATIONS, FILINGS, USERS, f"{USERS}{family.pk}/change/",
                    f"{USERS}{family.pk}/phone/"):
            assert status(clerk_client, url) == 200, url

    def test_it_cannot_manage_plans_dashboards_exports_or_the_audit_log(self, clerk_client, quick_project):
        plan = quick_project.plan
        for url in (PLAN_ADD, f"{PLANS}{plan.pk}/change/?_changelist_filters=", DASHBOARDS,
                    f"{DASHBOARDS}{plan.pk}/", f"{DASHBOARDS}{plan.pk}/export.xlsx", AUDIT):
            code = status(clerk_client, url)
            assert code == 403 or (url.startswith(f"{PLANS}{plan.pk}") and code == 200), url
        clerk_client.post(f"{PLANS}{plan.pk}/change/", {"name": "改名"})
        assert Plan.objects.get(pk=plan.pk).name == plan.name

    def test_it_cannot_edit_an_account_by_hand(self, clerk_client, family):
        clerk_client.post(f"{USERS}{family.pk}/change/", {"phone": "13700000000", "name": "改名"})
        family.refresh_from_db()
        assert (family.phone, family.name) == ("13922223333", "陈静")


class TestPlanManager:
    def test_it_manages_plans_and_sees_dashboards_and_exports(self, manager_client, quick_project):
        plan = quick_project.plan
        for url in (PLAN_ADD, f"{PLANS}{plan.pk}/change/", REGISTRATIONS, DASHBOARDS, f"{DASHBOARDS}{plan.pk}/",
                    f"{DASHBOARDS}{plan.pk}/export.xlsx"):
            assert status(manager_client, url) == 200, url

    def test_it_cannot_do_the_counters_work_or_read_the_audit_log(self, manager_client, family, walk_in):
        for url in (ASSIST, f"{USERS}{family.pk}/phone/", FILINGS, USERS, AUDIT):
            assert status(manager_client, url) == 403, url


class TestAuditor:
    def test_it_reads_everything_relevant(self, auditor_client, quick_project, family):
        plan = quick_project.plan
        for url in (AUDIT, REGISTRATIONS, FILINGS, USERS, f"{USERS}{family.pk}/change/", PLANS,
                    f"{PLANS}{plan.pk}/change/", f"{DASHBOARDS}{plan.pk}/"):
            assert status(auditor_client, url) == 200, url

    def test_it_cannot_register_cancel_change_phones_manage_plans_or_export(self, auditor_client, quick_project,
                                                                             family):
        plan = quick_project.plan
        for url in (ASSIST, f"{USERS}{family.pk}/phone/", PLAN_ADD, f"{DASHBOARDS}{plan.pk}/export.xlsx"):
            assert status(auditor_client, url) == 403, url
        auditor_client.post(f"{PLANS}{plan.pk}/change/", {"name": "改名"})
        assert Plan.objects.get(pk=plan.pk).name == plan.name

    def test_its_pages_offer_no_buttons_that_write(self, auditor_client, quick_project):
        page = auditor_client.get(REGISTRATIONS).content.decode()
        assert "现场协助登记" not in page.split('id="changelist"')[0]
        assert "计划登记看板" in page
        plan_page = auditor_client.get(f"{PLANS}{quick_project.plan.pk}/change/").content.decode()
        assert 'name="_save"' not in plan_page

    def test_it_cannot_publish_a_plan(self, auditor_client, clerk_client):
        plan = make_plan("KS2026-09")
        make_project(plan, "XM-KS-09")
        Plan.objects.filter(pk=plan.pk).update(is_published=False)
        for client in (auditor_client, clerk_client):
            client.post(PLANS, {"action": "publish", helpers.ACTION_CHECKBOX_NAME: [plan.pk]})
        assert not Plan.objects.get(pk=plan.pk).is_published

    def test_nobody_adds_edits_or_deletes_audit_rows(self, auditor_client, clerk):
        row = AuditLog.objects.create(actor=clerk, actor_label="窗口小李", action="现场修改手机号")
        assert status(auditor_client, f"{AUDIT}add/") == 403
        assert status(auditor_client, f"{AUDIT}{row.pk}/delete/") == 403
        auditor_client.post(f"{AUDIT}{row.pk}/change/", {"action": "改写"})
        assert AuditLog.objects.get(pk=row.pk).action == "现场修改手机号"


def test_staff_without_a_role_can_do_none_of_it(bare_staff_client, quick_project, family):
    plan = quick_project.plan
    for url in (ASSIST, f"{USERS}{family.pk}/phone/", f"{DASHBOARDS}{plan.pk}/", AUDIT, REGISTRATIONS):
        assert status(bare_staff_client, url) == 403, url


def test_a_family_is_sent_to_the_admin_login(family_client, quick_project, family):
    for url in (ASSIST, f"{USERS}{family.pk}/phone/", f"{DASHBOARDS}{quick_project.plan.pk}/"):
        response = family_client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url
