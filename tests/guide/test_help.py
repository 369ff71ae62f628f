"""Issue 14 item 20: a 帮助 page with the hotline, the places staff keep, and the manual's 其他问题."""

import pytest

from guide.models import AssistPlace


@pytest.mark.django_db
class TestHelpPage:
    def test_it_shows_the_hotline_the_places_and_the_questions(self, stranger, settings):
        settings.BPHC_HOTLINE = "010-96105"
        AssistPlace.objects.create(name="朝阳区保障房服务大厅", address="朝阳区测试路8号", hours="工作日 9:00–17:00")
        page = stranger.get("/help/").content.decode()
        assert "010-96105" in page
        assert "朝阳区保障房服务大厅" in page and "工作日 9:00–17:00" in page
        assert "备案家庭如何重设手机号？" in page and "怎么进行备案信息认证？" in page

    def test_a_place_changed_by_staff_reads_the_new_hours(self, stranger):
        place = AssistPlace.objects.create(name="丰台大厅", address="丰台路1号", hours="周一至周五 9:00–16:00")
        place.hours = "周六 9:00–12:00"
        place.save()
        page = stranger.get("/help/").content.decode()
        assert "周六 9:00–12:00" in page and "周一至周五" not in page

    def test_the_module_page_links_to_it(self, stranger):
        assert 'href="/help/"' in stranger.get("/gzf/").content.decode()

    def test_staff_edit_the_places_in_the_admin(self):
        from django.contrib import admin

        assert AssistPlace in admin.site._registry

    def test_it_answers_only_reads(self, stranger):
        assert stranger.post("/help/").status_code == 405
