"""The opening rush on PostgreSQL: real threads, a barrier start, real transactions."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from filings.models import Filing
from registrations.models import Registration
from registrations.services import RegistrationRefused, registration_create
from rentals.models import Plan

from .conftest import make_plan, make_project, make_units

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is proven on PostgreSQL"),
]


def _families(n: int) -> list[User]:
    users = User.objects.bulk_create(User(phone=f"150{i:08d}", password="!") for i in range(n))
    Filing.objects.bulk_create(
        Filing(filing_no=f"GLH9{i:08d}", code_hash="x", applicant_name="测试", id_number="110105198001010016",
               district="朝阳区", family_size=2, category="普通", unit_types=["一居室"], status="有效",
               valid_until=timezone.localdate().replace(year=2030), account=u, bound_at=timezone.now())
        for i, u in enumerate(users)
    )
    return list(User.objects.select_related("filing").filter(pk__in=[u.pk for u in users]))


def _rush(jobs, workers: int = 40):
    """Start every job at once behind a gate; return (outcome, result) per job."""
    gate = threading.Event()

    def run(job):
        try:
            gate.wait(timeout=60)
            return "ok", job()
        except RegistrationRefused as refused:
            return "refused", refused.codes
        except Exception as exc:  # a 500 in the real thing
            return "error", repr(exc)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run, job) for job in jobs]
        gate.set()
        return [f.result() for f in futures]


def test_two_hundred_families_claiming_one_unit_get_one_registration():
    project = make_project(make_plan("RUSH-1", Plan.Mode.REALTIME), "XM-R1", ("一居室",))
    unit = make_units(project, 1)[0]
    families = _families(200)
    jobs = [lambda f=f: registration_create(filing=f.filing, actor=f, project=project, unit=unit, acknowledged=True)
            for f in families]
    outcomes = _rush(jobs)
    assert [o for o, _ in outcomes].count("error") == 0, [r for o, r in outcomes if o == "error"][:3]
    assert [o for o, _ in outcomes].count("ok") == 1
    assert [r for o, r in outcomes if o == "refused"] == [{"unit_taken"}] * 199
    assert Registration.objects.count() == 1


def test_a_thousand_claims_over_fifty_units_give_each_unit_once():
    project = make_project(make_plan("RUSH-2", Plan.Mode.REALTIME), "XM-R2", ("一居室",))
    units = make_units(project, 50)
    families = _families(1000)
    jobs = [lambda f=f, u=units[i % 50]: registration_create(filing=f.filing, actor=f, project=project, unit=u,
                                                             acknowledged=True)
            for i, f in enumerate(families)]
    outcomes = _rush(jobs)
    assert [o for o, _ in outcomes].count("error") == 0
    successes = {reg.pk for o, (reg, created) in ((o, r) for o, r in outcomes if o == "ok") if created}
    rows = set(Registration.objects.active().values_list("pk", flat=True))
    assert len(successes) == 50
    assert successes == rows  # every success has its row, every row had its success
    assert Registration.objects.active().values("unit").distinct().count() == 50


def test_fifty_identical_submissions_by_one_family_register_once():
    project = make_project(make_plan("RUSH-3"), "XM-R3", ("一居室",))
    family = _families(1)[0]
    jobs = [lambda: registration_create(filing=family.filing, actor=family, project=project, unit_type="一居室",
                                        acknowledged=True)] * 50
    outcomes = _rush(jobs)
    assert all(o == "ok" for o, _ in outcomes), outcomes[:3]
    assert len({reg.pk for _, (reg, _) in outcomes}) == 1
    assert sum(created for _, (_, created) in outcomes) == 1
    assert Registration.objects.count() == 1
