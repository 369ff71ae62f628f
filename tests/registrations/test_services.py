import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import AuditLog, SmsMessage
from registrations import eligibility as e
from registrations.models import Registration
from registrations.services import RegistrationRefused, registration_cancel, registration_create
from tests.notifications.jobs import run_jobs


def _register(family, project, **kw):
    kw.setdefault("acknowledged", True)
    return registration_create(filing=family.filing, actor=family, project=project, **kw)


@pytest.mark.django_db
class TestCreate:
    def test_it_registers_a_unit_type_with_a_readable_number(self, family, quick_project):
        registration, created = _register(family, quick_project, unit_type="二居室")
        assert created
        assert registration.number == f"KS2026-01-{registration.pk:06d}"
        assert Registration.objects.get().number == registration.number
        assert len(registration.check_code) == 8
        assert registration.channel == Registration.Channel.ONLINE
        assert registration.notice_acknowledged_at is not None

    def test_it_refuses_without_the_acknowledgement(self, family, quick_project):
        with pytest.raises(RegistrationRefused) as refused:
            _register(family, quick_project, unit_type="一居室", acknowledged=False)
        assert "我已经仔细阅读登记告知书" in refused.value.reasons[0].message
        assert not Registration.objects.exists()

    def test_the_same_request_twice_registers_once(self, family, quick_project):
        first, _ = _register(family, quick_project, unit_type="一居室")
        second, created = _register(family, quick_project, unit_type="一居室")
        assert (second.pk, created) == (first.pk, False)
        assert Registration.objects.count() == 1

    def test_it_refuses_a_second_registration_in_the_plan(self, family, quick_project):
        _register(family, quick_project, unit_type="一居室")
        with pytest.raises(RegistrationRefused) as refused:
            _register(family, quick_project, unit_type="二居室")
        assert refused.value.codes == {e.ALREADY_REGISTERED}

    def test_it_claims_a_unit_and_marks_it_taken(self, family, realtime_project):
        unit = realtime_project.units.first()
        registration, _ = _register(family, realtime_project, unit=unit)
        unit.refresh_from_db()
        assert unit.taken and registration.unit_type == "一居室"

    def test_a_taken_unit_is_refused_to_a_second_family(self, family, other_family, realtime_project):
        unit = realtime_project.units.first()
        _register(family, realtime_project, unit=unit)
        with pytest.raises(RegistrationRefused) as refused:
            _register(other_family, realtime_project, unit=unit)
        assert e.UNIT_TAKEN in refused.value.codes
        assert Registration.objects.count() == 1

    def test_a_refused_second_unit_leaves_that_unit_free(self, family, realtime_project):
        first, second = realtime_project.units.all()[:2]
        _register(family, realtime_project, unit=first)
        with pytest.raises(RegistrationRefused):
            _register(family, realtime_project, unit=second)
        second.refresh_from_db()
        assert not second.taken

    def test_it_texts_the_family_through_the_queue(self, family, quick_project):
        registration, _ = _register(family, quick_project, unit_type="一居室")
        assert not SmsMessage.objects.exists()
        run_jobs()
        text = SmsMessage.objects.get(phone=family.phone).text
        assert registration.number in text

    def test_it_refuses_outside_the_window(self, family, quick_project):
        later = quick_project.plan.closes_at + dt.timedelta(seconds=1)
        with pytest.raises(RegistrationRefused) as refused:
            _register(family, quick_project, unit_type="一居室", now=later)
        assert refused.value.codes == {e.CLOSED}

    def test_an_assisted_registration_records_the_clerk_and_is_audited(self, family, quick_project, make_user):
        clerk = make_user("13700000001", name="窗口小王", is_staff=True)
        registration, _ = registration_create(
            filing=family.filing, actor=clerk, project=quick_project, unit_type="一居室", acknowledged=True,
            channel=Registration.Channel.ASSISTED, clerk=clerk, consent="已核验身份证及备案通知单",
        )
        assert registration.clerk == clerk and registration.is_assisted
        assert AuditLog.objects.get(action="现场协助登记").actor == clerk


@pytest.mark.django_db
class TestCancel:
    def test_cancelling_frees_the_unit_at_once(self, family, other_family, realtime_project):
        unit = realtime_project.units.first()
        registration, _ = _register(family, realtime_project, unit=unit)
        registration_cancel(registration=registration, actor=family)
        unit.refresh_from_db()
        assert not unit.taken
        again, created = _register(other_family, realtime_project, unit=unit)
        assert created

    def test_a_cancelled_registration_does_not_count_for_the_plan(self, family, quick_project):
        registration, _ = _register(family, quick_project, unit_type="一居室")
        registration_cancel(registration=registration, actor=family)
        assert registration.status == Registration.Status.CANCELLED
        _, created = _register(family, quick_project, unit_type="二居室")
        assert created

    def test_it_refuses_after_the_cancel_deadline(self, family, quick_project):
        registration, _ = _register(family, quick_project, unit_type="一居室")
        with pytest.raises(RegistrationRefused) as refused:
            registration_cancel(registration=registration, actor=family,
                                now=quick_project.plan.closes_at + dt.timedelta(minutes=1))
        assert "取消截止时间" in refused.value.reasons[0].message
        registration.refresh_from_db()
        assert registration.is_active

    def test_cancelling_twice_is_refused(self, family, quick_project):
        registration, _ = _register(family, quick_project, unit_type="一居室")
        registration_cancel(registration=registration, actor=family)
        with pytest.raises(RegistrationRefused):
            registration_cancel(registration=registration, actor=family, now=timezone.now())


@pytest.fixture
def same_person_second_filing(family, make_user):
    """Issue 14 item 1: the applicant of `family`'s filing, again, on a newer filing bound to another account.

    The first filing is turned 失效 first, so the pair is one a uniqueness rule on valid
    filings would still allow.
    """
    from filings.models import Filing
    from tests.conftest import FAMILY_ID, make_filing_row

    user = make_user("13955556666", name="陈静")
    # Made 失效: one person has one valid filing (the filings' constraint); `_take_over` swaps them.
    make_filing_row("GLH2024000009", id_number=FAMILY_ID, applicant_name="陈 静", account=user,
                    bound_at=timezone.now(), status=Filing.Status.INVALID)
    return Filing.objects.get(account=user)


def _take_over(old, new):
    """The authority turns the old filing 失效 and the newer one 有效, in that order."""
    old.status = old.Status.INVALID
    old.save()
    new.status = new.Status.VALID
    new.save()


@pytest.mark.django_db
class TestOnePersonPerPlan:
    def _first_registration_then_second_filing(self, family, project, second):
        _register(family, project, unit_type="一居室")
        _take_over(family.filing, second)
        return second

    def test_the_same_id_number_on_another_filing_cannot_register_again(
        self, family, quick_project, same_person_second_filing
    ):
        second = self._first_registration_then_second_filing(family, quick_project, same_person_second_filing)
        with pytest.raises(RegistrationRefused) as refused:
            registration_create(filing=second, actor=second.account, project=quick_project, unit_type="二居室",
                                acknowledged=True)
        assert refused.value.codes == {e.PERSON_REGISTERED}
        assert "每人限登记一次" in refused.value.reasons[0].message
        assert Registration.objects.count() == 1

    def test_a_race_between_the_two_filings_ends_in_the_same_message(
        self, family, quick_project, same_person_second_filing, monkeypatch
    ):
        from registrations import services

        second = self._first_registration_then_second_filing(family, quick_project, same_person_second_filing)
        real = services.blocking_registration
        calls = iter([None])
        # The second request read "nothing registered" before the first committed.
        monkeypatch.setattr(services, "blocking_registration", lambda **kw: next(calls, None) or real(**kw))
        with pytest.raises(RegistrationRefused) as refused:
            registration_create(filing=second, actor=second.account, project=quick_project, unit_type="二居室",
                                acknowledged=True)
        assert refused.value.codes == {e.PERSON_REGISTERED}
        assert Registration.objects.count() == 1

    def test_the_database_holds_one_active_registration_per_person_per_plan(
        self, family, quick_project, same_person_second_filing
    ):
        from django.db import IntegrityError, transaction

        first, _ = _register(family, quick_project, unit_type="一居室")
        with pytest.raises(IntegrityError), transaction.atomic():
            Registration.objects.create(
                number="X-2", check_code="ABCDEFGH", filing=same_person_second_filing,
                person_digest=same_person_second_filing.id_digest, actor=family, plan=quick_project.plan,
                project=quick_project, unit_type="二居室", notice_acknowledged_at=timezone.now(),
            )
        assert first.person_digest == family.filing.id_digest != ""

    def test_after_a_cancel_the_other_filing_may_register(self, family, quick_project, same_person_second_filing):
        first, _ = _register(family, quick_project, unit_type="一居室")
        registration_cancel(registration=first, actor=family)
        _take_over(family.filing, same_person_second_filing)
        registration, created = registration_create(
            filing=same_person_second_filing, actor=same_person_second_filing.account, project=quick_project,
            unit_type="二居室", acknowledged=True,
        )
        assert created and registration.person_digest == first.person_digest
