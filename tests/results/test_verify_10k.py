"""verify_draw.py, run as a citizen would, on the files downloaded from a 10,000-family 公示."""

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

from django.utils import timezone

from accounts.models import User
from filings.models import Filing
from registrations.models import Registration
from results.services import draw_run, plan_freeze, results_publish
from tests.registrations.conftest import make_project
from tests.results.conftest import SEED, close, lottery_plan
from tests.results.test_public import page_order

SCRIPT_NAME = "verify_draw.py"
N = 10_000


def _bulk_registrations(plan, projects) -> None:
    """10,000 filings and registrations through the models' bulk_create (the service would take minutes)."""
    start = timezone.now() - dt.timedelta(days=5)
    filings = Filing.objects.bulk_create([
        Filing(filing_no=f"BLK2026{i:06d}", code_hash="x", applicant_name="欧阳娜娜" if i % 7 == 0 else "王芳",
               id_number=f"110105198001{i:06d}", district="朝阳区", family_size=3,
               category="优先" if i % 5 == 0 else "普通", unit_types=["一居室", "二居室", "三居室"],
               valid_until=dt.date(2030, 12, 31), filing_year=2023 + i % 3)
        for i in range(N)
    ], batch_size=1000)
    actor = User.objects.create_user("13700000000")
    Registration.objects.bulk_create([
        Registration(number=f"{plan.code}-{i:06d}", check_code="ABCDEFGH", filing=f, actor=actor, plan=plan,
                     project=projects[i % len(projects)], unit_type=("一居室", "二居室", "三居室")[(i // 4) % 3],
                     notice_acknowledged_at=start, created_at=start + dt.timedelta(seconds=i))
        for i, f in enumerate(filings)
    ], batch_size=1000)


def test_verify_draw_prints_the_page_order_for_10000_registrations(db, staff, stranger, tmp_path: Path):
    plan = lottery_plan("YH2026-10K")
    projects = [make_project(plan, f"10K-{k}", ("一居室", "二居室", "三居室")) for k in range(4)]
    _bulk_registrations(plan, projects)
    close(plan)
    plan_freeze(plan=plan, actor=staff)
    draw = draw_run(plan=plan, seed=SEED, public_value="03 11 19 24 27 31 + 09", actor=staff)
    results_publish(plan=plan, actor=staff)

    html = stranger.get(f"/gongshi/{plan.code}/").content.decode()
    for name, url in (("list.csv", f"/gongshi/{plan.code}/list.csv"),
                      ("draw.txt", f"/gongshi/{plan.code}/{draw.pk}/draw.txt"),
                      (SCRIPT_NAME, f"/gongshi/{plan.code}/verify_draw.py")):
        (tmp_path / name).write_bytes(stranger.get(url).content)
    params = dict(line.split("=", 1) for line in (tmp_path / "draw.txt").read_text(encoding="utf-8").splitlines())

    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, SCRIPT_NAME, "list.csv", "--seed", params["seed"], "--public-value", params["public_value"]],
        cwd=tmp_path, capture_output=True, check=True, env={"PYTHONIOENCODING": "utf-8", "PATH": "/usr/bin:/bin"},
    )
    took = time.perf_counter() - began
    print(f"\nverify_draw.py on {N} registrations took {took:.2f} s")

    printed = done.stdout.decode("utf-8")
    assert len(printed.splitlines()) == N
    assert printed == page_order(html)
    assert plan.seed_commitment in done.stderr.decode("utf-8")
