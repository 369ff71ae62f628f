"""A closed, drawn and published 摇号 plan for `seed_demo`, so a newcomer sees a 公示 at once.

The demo families register through registration_create at a moment inside the window,
then the plan goes through the real freeze, draw and publish. A plan already frozen is
left as it is (idempotent).
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from filings.models import Filing
from registrations.services import registration_create
from rentals.models import Offer, Plan, Project

from .draw import sha256_hex
from .services import draw_run, plan_freeze, results_publish

CODE = "GZF-2026-YH05"
# In real life only the notary knows the seed until the draw; the demo prints it.
SEED = "demo-notary-seed-2026-YH05"
PUBLIC_VALUE = "2026年11月20日 中国福利彩票双色球开奖号码 05 12 17 23 28 33 + 07"
LABEL = "系统（演示数据）"
PROJECTS = [("YH05-01", "朝阳区垡头公租房项目", "朝阳区", {"一居室": 40, "二居室": 20, "三居室": 6}),
            ("YH05-02", "海淀区西北旺公租房项目", "海淀区", {"二居室": 30, "三居室": 10})]
# filing, project: the two bound demo families (张伟, 王芳) see their 顺序号 in 业务记录.
REGISTRATIONS = [("GLH2026000001", "YH05-01"), ("GLH2026000002", "YH05-02"), ("GLH2026000003", "YH05-01"),
                 ("GLH2026000004", "YH05-02"), ("GLH2026000005", "YH05-01"), ("GLH2026000007", "YH05-02"),
                 ("GLH2026000008", "YH05-01"), ("GLH2026000009", "YH05-02")]


def load(stdout) -> None:
    now = timezone.now()
    plan = Plan.objects.filter(code=CODE).first()
    if plan is not None and plan.is_frozen:
        stdout.write(f"演示摇号计划 {CODE}：已公示，未变。")
        return
    plan = _plan(now)
    clerk = User.objects.get(phone="13900000001")
    during = plan.closes_at - dt.timedelta(days=3)
    projects = {p.code: p for p in plan.projects.all()}
    for i, (filing_no, project_code) in enumerate(REGISTRATIONS):
        filing = Filing.objects.get(filing_no=filing_no)
        project = projects[project_code]
        unit_type = next(t for t in filing.unit_types if t in {o.unit_type for o in project.offers.all()})
        actor = filing.account or clerk
        registration_create(
            filing=filing, actor=actor, project=project, unit_type=unit_type, acknowledged=True,
            now=during + dt.timedelta(minutes=7 * i),
            **({} if filing.account else {"channel": "assisted", "clerk": clerk, "consent": "演示数据"}),
        )
    plan_freeze(plan=plan, actor=None, actor_label=LABEL, now=now)
    draw_run(plan=plan, seed=SEED, public_value=PUBLIC_VALUE, actor=None, actor_label=LABEL, now=now)
    results_publish(plan=plan, actor=None, actor_label=LABEL, now=now)
    stdout.write(f"演示摇号计划 {CODE}：{len(REGISTRATIONS)} 户登记，已冻结、摇号并公示（/gongshi/{CODE}/）。")


def _plan(now: dt.datetime) -> Plan:
    plan, _ = Plan.objects.update_or_create(code=CODE, defaults={
        "name": "2026年第五批公共租赁住房摇号配租", "mode": Plan.Mode.QUICK, "ordering": Plan.Ordering.LOTTERY,
        "opens_at": now - dt.timedelta(days=40), "closes_at": now - dt.timedelta(days=10),
        "seed_commitment": sha256_hex(SEED),
        "public_value_name": "登记截止后首期（2026年11月20日）中国福利彩票双色球开奖号码",
        "announcement": "本批次按摇号确定顺序号：优先家庭在前，同类家庭内按公证摇号结果排序。\n"
                        "种子哈希与公开值名称自发布之日起公布，摇号后任何人可用公示页面的文件核对。",
        "notice": "一、登记不等于配租。\n二、登记截止后冻结名单，按公告的规则摇号并公示。",
        "is_published": True, "published_at": now - dt.timedelta(days=41),
    })
    for code, name, district, offers in PROJECTS:
        project, _ = Project.objects.get_or_create(code=code, defaults={
            "plan": plan, "name": name, "district": district, "address": f"{district}演示路1号"})
        for unit_type, count in offers.items():
            Offer.objects.get_or_create(project=project, unit_type=unit_type, defaults={
                "count": count, "area_min": Decimal("40"), "area_max": Decimal("80"),
                "rent_min": Decimal("1500"), "rent_max": Decimal("3800")})
    return plan
