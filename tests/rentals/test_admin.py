import pytest
from django.test import Client

from accounts.models import AuditLog
from rentals.models import Plan, Project, Unit
from tests.staff import sign_in_staff

from .workbook import load, plan_row, project_row, units_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(make_user):
    return make_user("13900009999", name="运营小王", is_staff=True, is_superuser=True)


@pytest.fixture
def admin(operator) -> Client:
    return sign_in_staff(Client(), operator)


@pytest.fixture
def drafts(tmp_path) -> tuple[Plan, Plan]:
    """A complete draft and one without its 告知书."""
    load(tmp_path, [plan_row("READY", name="完整计划"), plan_row("NONOTICE", name="缺告知书计划", notice="")],
         [project_row("READY", "X1"), project_row("NONOTICE", "X2")], publish=False)
    return Plan.objects.get(code="READY"), Plan.objects.get(code="NONOTICE")


def act(admin: Client, action: str, *plans: Plan):
    return admin.post("/admin/rentals/plan/", {"action": action, "_selected_action": [p.pk for p in plans]},
                      follow=True)


def test_publishing_a_complete_plan_is_audited(admin, operator, drafts):
    ready, _ = drafts
    page = act(admin, "publish", ready).content.decode()

    ready.refresh_from_db()
    assert ready.is_published and ready.published_at is not None
    assert "已发布：完整计划" in page
    event = AuditLog.objects.get(action="发布配租计划")
    assert event.actor == operator and event.target_id == str(ready.pk)


def test_publishing_an_incomplete_plan_is_refused_with_its_reasons(admin, drafts):
    ready, incomplete = drafts
    page = act(admin, "publish", ready, incomplete).content.decode()

    incomplete.refresh_from_db()
    assert not incomplete.is_published
    assert "“缺告知书计划”不能发布：缺少告知书" in page
    assert Plan.objects.get(code="READY").is_published  # the complete one in the same batch still goes
    assert AuditLog.objects.filter(action="发布配租计划").count() == 1


def test_a_plan_without_projects_cannot_be_published(admin, tmp_path):
    load(tmp_path, [plan_row("EMPTY", name="空计划")], [project_row("EMPTY")], publish=False)
    Project.objects.all().delete()
    page = act(admin, "publish", Plan.objects.get()).content.decode()
    assert "至少需要一个项目" in page and not Plan.objects.get().is_published


def test_unpublishing_is_audited(admin, drafts):
    ready, _ = drafts
    act(admin, "publish", ready)
    act(admin, "unpublish", ready)

    assert not Plan.objects.get(pk=ready.pk).is_published
    assert AuditLog.objects.filter(action="取消发布配租计划", target_id=str(ready.pk)).count() == 1


def test_the_published_flag_is_not_a_form_field(admin, drafts):
    ready, _ = drafts
    page = admin.get(f"/admin/rentals/plan/{ready.pk}/change/").content.decode()
    assert 'name="is_published"' not in page
    assert 'name="projects-0-code"' in page  # the projects inline


def test_editing_a_plan_in_the_admin_is_audited_and_takes_district_words(admin, drafts):
    ready, _ = drafts
    form = {
        "code": ready.code, "name": "改名后的计划", "mode": ready.mode,
        "opens_at_0": "2026-12-01", "opens_at_1": "09:00:00", "closes_at_0": "2026-12-31", "closes_at_1": "17:00:00",
        "cancel_deadline_0": "", "cancel_deadline_1": "", "districts": "海淀区、朝阳区", "categories": "",
        "announcement": "公告", "notice": "告知书",
        "projects-TOTAL_FORMS": "0", "projects-INITIAL_FORMS": "0",
    }
    response = admin.post(f"/admin/rentals/plan/{ready.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()
    ready.refresh_from_db()
    assert ready.name == "改名后的计划" and ready.districts == ["海淀区", "朝阳区"]
    assert AuditLog.objects.filter(action="修改配租计划", target_id=str(ready.pk)).exists()

    form["districts"] = "火星区"
    page = admin.post(f"/admin/rentals/plan/{ready.pk}/change/", form).content.decode()
    assert "未知区域：火星区" in page


def test_the_changelists_and_unit_filters_work(admin, tmp_path):
    load(tmp_path, [plan_row("SS", mode="实时配租")], [project_row("SS", "X9", name="实时家园", count=30)],
         units_for("X9", 30))
    project = Project.objects.get()
    Unit.objects.filter(room="101").update(taken=True)

    assert admin.get("/admin/rentals/plan/?q=SS").status_code == 200
    projects = admin.get("/admin/rentals/project/").content.decode()
    assert f"/admin/rentals/unit/?project__id__exact={project.pk}" in projects and "30 套（可选 29 套）" in projects
    units = admin.get(f"/admin/rentals/unit/?project__id__exact={project.pk}&taken__exact=1").content.decode()
    assert "1号楼1单元101室" in units and "1号楼1单元102室" not in units
    change = admin.get(f"/admin/rentals/unit/{Unit.objects.get(room='101').pk}/change/").content.decode()
    assert 'name="taken"' not in change


def test_a_person_who_is_not_staff_cannot_use_it(person_client):
    response = person_client.get("/admin/rentals/plan/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_published_plan_keeps_its_notice_and_a_sane_window(admin, drafts):
    ready, _ = drafts
    act(admin, "publish", ready)
    form = {
        "code": ready.code, "name": ready.name, "mode": ready.mode,
        "opens_at_0": "2026-12-31", "opens_at_1": "09:00:00", "closes_at_0": "2026-12-01", "closes_at_1": "17:00:00",
        "cancel_deadline_0": "", "cancel_deadline_1": "", "districts": "", "categories": "",
        "announcement": "公告", "notice": "  ", "projects-TOTAL_FORMS": "0", "projects-INITIAL_FORMS": "0",
    }
    page = admin.post(f"/admin/rentals/plan/{ready.pk}/change/", form).content.decode()

    assert "已发布的计划必须有告知书" in page and "登记截止时间应晚于登记开始时间" in page
    assert Plan.objects.get(pk=ready.pk).notice


@pytest.mark.parametrize("name", ["=HYPERLINK(1)", "+1", "-1", "@SUM(A1)", "＝1", "＋1", "－1", "＠1"])
def test_the_admin_forms_refuse_names_that_would_run_as_formulas(name):
    from django.forms import modelform_factory

    from rentals.admin import PlanForm, ProjectForm

    for form_class, model in ((PlanForm, Plan), (ProjectForm, Project)):
        form = modelform_factory(model, form=form_class, fields=["name"])(data={"name": name})
        assert not form.is_valid()
        assert "不能以 = + - @ 或制表符开头" in form.errors["name"][0]


def test_the_database_refuses_a_plan_window_that_closes_before_it_opens():
    import datetime as dt

    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    now = timezone.now()
    bad = [{"closes_at": now - dt.timedelta(hours=1)},
           {"closes_at": now + dt.timedelta(days=1), "cancel_deadline": now - dt.timedelta(hours=1)}]
    for times in bad:
        plan = Plan(code="BAD", name="错误窗口", mode=Plan.Mode.QUICK, opens_at=now, **times)
        with pytest.raises(ValidationError):
            plan.clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            plan.save()
    assert not Plan.objects.exists()
