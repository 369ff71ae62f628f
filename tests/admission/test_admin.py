"""Operators watch the line and change the rate or pause it, audited (issue 19 item 7)."""

import pytest
from django.test import Client

from accounts.models import AuditLog
from admission import store
from admission.models import Room
from bphc.admin import SECOND_FACTOR_SESSION_KEY

from .conftest import family_clients, register_url


def _manager(make_user) -> Client:
    from django.contrib.auth.models import Group

    user = make_user("13988880000", name="计划管理员甲", is_staff=True)
    user.groups.add(Group.objects.get(name="计划管理员"))
    client = Client()
    client.force_login(user)
    session = client.session
    session[SECOND_FACTOR_SESSION_KEY] = user.pk
    session.save()
    return client


@pytest.mark.django_db
def test_the_list_shows_the_line_live(make_user, room_project):
    for client in family_clients(make_user, 4):
        client.get(register_url(room_project))
    page = _manager(make_user).get("/admin/admission/room/").content.decode()
    assert '<meta http-equiv="refresh" content="10">' in page
    assert '<td class="field-waiting">3</td>' in page
    assert "1（已领通行 1）" in page


@pytest.mark.django_db
def test_pausing_stops_admission_and_is_audited(make_user, room_project, clock):
    families = family_clients(make_user, 3)
    for client in families:
        client.get(register_url(room_project))
    manager = _manager(make_user)
    response = manager.post(f"/admin/admission/room/{room_project.plan_id}/change/", {
        "enabled": "on", "per_minute": "6", "paused": "on", "opens_minutes_before": "30"})
    assert response.status_code == 302
    clock.advance(600)
    config = Room.objects.get().store_config()
    assert store.live(config)["admitted"] == 1 and store.live(config)["paused"]
    assert "放行暂停中" in families[2].get(f"/room/{room_project.plan_id}/").content.decode()
    row = AuditLog.objects.get(action="修改排队设置")
    assert row.actor.name == "计划管理员甲" and row.details == {"paused": [False, True]}, row.details

    manager.post(f"/admin/admission/room/{room_project.plan_id}/change/", {
        "enabled": "on", "per_minute": "60", "opens_minutes_before": "30"})
    clock.advance(2)
    assert store.live(config)["admitted"] == 3  # resumes from where it stopped, at the new rate
    assert AuditLog.objects.filter(action="修改排队设置").count() == 2


@pytest.mark.django_db
def test_a_bad_rate_changes_nothing(make_user, room_project):
    response = _manager(make_user).post(f"/admin/admission/room/{room_project.plan_id}/change/", {
        "enabled": "on", "per_minute": "0", "opens_minutes_before": "30"})
    assert response.status_code == 200 and Room.objects.get().per_minute == 6
    assert not AuditLog.objects.filter(action="修改排队设置").exists()
