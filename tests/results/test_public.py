"""The 公示 page (no sign-in), its downloads, and the family's 顺序号 in 业务记录, detail and /verify/."""

import re

import pytest
from django.test import Client

from registrations.models import Registration
from results.masking import mask_filing_no, mask_name
from results.models import Position
from results.services import draw_run, plan_freeze, results_publish
from tests.results.conftest import PUBLIC_VALUE, SEED


def page_order(html: str) -> str:
    """The page's tables as verify_draw.py prints them: project,unit type,顺序号,registration number.

    The page lists 套型 in the vocabulary's order (一居室, 二居室, 三居室); the script in text
    order: groups are put in the script's order, rows keep the page's.
    """
    tables = re.findall(r'<table class="order" data-project="([^"]+)" data-unit-type="([^"]+)">(.*?)</table>',
                        html, re.S)
    lines = []
    for project, unit_type, body in sorted(tables, key=lambda t: (t[0], t[1])):
        for number, reg in re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td>", body):
            lines.append(f"{project},{unit_type},{number},{reg}\n")
    return "".join(lines)


@pytest.fixture
def published(closed_lottery, staff):
    plan_freeze(plan=closed_lottery, actor=staff)
    draw_run(plan=closed_lottery, seed=SEED, public_value=PUBLIC_VALUE, actor=staff)
    results_publish(plan=closed_lottery, actor=staff)
    return closed_lottery


@pytest.mark.parametrize(("name", "masked"), [
    ("王芳", "王*"), ("欧阳娜娜", "欧阳**"), ("李小明", "李**"), ("欧阳", "欧*"), ("张", "张*")])
def test_names_are_masked_to_the_surname(name, masked):
    assert mask_name(name) == masked


def test_filing_numbers_are_masked():
    assert mask_filing_no("GLH2026000002") == "GLH2026****02"
    assert mask_filing_no("AB12") == "****"


def test_the_public_page_needs_no_sign_in_and_masks_every_name(published, stranger: Client):
    html = stranger.get(f"/gongshi/{published.code}/").content.decode()
    assert "王*" in html and "欧阳**" in html and "TST2026****01" in html
    for secret in ("王芳", "欧阳娜娜", "TST2026000001", "110105", "13800000101"):
        assert secret not in html
    assert published.seed_commitment in html and SEED in html and PUBLIC_VALUE in html
    assert published.freeze.list_sha256 in html
    assert "如何自己核对" in html and "python3 verify_draw.py" in html
    assert "共 3 户登记，房源 10 套" in html


def test_the_page_shows_the_stored_order(published, stranger: Client):
    html = stranger.get(f"/gongshi/{published.code}/").content.decode()
    stored = "".join(f"{p.project.code},{p.unit_type},{p.number},{p.registration.number}\n"
                     for p in Position.objects.select_related("project", "registration").order_by(
                         "project__code", "unit_type", "number"))
    assert sorted(page_order(html).splitlines()) == sorted(stored.splitlines())


def test_the_files_download(published, stranger: Client):
    listing = stranger.get(f"/gongshi/{published.code}/list.csv")
    assert listing.status_code == 200 and listing.content.decode() == published.freeze.list_text
    draw = published.draws.get()
    params = stranger.get(f"/gongshi/{published.code}/{draw.pk}/draw.txt").content.decode()
    assert f"seed={SEED}\n" in params and f"seed_commitment={published.seed_commitment}" in params
    script = stranger.get(f"/gongshi/{published.code}/verify_draw.py")
    assert b"hashlib" in script.content and "attachment" in script["Content-Disposition"]
    order = stranger.get(f"/gongshi/{published.code}/{draw.pk}/order.csv").content.decode()
    html = stranger.get(f"/gongshi/{published.code}/").content.decode()
    assert order == page_order(html)


def test_before_the_draw_is_published_the_page_shows_only_the_frozen_list(closed_lottery, staff, stranger):
    plan_freeze(plan=closed_lottery, actor=staff)
    draw = draw_run(plan=closed_lottery, seed=SEED, public_value=PUBLIC_VALUE, actor=staff)
    html = stranger.get(f"/gongshi/{closed_lottery.code}/").content.decode()
    assert closed_lottery.freeze.list_sha256 in html and SEED not in html and "顺序号" not in html
    assert stranger.get(f"/gongshi/{closed_lottery.code}/{draw.pk}/draw.txt").status_code == 404


def test_an_unfrozen_or_unknown_plan_has_no_public_page(closed_lottery, stranger):
    assert stranger.get(f"/gongshi/{closed_lottery.code}/").status_code == 404
    assert stranger.get("/gongshi/NO-SUCH/").status_code == 404


def test_the_page_refuses_a_post(published, stranger):
    assert stranger.post(f"/gongshi/{published.code}/").status_code == 405


def test_a_correction_is_shown_beside_the_first(closed_lottery, staff, stranger):
    plan_freeze(plan=closed_lottery, actor=staff)
    draw_run(plan=closed_lottery, seed=SEED, public_value="录错的值", actor=staff)
    results_publish(plan=closed_lottery, actor=staff)
    draw_run(plan=closed_lottery, seed=SEED, public_value=PUBLIC_VALUE, actor=staff, correct=True,
             reason="公开值录入有误")
    results_publish(plan=closed_lottery, actor=staff)
    html = stranger.get(f"/gongshi/{closed_lottery.code}/").content.decode()
    assert "更正说明" in html and "公开值录入有误" in html and "录错的值" in html and PUBLIC_VALUE in html


def test_the_public_page_query_count_stays_flat(published, stranger, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert stranger.get(f"/gongshi/{published.code}/").status_code == 200


def _client_for(registration: Registration) -> Client:
    filing = registration.filing
    filing.account = registration.actor
    filing.save(update_fields=["account"])
    client = Client()
    client.force_login(registration.actor)
    return client


def test_the_family_sees_its_position_in_records_detail_and_verify(published):
    position = Position.objects.select_related("registration__filing").get(
        registration__filing__filing_no="TST2026000001")
    registration = position.registration
    client = _client_for(registration)
    line = f"顺序号 {position.number}</strong> · 本项目一居室共 3 户登记，房源 10 套"
    for url in ("/center/records/", f"/registrations/{registration.pk}/",
                f"/verify/{registration.number}/{registration.check_code}/"):
        html = client.get(url).content.decode()
        assert line in html, url
        assert f'href="/gongshi/{published.code}/"' in html


def test_no_position_shows_before_the_publication(closed_lottery, staff):
    plan_freeze(plan=closed_lottery, actor=staff)
    draw_run(plan=closed_lottery, seed=SEED, public_value=PUBLIC_VALUE, actor=staff)
    registration = Registration.objects.get(filing__filing_no="TST2026000001")
    assert "顺序号" not in _client_for(registration).get("/center/records/").content.decode()


def test_the_announcement_shows_the_commitment_from_publication(closed_lottery, stranger, family_client):
    for client, url in ((stranger, "/gzf/plans/"), (family_client, f"/gzf/plans/{closed_lottery.pk}/")):
        html = client.get(url).content.decode()
        assert closed_lottery.seed_commitment in html and closed_lottery.public_value_name in html, url
        assert "<dt>排序方式</dt><dd>摇号</dd>" in html, url


def test_the_plan_list_links_to_the_public_page_once_frozen(closed_lottery, staff, stranger):
    assert f"/gongshi/{closed_lottery.code}/" not in stranger.get("/gzf/plans/").content.decode()
    plan_freeze(plan=closed_lottery, actor=staff)
    assert f'href="/gongshi/{closed_lottery.code}/"' in stranger.get("/gzf/plans/").content.decode()


def test_a_closed_realtime_plan_lists_its_claimed_units(realtime_project, family, stranger):
    from registrations.services import registration_create
    from tests.results.conftest import close

    unit = realtime_project.units.first()
    registration_create(filing=family.filing, actor=family, project=realtime_project, unit=unit, acknowledged=True)
    code = realtime_project.plan.code
    assert stranger.get(f"/gongshi/{code}/").status_code == 404  # still open: nothing is final
    close(realtime_project.plan)
    html = stranger.get(f"/gongshi/{code}/").content.decode()
    assert unit.label in html and "陈*" in html and "陈静" not in html and "已登记房源 1 套" in html
