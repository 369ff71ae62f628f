"""Freeze, draw, publish and correct: refusals, the database's one-draw rule, audit rows, SMS."""

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AuditLog, SmsMessage
from registrations.eligibility import FROZEN
from registrations.models import Registration
from registrations.services import RegistrationRefused, registration_cancel, registration_create
from rentals.models import Plan
from results import draw as rules
from results.models import Draw, Freeze, Position
from results.services import ResultsRefused, draw_run, plan_freeze, results_publish
from tests.conftest import make_filing_row
from tests.notifications.jobs import run_jobs
from tests.registrations.conftest import make_plan, make_project
from tests.results.conftest import PUBLIC_VALUE, SEED, close, lottery_plan, register


def _positions(plan) -> dict[str, int]:
    return {p.registration.number: p.number for p in Position.objects.filter(draw__plan=plan).select_related(
        "registration")}


def test_freezing_writes_the_list_without_names_ids_or_phones(closed_lottery, staff):
    freeze = plan_freeze(plan=closed_lottery, actor=staff)
    assert freeze.count == 6 and closed_lottery.is_frozen
    assert freeze.list_sha256 == rules.sha256_hex(freeze.list_text)
    header, first, *_ = freeze.list_text.splitlines()
    assert header == ",".join(rules.HEADER)
    number, project, unit_type, tier, year, at = first.split(",")
    assert (project, unit_type, tier) == ("YH-01", "一居室", "普通") and year == str(timezone.localdate().year)
    for secret in ("王芳", "欧阳", "TST2026", "110105", "13800000101"):
        assert secret not in freeze.list_text
    log = AuditLog.objects.get(action="冻结登记名单")
    assert log.details["list_sha256"] == freeze.list_sha256 and log.actor == staff


def test_an_open_plan_cannot_be_frozen(db, staff):
    plan = lottery_plan()
    make_project(plan, "YH-01")
    with pytest.raises(ResultsRefused, match="尚未截止"):
        plan_freeze(plan=plan, actor=staff)
    assert not Freeze.objects.exists() and not Plan.objects.get(pk=plan.pk).is_frozen


def test_a_plan_is_frozen_once(closed_lottery, staff):
    plan_freeze(plan=closed_lottery, actor=staff)
    with pytest.raises(ResultsRefused, match="不能重复冻结"):
        plan_freeze(plan=Plan.objects.get(pk=closed_lottery.pk), actor=staff)


def test_cancelling_after_the_freeze_is_refused_with_a_clear_message(db, staff):
    # The cancel deadline is after the close: only the freeze stops this cancel.
    plan = lottery_plan(cancel_in_days=30)
    registration = register(make_project(plan, "YH-01"), 1)
    plan_freeze(plan=close(plan), actor=staff)
    registration = Registration.objects.get(pk=registration.pk)
    assert not registration.can_cancel()
    with pytest.raises(RegistrationRefused) as refused:
        registration_cancel(registration=registration, actor=registration.actor)
    assert refused.value.codes == {FROZEN}
    message = refused.value.reasons[0].message
    assert "登记名单已于" in message and "不能再登记或取消登记" in message
    assert Registration.objects.get(pk=registration.pk).is_active


def test_registering_after_the_freeze_is_refused_with_a_clear_message(closed_lottery, staff):
    plan_freeze(plan=closed_lottery, actor=staff)
    # Even if the window were reopened by hand, the frozen list stays as it is.
    Plan.objects.filter(pk=closed_lottery.pk).update(closes_at=timezone.now() + timezone.timedelta(days=1))
    project = Plan.objects.get(pk=closed_lottery.pk).projects.first()
    filing = make_filing_row("TST2026999999", id_number="110105198001019999")
    with pytest.raises(RegistrationRefused) as refused:
        registration_create(filing=filing, actor=staff, project=project, unit_type="一居室", acknowledged=True)
    assert refused.value.codes == {FROZEN}
    assert Registration.objects.filter(plan=closed_lottery).count() == 6


def test_a_draw_needs_the_frozen_list(closed_lottery, staff):
    with pytest.raises(ResultsRefused, match="尚未冻结"):
        draw_run(plan=closed_lottery, seed=SEED, public_value=PUBLIC_VALUE, actor=staff)


def test_a_wrong_seed_is_refused(closed_lottery, staff):
    plan_freeze(plan=closed_lottery, actor=staff)
    with pytest.raises(ResultsRefused, match="种子与发布时公布的种子哈希不符"):
        draw_run(plan=closed_lottery, seed=SEED + "x", public_value=PUBLIC_VALUE, actor=staff)
    assert not Draw.objects.exists() and not Position.objects.exists()


def test_the_lottery_orders_each_project_and_unit_type_with_priority_first(closed_lottery, staff):
    freeze = plan_freeze(plan=closed_lottery, actor=staff)
    draw_run(plan=closed_lottery, seed=SEED, public_value=PUBLIC_VALUE, actor=staff)
    got = _positions(closed_lottery)
    expected = rules.order(rules.parse_list(freeze.list_text), lottery=True, seed=SEED, public_value=PUBLIC_VALUE)
    for rows in expected.values():
        assert [got[e.number] for e in rows] == list(range(1, len(rows) + 1))
    p1 = expected[("YH-01", "一居室")]
    assert p1[0].tier == "优先" and len(p1) == 3  # 欧阳娜娜 first, whatever the hash of the others
    p = Position.objects.get(registration__number=p1[0].number)
    assert (p.group_size, p.offer_count) == (3, 10)
    log = AuditLog.objects.get(action="排序")
    assert log.details["seed_sha256"] == closed_lottery.seed_commitment and log.details["public_value"] == PUBLIC_VALUE


def test_a_second_draw_is_refused_by_the_database(closed_lottery, staff):
    plan_freeze(plan=closed_lottery, actor=staff)
    first = draw_run(plan=closed_lottery, seed=SEED, public_value=PUBLIC_VALUE, actor=staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        Draw.objects.create(plan=closed_lottery, freeze=first.freeze, drawn_at=timezone.now(), seed=SEED,
                            public_value="another value")
    with pytest.raises(ResultsRefused, match="只排序一次"):
        draw_run(plan=closed_lottery, seed=SEED, public_value="another value", actor=staff)
    assert Draw.objects.count() == 1


def test_a_rules_plan_orders_by_filing_year_then_priority_then_time(db, staff):
    plan = make_plan("GZ2026-01")
    project = make_project(plan, "GZ-01")
    first = register(project, 1, year=2025)
    priority = register(project, 2, year=2025, category="优先")
    older = register(project, 3, year=2024)
    close(plan)
    plan_freeze(plan=plan, actor=staff)
    with pytest.raises(ResultsRefused, match="不使用种子"):
        draw_run(plan=plan, seed="x", public_value="y", actor=staff)
    draw_run(plan=plan, actor=staff)
    assert _positions(plan) == {older.number: 1, priority.number: 2, first.number: 3}


def test_publishing_tells_each_family_its_position_and_is_audited(closed_lottery, staff,
                                                                  django_capture_on_commit_callbacks):
    plan_freeze(plan=closed_lottery, actor=staff)
    draw_run(plan=closed_lottery, seed=SEED, public_value=PUBLIC_VALUE, actor=staff)
    with django_capture_on_commit_callbacks(execute=True):
        results_publish(plan=closed_lottery, actor=staff)
    run_jobs()  # the notices go through the queue
    position = Position.objects.get(registration__filing__filing_no="TST2026000001")
    sms = SmsMessage.objects.get(phone="13800000101", text__contains="排序结果")  # not its 登记成功 text
    assert f"顺序号为{position.number}" in sms.text and "本项目一居室共3户登记，房源10套" in sms.text
    assert AuditLog.objects.filter(action="发布公示", target_id=str(closed_lottery.pk)).count() == 1
    with pytest.raises(ResultsRefused, match="已于"):
        results_publish(plan=closed_lottery, actor=staff)


def test_a_correction_is_a_new_audited_record_with_its_reason(closed_lottery, staff):
    plan_freeze(plan=closed_lottery, actor=staff)
    first = draw_run(plan=closed_lottery, seed=SEED, public_value="typo", actor=staff)
    results_publish(plan=closed_lottery, actor=staff)
    with pytest.raises(ResultsRefused, match="写明原因"):
        draw_run(plan=closed_lottery, seed=SEED, public_value=PUBLIC_VALUE, actor=staff, correct=True)
    second = draw_run(plan=closed_lottery, seed=SEED, public_value=PUBLIC_VALUE, actor=staff, correct=True,
                      reason="公开值录入有误，按开奖公告更正")
    assert second.corrects == first and Draw.objects.current().get() == second
    assert AuditLog.objects.get(action="更正排序结果").reason == "公开值录入有误，按开奖公告更正"
    assert Position.objects.filter(draw=first).count() == Position.objects.filter(draw=second).count() == 6


def test_a_lottery_plan_cannot_be_published_without_its_commitment(db):
    plan = make_plan("YH2026-09", ordering=Plan.Ordering.LOTTERY)
    make_project(plan, "YH-09")
    problems = plan.publish_problems()
    assert any("种子哈希" in p for p in problems) and any("公开值名称" in p for p in problems)


def test_realtime_plans_are_not_frozen(db, staff):
    plan = close(make_plan("SS2026-09", Plan.Mode.REALTIME))
    with pytest.raises(ResultsRefused, match="实时配租"):
        plan_freeze(plan=plan, actor=staff)


def test_the_commands_run_the_whole_procedure(closed_lottery, capsys):
    call_command("freeze_plan", closed_lottery.code)
    with pytest.raises(CommandError, match="种子与发布时公布的种子哈希不符"):
        call_command("draw_plan", closed_lottery.code, "--seed", "wrong", "--public-value", PUBLIC_VALUE)
    call_command("draw_plan", closed_lottery.code, "--seed", SEED, "--public-value", PUBLIC_VALUE)
    call_command("publish_results", closed_lottery.code)
    out = capsys.readouterr().out
    assert "已冻结名单：6 户" in out and "已排序：6 户" in out and "已公示：6 户" in out
    assert set(AuditLog.objects.filter(target_id=str(closed_lottery.pk)).values_list("action", flat=True)) >= {
        "冻结登记名单", "排序", "发布公示"}
    with pytest.raises(CommandError, match="未找到计划编号"):
        call_command("freeze_plan", "NO-SUCH-PLAN")
