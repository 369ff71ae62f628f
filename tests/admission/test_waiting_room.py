"""The waiting room in front of the register page (issue 19): places, passes, order, outages."""

import hashlib
import re
from types import SimpleNamespace

import pytest
from django.test import Client

from admission import passes, store
from admission.models import Room
from registrations.models import Registration
from tests.redis_server import RedisServer

from .conftest import family_clients, make_room_project, register_url


def _enter(client: Client, project):
    """Press 登记 on the unit: the register page, or the waiting page it redirects to."""
    return client.get(register_url(project))


def _waiting(client: Client, project, **follow):
    response = _enter(client, project)
    if response.status_code == 302 and response["Location"].startswith("/room/"):
        return client.get(response["Location"], **follow)
    return response


def _ahead(page: str) -> int:
    return int(re.search(r'class="room-ahead">(\d+)<', page).group(1))


def _token(page: str) -> str:
    return re.search(r'排队凭据：<span class="hash">([0-9a-f]{16})</span>', page).group(1)


def _fill(make_user, project, n: int, start: int = 0) -> list[Client]:
    clients = family_clients(make_user, n, start)
    for client in clients:
        _enter(client, project)
    return clients


@pytest.mark.django_db
class TestOnePlacePerFamily:
    def test_the_first_family_at_an_idle_room_goes_straight_to_the_register_page(self, make_user, room_project):
        (client,) = family_clients(make_user, 1)
        response = _enter(client, room_project)
        assert response.status_code == 200 and "确认登记" in response.content.decode()
        assert passes.cookie_name(room_project.plan_id) in response.cookies

    def test_two_tabs_and_two_devices_of_one_account_share_a_place(self, make_user, room_project):
        _fill(make_user, room_project, 3)  # one admitted at once, two waiting
        (phone,) = family_clients(make_user, 1, start=10)
        laptop = Client()
        laptop.force_login(_user_of(phone))
        first = _waiting(phone, room_project).content.decode()
        for _ in range(10):  # ten tabs
            _enter(phone, room_project)
        second = _waiting(laptop, room_project).content.decode()
        assert _token(first) == _token(second)
        assert _ahead(first) == _ahead(second) == 2
        assert store.live(Room.objects.get().store_config())["total"] == 4

    def test_back_reload_and_coming_back_later_keep_the_place(self, make_user, room_project, clock):
        clients = _fill(make_user, room_project, 4)
        last = clients[-1]
        before = _ahead(_waiting(last, room_project).content.decode())
        last.get(f"/room/{room_project.plan_id}/")  # reload
        _enter(last, room_project)  # back to the unit page and 登记 again
        clock.advance(9 * 60)  # browser closed, back nine minutes later (the room admitted ~54 since)
        page = _waiting(last, room_project, follow=True)
        assert before == 2
        # Admitted by now: its place came up, it was not sent to the end behind newcomers.
        assert page.status_code == 200 and "确认登记" in page.content.decode()

    def test_the_place_falls_as_families_are_admitted(self, make_user, room_project, clock):
        clients = _fill(make_user, room_project, 4)
        url = f"/room/{room_project.plan_id}/"
        assert _ahead(clients[3].get(url).content.decode()) == 2
        clock.advance(10)
        assert _ahead(clients[3].get(url).content.decode()) == 1
        clock.advance(20)
        response = clients[3].get(url + "?next=" + register_url(room_project))
        assert response.status_code == 302 and response["Location"] == register_url(room_project)

    def test_the_page_says_place_wait_and_that_leaving_is_fine(self, make_user, room_project):
        clients = _fill(make_user, room_project, 3)
        response = clients[2].get(f"/room/{room_project.plan_id}/")
        page = response.content.decode()
        assert "离开本页不会失去位置" in page and "您前面还有" in page
        assert "约 1 分钟" in page and "每分钟 6 户（设定值，尚无实测）" in page
        assert response["Refresh"] == "5"  # reloads itself without scripts
        assert "轮到我时短信通知我" in page
        still = clients[2].get(f"/room/{room_project.plan_id}/?auto=off")
        assert "Refresh" not in still and "恢复自动刷新" in still.content.decode()

    def test_the_waiting_page_reads_no_plan_place_or_registration(self, make_user, room_project):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        clients = _fill(make_user, room_project, 3)
        clients[2].get(f"/room/{room_project.plan_id}/")  # the session is in the cache from here on
        with CaptureQueriesContext(connection) as queries:
            response = clients[2].get(f"/room/{room_project.plan_id}/")
        page = response.content.decode()
        assert response.status_code == 200 and "您前面还有" in page
        # Nothing but the session (from the cache) and the store: not even the account row.
        assert [q["sql"] for q in queries.captured_queries] == []
        # The header still says the family is signed in, and the page is never cached.
        assert "个人中心" in page and "登录</a>" not in page
        assert "no-store" in response["Cache-Control"]

    def test_the_waiting_page_keeps_the_elder_mode_the_family_chose(self, make_user, room_project):
        clients = _fill(make_user, room_project, 3)
        family = clients[2]
        standard = family.get(f"/room/{room_project.plan_id}/").content.decode()
        family.post("/mode/", {"mode": "elder", "next": "/"})
        assert _user_of(family).elder_mode is True
        elder = family.get(f"/room/{room_project.plan_id}/").content.decode()
        assert '<html lang="zh-Hans" class="elder">' in elder and 'class="elder"' not in standard


def _user_of(client: Client):
    from django.contrib.auth import SESSION_KEY, get_user_model

    return get_user_model().objects.get(pk=client.session[SESSION_KEY])


@pytest.mark.django_db
class TestPasses:
    def test_a_pass_opens_the_register_page_until_it_ends(self, make_user, room_project, clock):
        (client,) = family_clients(make_user, 1)
        _enter(client, room_project)
        clock.advance(14 * 60)
        assert _enter(client, room_project).status_code == 200
        response = client.post(register_url(room_project), {"unit": room_project.units.first().pk,
                                                             "acknowledged": "on"})
        assert response.status_code == 302 and "/success/" in response["Location"]
        assert Registration.objects.count() == 1

    def test_a_pass_for_one_account_does_not_open_the_room_for_another(self, make_user, room_project):
        first, *_, other = _fill(make_user, room_project, 3)
        stolen = first.cookies[passes.cookie_name(room_project.plan_id)].value
        other.cookies[passes.cookie_name(room_project.plan_id)] = stolen
        response = _enter(other, room_project)
        assert response.status_code == 302 and response["Location"].startswith(f"/room/{room_project.plan_id}/")

    def test_a_pass_for_one_plan_does_not_open_another(self, make_user, room_project):
        second = make_room_project("SS-ROOM-02")
        _fill(make_user, second, 2, start=20)  # someone is ahead in the second plan
        (client,) = family_clients(make_user, 1)
        _enter(client, room_project)
        pass_one = client.cookies[passes.cookie_name(room_project.plan_id)].value
        client.cookies[passes.cookie_name(second.plan_id)] = pass_one
        response = _enter(client, second)
        assert response.status_code == 302 and response["Location"].startswith(f"/room/{second.plan_id}/")

    def test_a_forged_pass_is_refused(self, make_user, room_project):
        *_, late = _fill(make_user, room_project, 2)
        late.cookies[passes.cookie_name(room_project.plan_id)] = "[1, 1, 9999999999]"
        assert _enter(late, room_project).status_code == 302

    def test_an_expired_pass_sends_the_family_back_to_its_place_not_the_end(self, make_user, room_project, clock):
        clients = _fill(make_user, room_project, 2)
        clock.advance(10)
        first = clients[1]
        assert _waiting(first, room_project, follow=True).status_code == 200  # admitted, with a pass
        token = store.status(Room.objects.get().store_config(), _user_of(first).pk).place["token"]
        newcomers = _fill(make_user, room_project, 5, start=30)  # five newcomers behind it
        store.set_rate(Room.objects.get().store_config(), rate=6, paused=True)  # nobody new goes in
        clock.advance(16 * 60)
        assert store.status(Room.objects.get().store_config(), _user_of(first).pk).pass_until < clock.t
        page = _enter(first, room_project)
        # The pass ran out; its place is still ahead of the newcomers, so it is let in again.
        assert page.status_code == 200 and "确认登记" in page.content.decode()
        assert all(_enter(c, room_project).status_code == 302 for c in newcomers)
        assert store.status(Room.objects.get().store_config(), _user_of(first).pk).place["token"] == token

    def test_staff_pass_without_a_place(self, make_user, room_project, family):
        from tests.conftest import make_filing_row

        _fill(make_user, room_project, 3)
        clerk = make_user("13911110000", name="窗口", is_staff=True)
        make_filing_row("GLH2025999999", account=clerk)
        client = Client()
        client.force_login(clerk)
        assert _enter(client, room_project).status_code != 302

    def test_a_room_switched_off_lets_families_through(self, make_user, room_project):
        Room.objects.update(enabled=False)
        Room.objects.get().publish()
        clients = _fill(make_user, room_project, 3)
        assert _enter(clients[2], room_project).status_code == 200

    def test_a_room_switched_on_at_another_server_reaches_this_one_within_the_second(
            self, make_user, room_project, monkeypatch):
        Room.objects.update(enabled=False)
        Room.objects.get().publish()
        first, second, third, fourth = family_clients(make_user, 4)
        assert _enter(first, room_project).status_code == 200  # this server sees the room off
        # The operator switches it on at another server: here only the shared store changes.
        store.client().hset(f"bphc:room:{room_project.plan_id}:cfg", "enabled", "1")
        within = _enter(second, room_project)
        assert within.status_code == 200 and passes.cookie_name(room_project.plan_id) not in within.cookies
        monkeypatch.setattr(store, "SEEN_SECONDS", 0.0)  # the second has passed
        admitted = _enter(third, room_project)
        assert admitted.status_code == 200 and passes.cookie_name(room_project.plan_id) in admitted.cookies
        assert _enter(fourth, room_project)["Location"].startswith(f"/room/{room_project.plan_id}/")


@pytest.mark.django_db
class TestOrder:
    def test_early_arrivals_are_ordered_by_the_revealed_seed_and_later_ones_first_come(
            self, make_user, db, clock):
        project = make_room_project("SS-ROOM-03", opens_in_minutes=10)
        plan_id = project.plan_id
        rules = Client().get(f"/room/{plan_id}/rules/").content.decode()
        commitment = re.search(r"种子 SHA-256</dt><dd class=\"hash\">([0-9a-f]{64})<", rules).group(1)
        assert "登记开始时公布" in rules
        early = _fill(make_user, project, 6)
        page = early[0].get(f"/room/{plan_id}/").content.decode()
        assert "所有提前到达的家庭按事先公布的随机种子排定先后" in page and "现已提前到达 <strong>6</strong> 户" in page
        tokens = [_token(c.get(f"/room/{plan_id}/").content.decode()) for c in early]

        clock.advance(11 * 60)  # the plan opens
        late = _fill(make_user, project, 3, start=40)
        rules = Client().get(f"/room/{plan_id}/rules/").content.decode()
        seed = re.search(r"种子</dt><dd><span class=\"hash\">([0-9a-f]+)<", rules).group(1)
        published = Client().get(f"/room/{plan_id}/rules/?format=txt").content.decode().split()

        # Anyone can check, with only the seed and the published formula:
        assert hashlib.sha256(seed.encode()).hexdigest() == commitment
        expected = sorted(tokens, key=lambda token: hashlib.sha256(f"{seed}:{token}".encode()).hexdigest())
        assert published == expected
        config = Room.objects.get(plan_id=plan_id).store_config()
        ranks = [store.status(config, _user_of(c).pk).rank for c in early]
        assert [expected.index(t) for t in tokens] == ranks
        assert [store.status(config, _user_of(c).pk).rank for c in late] == [6, 7, 8]

    def test_a_quick_plan_ordered_by_registration_time_cannot_have_a_room(self, db):
        from django.core.exceptions import ValidationError

        from tests.registrations.conftest import make_plan

        room = Room(plan=make_plan("KS-ROOM-01"), enabled=True)
        with pytest.raises(ValidationError, match="按规则排序"):
            room.clean()


@pytest.mark.django_db
class TestStoreDown:
    def test_a_closed_store_gives_a_clear_page_and_lets_nobody_through(self, make_user, room_project, settings):
        (admitted,) = _fill(make_user, room_project, 1)
        (waiting,) = _fill(make_user, room_project, 1, start=1)
        settings.ADMISSION_STORE_URL = "redis://127.0.0.1:8859/0"  # nothing listens there
        response = _enter(waiting, room_project)
        page = response.content.decode()
        assert response.status_code == 503 and "排队系统暂时不可用" in page and "您的排队位置不会丢失" in page
        assert waiting.get(f"/room/{room_project.plan_id}/").status_code == 503
        # A family already admitted holds a signed pass: it keeps registering.
        assert _enter(admitted, room_project).status_code == 200

    def test_a_store_killed_mid_wait(self, make_user, room_project, settings, tmp_path):
        server = RedisServer(tmp_path)
        server.start()
        try:
            settings.ADMISSION_STORE_URL = server.url
            clients = _fill(make_user, room_project, 2)
            assert "您前面还有" in clients[1].get(f"/room/{room_project.plan_id}/").content.decode()
            server.kill()
            response = clients[1].get(f"/room/{room_project.plan_id}/")
            assert response.status_code == 503 and "排队系统暂时不可用" in response.content.decode()
            assert _enter(clients[1], room_project).status_code == 503
        finally:
            server.kill()
            store._clients.pop(server.url, None)


@pytest.mark.django_db
class TestWaitingPageEdges:
    def test_a_stranger_is_asked_to_sign_in(self, stranger, room_project):
        response = stranger.get(f"/room/{room_project.plan_id}/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    def test_a_family_not_in_line_is_told_how_to_enter(self, family_client, room_project):
        Room.objects.get().publish()
        page = family_client.get(f"/room/{room_project.plan_id}/").content.decode()
        assert "您还没有进入本计划的排队" in page

    def test_an_unknown_plan_is_not_found(self, family_client, db):
        assert family_client.get("/room/999999/").status_code == 404

    def test_next_only_leads_to_a_register_page(self, make_user, room_project, clock):
        clients = _fill(make_user, room_project, 2)
        clock.advance(10)
        response = clients[1].get(f"/room/{room_project.plan_id}/?next=https://evil.example/")
        assert response.status_code == 200 and "轮到您了" in response.content.decode()

    def test_notify_wants_post(self, family_client, room_project):
        assert family_client.get(f"/room/{room_project.plan_id}/notify/").status_code == 405


@pytest.mark.django_db
class TestSmsWhenItIsMyTurn:
    def test_a_family_ticks_the_box_leaves_and_gets_one_sms_at_its_turn(self, make_user, room_project, clock):
        from django.core.management import call_command

        from notifications.models import Notification

        *_, late = _fill(make_user, room_project, 3)
        response = late.post(f"/room/{room_project.plan_id}/notify/", {"sms": "on"})
        assert response.status_code == 302
        page = late.get(response["Location"]).content.decode()
        assert "已开启：轮到您时将发送短信，您可以先离开本页" in page and 'value="on" checked' in page
        call_command("room_notify")
        assert not Notification.objects.exists()  # not its turn yet
        clock.advance(30)
        call_command("room_notify")
        call_command("room_notify")
        sent = Notification.objects.get()
        assert sent.purpose == Notification.Purpose.ROOM_TURN and sent.phone == _user_of(late).phone
        assert sent.params == {"plan": room_project.plan.name}

    def test_quiet_runs_say_nothing_until_a_text_goes(self, make_user, room_project, clock):
        """`make run` runs it every 5 s with --verbosity 0: the terminal hears only of a text sent."""
        import io

        from django.core.management import call_command

        *_, late = _fill(make_user, room_project, 3)
        late.post(f"/room/{room_project.plan_id}/notify/", {"sms": "on"})
        said = io.StringIO()
        call_command("room_notify", verbosity=0, stdout=said)
        assert said.getvalue() == ""
        clock.advance(30)
        call_command("room_notify", verbosity=0, stdout=said)
        assert said.getvalue() == "排队短信：新发 1 条\n"

    def test_the_box_can_be_unticked(self, make_user, room_project):
        *_, late = _fill(make_user, room_project, 2)
        late.post(f"/room/{room_project.plan_id}/notify/", {"sms": "on"})
        late.post(f"/room/{room_project.plan_id}/notify/", {})
        assert "已开启" not in late.get(f"/room/{room_project.plan_id}/").content.decode()

    def test_a_family_not_in_line_cannot_subscribe(self, family_client, room_project):
        Room.objects.get().publish()
        assert family_client.post(f"/room/{room_project.plan_id}/notify/", {"sms": "on"}).status_code == 404


@pytest.mark.django_db
def test_the_wait_is_estimated_from_the_measured_rate(make_user, room_project, clock):
    Room.objects.update(per_minute=60)
    Room.objects.get().publish()
    url = f"/room/{room_project.plan_id}/"
    early = _fill(make_user, room_project, 12)  # two go in at once, then one a second
    for _ in range(2):
        clock.advance(10)
        for client in early:
            client.get(url)
    clock.advance(5)
    store.set_rate(Room.objects.get().store_config(), rate=1, paused=False)  # the operator slows it down
    late = _fill(make_user, room_project, 8, start=50)
    # 12 families went in over the last three minutes: 4 a minute measured, whatever is set.
    page = late[-1].get(url).content.decode()
    assert "最近实际每分钟约 4 户" in page
    assert f"约 {-(-_ahead(page) // 4)} 分钟" in page


def test_too_few_admissions_are_not_a_measurement():
    assert store._measured([3, 2], opens=0, t=1000) is None
    assert store._measured([6, 4], opens=0, t=1000) == 10 * 60 / 180
    assert store._measured([6, 4], opens=990, t=1000) is None  # ten seconds open: too short to tell


@pytest.mark.django_db
def test_families_far_back_refresh_less_often(make_user, room_project):
    clients = _fill(make_user, room_project, 30)  # 6 a minute: the last waits ~5 minutes
    assert clients[2].get(f"/room/{room_project.plan_id}/")["Refresh"] == "5"
    assert clients[29].get(f"/room/{room_project.plan_id}/")["Refresh"] == "30"


def test_early_arrivals_first_look_after_opening_at_a_random_moment_not_by_arrival():
    """The family-side half of the pre-opening fairness: when an early family first looks after
    opening must not follow when it arrived (the draw's order would then be seen in arrival order)."""
    from admission.views import REFRESH_SECONDS, _refresh_seconds

    opens = 1_000_000.0
    config = SimpleNamespace(opens=opens)
    waiting = SimpleNamespace(rank=None)
    for before in (0.2, 1.0, 3.7, 6.0, 9.9, 10.0):
        landings = {t + _refresh_seconds(waiting, config, t) for t in [opens - before] * 200}
        assert all(opens < at <= opens + REFRESH_SECONDS + 1 for at in landings), (before, landings)
        assert len(landings) >= 3, (before, landings)
    assert opens - 60 + _refresh_seconds(waiting, config, opens - 60) == opens - 30  # far off: halfway


@pytest.mark.django_db
class TestThePlanPage:
    def test_the_announcement_shows_the_seed_hash_before_opening_and_the_seed_after(self, family_client, clock):
        project = make_room_project("SS-ROOM-04", opens_in_minutes=10)
        room = Room.objects.get(plan=project.plan)
        page = family_client.get(f"/gzf/plans/{project.plan_id}/").content.decode()
        assert "排队登记" in page and room.commitment in page and room.seed not in page
        clock.advance(11 * 60)
        page = family_client.get(f"/gzf/plans/{project.plan_id}/").content.decode()
        assert room.seed in page

    def test_the_unit_table_is_behind_the_room(self, make_user, room_project):
        *_, late = _fill(make_user, room_project, 2)
        response = late.get(f"/gzf/projects/{room_project.pk}/")
        assert response.status_code == 302 and response["Location"].startswith(f"/room/{room_project.plan_id}/")

    def test_a_plan_moved_to_a_later_opening_reaches_the_room_at_once(self, make_user, room_project, clock):
        import datetime as dt

        plan = room_project.plan
        plan.opens_at = dt.datetime.fromtimestamp(clock.t + 600, tz=dt.UTC)
        plan.save()
        (client,) = family_clients(make_user, 1)
        _enter(client, room_project)
        page = client.get(f"/room/{plan.pk}/").content.decode()
        assert "您已进入排队" in page and "现已提前到达 <strong>1</strong> 户" in page


@pytest.mark.django_db
def test_a_room_switched_off_mid_wait_sends_the_waiting_on(make_user, room_project):
    *_, late = _fill(make_user, room_project, 3)
    location = _enter(late, room_project)["Location"]
    Room.objects.update(enabled=False)
    Room.objects.get().publish()
    response = late.get(location)
    assert response.status_code == 302 and response["Location"] == register_url(room_project)
    assert late.get(register_url(room_project)).status_code == 200
