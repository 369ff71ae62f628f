import pytest
from django.urls import reverse

from accounts.models import AuditLog, SmsMessage, User
from tests.conftest import last_code
from tests.notifications.jobs import run_jobs

STEP1 = "/accounts/center/phone/"
STEP2 = "/accounts/center/phone/new/"


@pytest.mark.django_db
class TestPhoneChange:
    def _pass_step_one(self, client, person):
        client.post(reverse("accounts:send_code", args=["change_old"]))
        return client.post(STEP1, {"code": last_code(person.phone)})

    def test_it_changes_the_phone_through_both_codes(
        self, person_client, person, django_capture_on_commit_callbacks
    ):
        assert self._pass_step_one(person_client, person)["Location"] == STEP2
        assert person_client.post(
            reverse("accounts:send_code", args=["change_new"]), {"phone": "13655556666"}
        ).json()["sent"]
        with django_capture_on_commit_callbacks(execute=True):
            response = person_client.post(STEP2, {"phone": "13655556666", "code": last_code("13655556666")})
        run_jobs()  # the notice goes through the queue
        assert response.status_code == 302
        person.refresh_from_db()
        assert person.phone == "13655556666"
        assert AuditLog.objects.filter(action="修改手机号", target_id=str(person.pk)).exists()
        notice = SmsMessage.objects.filter(phone="13911112222").first()
        assert "更换为136****6666" in notice.text

    def test_step_two_needs_step_one(self, person_client):
        response = person_client.get(STEP2)
        assert response["Location"] == STEP1
        answer = person_client.post(reverse("accounts:send_code", args=["change_new"]), {"phone": "13655556666"})
        assert answer.status_code == 400
        assert not SmsMessage.objects.filter(phone="13655556666").exists()

    def test_the_old_code_goes_to_the_current_phone_whatever_is_posted(self, person_client, person):
        person_client.post(reverse("accounts:send_code", args=["change_old"]), {"phone": "13655556666"})
        assert SmsMessage.objects.filter(phone=person.phone).count() == 1
        assert not SmsMessage.objects.filter(phone="13655556666").exists()

    def test_a_wrong_old_code_keeps_the_person_on_step_one(self, person_client):
        person_client.post(reverse("accounts:send_code", args=["change_old"]))
        response = person_client.post(STEP1, {"code": "000001"})
        assert response.status_code == 400
        assert person_client.get(STEP2)["Location"] == STEP1

    def test_a_phone_already_in_use_is_refused(self, person_client, person, make_user):
        make_user("13655556666")
        self._pass_step_one(person_client, person)
        answer = person_client.post(reverse("accounts:send_code", args=["change_new"]), {"phone": "13655556666"})
        assert "已绑定其他账号" in answer.json()["message"]
        response = person_client.post(STEP2, {"phone": "13655556666", "code": "123456"})
        assert response.status_code == 400
        person.refresh_from_db()
        assert person.phone == "13911112222"

    def test_it_needs_sign_in(self, stranger):
        assert stranger.get(STEP1).status_code == 302
        assert stranger.post(reverse("accounts:send_code", args=["change_old"])).status_code == 400
        assert User.objects.count() == 0
