"""The statements written out for the rush (bphc/statements.py) read and write rows exactly as the
ORM does, on SQLite and on PostgreSQL: JSON, dates, decimals, encrypted ID numbers, new ids."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bphc.statements import insert_all, insert_one, read_one
from filings.models import Filing
from notifications.models import Notification
from registrations.models import Registration
from rentals.models import Plan, Project, Unit
from tests.registrations.conftest import make_plan, make_project, make_units

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_a_row_read_is_the_row_the_orm_reads():
    project = make_project(make_plan("ST-RT", Plan.Mode.REALTIME), "XM-ST", ("一居室",))
    unit = make_units(project, 3)[1]
    found = Unit.published_with_project(unit.pk, project.pk)
    assert _fields(found) == _fields(Unit.objects.get(pk=unit.pk))
    assert isinstance(found.area, Decimal) and found.project.plan.opens_at.tzinfo is not None
    assert _fields(found.project) == _fields(Project.objects.get(pk=project.pk))
    assert _fields(found.project.plan) == _fields(Plan.objects.get(pk=project.plan_id))
    assert read_one((Unit,), f"FROM {Unit._meta.db_table} WHERE id = %s", [10**30]) is None


def test_an_encrypted_field_reads_back_decrypted(family):
    filing = family.filing
    (found,) = read_one((Filing,), f"FROM {Filing._meta.db_table} WHERE id = %s", [filing.pk])
    assert found.id_number == Filing.objects.get(pk=filing.pk).id_number and found.id_number


def test_an_insert_writes_what_save_would():
    now = timezone.now()
    written = Notification(phone="13900001111", purpose=Notification.Purpose.REGISTERED,
                           params={"number": "KS-000001", "plan": "快速配租"}, created_at=now, next_attempt_at=now)
    insert_one(written)
    assert _fields(Notification.objects.get(pk=written.pk)) == _fields(written)


def test_rows_inserted_together_are_what_save_would_write_in_one_statement_on_postgresql():
    from notifications.services import _delivery_job
    from notifications.tasks import deliver

    now = timezone.now()
    notification = Notification(phone="13900002222", purpose=Notification.Purpose.REGISTERED,
                                params={"number": "SS-000002"}, created_at=now, next_attempt_at=now)
    job = _delivery_job(deliver, str(notification.pk))
    notification.job_id = job.id
    with CaptureQueriesContext(connection) as queries:
        insert_all(job, notification)
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    assert _fields(DBTaskResult.objects.get(pk=job.pk)) == _fields(job)
    assert _fields(Notification.objects.get(pk=notification.pk)) == _fields(notification)


def test_rows_without_their_keys_are_refused_before_anything_is_written(family):
    project = make_project(make_plan("ST-KS3"), "XM-ST3", ("一居室",))
    registration = Registration(number="ST-3", check_code="ABCDEFGH", filing=family.filing, actor=family,
                                plan=project.plan, project=project, unit_type="一居室", created_at=timezone.now(),
                                notice_acknowledged_at=timezone.now(), person_digest=family.filing.id_digest)
    now = timezone.now()
    notification = Notification(phone="13900003333", purpose=Notification.Purpose.REGISTERED, params={},
                                created_at=now, next_attempt_at=now)
    with pytest.raises(ValueError, match="Registration has none"):
        insert_all(notification, registration)
    assert not Notification.objects.filter(pk=notification.pk).exists()


def test_an_insert_gets_the_new_rows_id(family):
    project = make_project(make_plan("ST-KS"), "XM-ST2", ("一居室",))
    registration = Registration(number="ST-1", check_code="ABCDEFGH", filing=family.filing, actor=family,
                                plan=project.plan, project=project, unit_type="一居室", created_at=timezone.now(),
                                notice_acknowledged_at=timezone.now(), person_digest=family.filing.id_digest)
    insert_one(registration)
    assert registration.pk is not None and Registration.objects.get(pk=registration.pk).number == "ST-1"


PREPARED = connection.vendor == "postgresql" and connection.settings_dict["OPTIONS"].get("server_side_binding")


@pytest.mark.skipif(not PREPARED, reason="prepared statements are PostgreSQL's, and DB_PREPARED=0 turns them off")
def test_a_statement_a_connection_runs_again_and_again_is_prepared_once_by_postgresql():
    project = make_project(make_plan("ST-PR", Plan.Mode.REALTIME), "XM-PR", ("一居室",))
    make_units(project, 2)
    for _ in range(6):
        assert Unit.taken_in(project.pk) == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%rentals_unit%"])
        assert cursor.fetchone()[0] >= 1  # parsed and planned once for the connection, not on every page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the sequence's own statement is PostgreSQL's")
def test_a_registrations_number_is_its_plans_code_and_its_key_of_six_digits_or_more(family):
    project = make_project(make_plan("ST-NO"), "XM-NO", ("一居室",))
    numbers = []
    for start in (41, 1234566):  # below and past six digits
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [Registration._meta.db_table, start])
        registration = Registration(check_code="ABCDEFGH", filing=family.filing, actor=family, plan=project.plan,
                                    project=project, unit_type="一居室", created_at=timezone.now(),
                                    notice_acknowledged_at=timezone.now(), person_digest=family.filing.id_digest)
        registration.insert_numbered()
        stored = Registration.objects.get(pk=registration.pk)
        assert stored.number == registration.number == f"ST-NO-{registration.pk:06d}"
        assert _fields(stored) == _fields(registration)
        numbers.append(stored.number)
        stored.status = Registration.Status.CANCELLED  # one active registration a family and plan
        stored.save()
    assert numbers == ["ST-NO-000042", "ST-NO-1234567"]
