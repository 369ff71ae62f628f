"""The rush's hot paths keep the query counts the bench measured (bench/README.md)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from registrations.models import Registration
from rentals.models import Plan
from tests.registrations.conftest import make_plan, make_project, make_units

pytestmark = pytest.mark.django_db


def test_a_real_time_registration_takes_a_fixed_number_of_queries(family_client, django_assert_max_num_queries):
    project = make_project(make_plan("HOT-SS", Plan.Mode.REALTIME), "XM-HOT-SS", ("一居室",))
    unit = make_units(project, 50)[7]
    url = f"/register/{project.pk}/?unit={unit.pk}"
    assert family_client.get(f"/gzf/projects/{project.pk}/").status_code == 200  # the page it chose from
    with django_assert_max_num_queries(3):  # the user with its filing, the unit with its project and plan, existing
        assert family_client.get(url).status_code == 200  # the 告知书
    # the user with its filing, the unit with its project and plan (the offers from the cached
    # catalogue); in the transaction: existing, the claim with the numbered insert, the
    # notification's job and row (+ SAVEPOINT/RELEASE: the test itself runs in a transaction).
    # SQLite: the claim, the insert and its number, the job and the row one statement each (10).
    # 9 on PostgreSQL before the claim went into the insert and the job and row into one
    # statement; 11 before the unit was read with its project (the bound said 12: the user and
    # the filing were two reads once); was 15; 12 before the durable notification (issue 15); 14
    # before the cached offers and the claim without reading the unit again.
    ContentType.objects.get_for_model(Registration)  # cached for the process's life
    with django_assert_max_num_queries(7 if connection.vendor == "postgresql" else 10):
        response = family_client.post(url, {"unit": unit.pk, "acknowledged": "on"})
    assert response.status_code == 302


def test_a_quick_registration_takes_a_fixed_number_of_queries(family_client, django_assert_max_num_queries):
    project = make_project(make_plan("HOT-KS"), "XM-HOT-KS", ("一居室",))
    url = f"/register/{project.pk}/"
    assert family_client.get(f"/gzf/projects/{project.pk}/").status_code == 200
    assert family_client.get(url).status_code == 200
    ContentType.objects.get_for_model(Registration)
    # PostgreSQL: the job and the row in one statement (8 before); SQLite: one each, and the number
    # after the insert (9); 9 before the notification's job and row; 11 before the cached offers.
    with django_assert_max_num_queries(7 if connection.vendor == "postgresql" else 9):
        response = family_client.post(url, {"unit_type": "一居室", "acknowledged": "on"})
    assert response.status_code == 302
