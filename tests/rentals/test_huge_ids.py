"""An address with a number no row can have (a typo, a crawler) is 'not found', never a 500."""

import pytest

pytestmark = pytest.mark.django_db

HUGE = "9" * 25


@pytest.mark.parametrize("path", [f"/gzf/plans/{HUGE}/", f"/gzf/projects/{HUGE}/", f"/register/{HUGE}/",
                                  f"/register/{HUGE}/?unit=1"])
def test_a_number_too_big_for_any_row_is_not_found(family_client, path):
    assert family_client.get(path).status_code == 404


def test_a_unit_number_too_big_for_any_row_is_not_found(family_client, realtime_project):
    assert family_client.get(f"/register/{realtime_project.pk}/?unit=999999999999999").status_code == 404
