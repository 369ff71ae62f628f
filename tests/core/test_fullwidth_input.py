"""Every form that takes a phone, a code, an ID number or a filing number accepts them as a
Chinese input method or a paste gives them: full-width digits and letters, spaces, +86, a
lower-case x (the one normaliser, bphc/validators.py)."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import SmsCode, User
from registrations.models import Registration
from registrations.services import registration_create
from tests.clerks.conftest import CLERK, client_for, staff
from tests.conftest import PASSWORD, make_filing_row
from tests.registrations.conftest import make_plan, make_project

pytestmark = pytest.mark.django_db

PHONE, NEW_PHONE = "13812345678", "13766667777"
X_ID = "11010519491231002X"  # a checksum-valid 身份证号 that ends in X
FILING_NO, FILING_CODE = "GLH2026000777", "AB12CD"


def wide(text: str) -> str:
    """`text` as a full-width input method types it."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" for c in text)


def typed_phone(phone: str) -> str:
    return f"＋８６ {wide(phone[:3])} {wide(phone[3:7])} {wide(phone[7:])}"


def typed_code(code: str) -> str:
    return " ".join(wide(c) for c in code.lower())


def typed_id(number: str) -> str:
    return f"{wide(number[:6])} {wide(number[6:14])} {wide(number[14:17])}{number[17].lower()}"


def code_for(phone: str, purpose: str) -> str:
    return SmsCode.issue(phone=phone, purpose=purpose)[1]


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def family_with_filing() -> User:
    user = User.objects.create_user(PHONE, PASSWORD, name="陈静", id_number=X_ID)
    make_filing_row(FILING_NO, FILING_CODE, account=user, bound_at=timezone.now(), id_number=X_ID)
    return user


# Each case posts what a family or a clerk typed and checks that the portal took it.

def send_code() -> None:
    User.objects.create_user(PHONE, PASSWORD)
    assert Client().post("/accounts/code/login/", {"phone": typed_phone(PHONE)}).json()["sent"] is True
    assert SmsCode.objects.filter(phone=PHONE).exists()


def login_by_code() -> None:
    User.objects.create_user(PHONE, PASSWORD)
    code = code_for(PHONE, SmsCode.Purpose.LOGIN)
    response = Client().post("/accounts/login/", {"tab": "code", "phone": typed_phone(PHONE), "code": typed_code(code)})
    assert response.status_code == 302


def login_by_password() -> None:
    User.objects.create_user(PHONE, PASSWORD)
    response = Client().post("/accounts/login/",
                             {"tab": "password", "phone": typed_phone(PHONE), "password": PASSWORD})
    assert response.status_code == 302


def register() -> None:
    code = code_for(PHONE, SmsCode.Purpose.REGISTER)
    response = Client().post("/accounts/register/", {
        "phone": typed_phone(PHONE), "code": typed_code(code), "password": "kind-words-2026",
        "password2": "kind-words-2026", "id_number": typed_id(X_ID),
    })
    assert response.status_code == 302
    assert User.objects.get(phone=PHONE).id_number == X_ID


def forgot_password() -> None:
    User.objects.create_user(PHONE, PASSWORD)
    code = code_for(PHONE, SmsCode.Purpose.RESET)
    response = Client().post("/accounts/password/reset/", {
        "phone": typed_phone(PHONE), "code": typed_code(code), "password": "new-words-2026",
        "password2": "new-words-2026",
    })
    assert response.status_code == 302
    assert User.objects.get(phone=PHONE).check_password("new-words-2026")


def phone_change() -> None:
    user = User.objects.create_user(PHONE, PASSWORD)
    client = signed_in(user)
    old = code_for(PHONE, SmsCode.Purpose.CHANGE_OLD)
    assert client.post("/accounts/center/phone/", {"code": typed_code(old)}).status_code == 302
    new = code_for(NEW_PHONE, SmsCode.Purpose.CHANGE_NEW)
    response = client.post("/accounts/center/phone/new/", {"phone": typed_phone(NEW_PHONE), "code": typed_code(new)})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.phone == NEW_PHONE


def filing_verification() -> None:
    user = User.objects.create_user(PHONE, PASSWORD)  # no ID number: the form asks for the applicant's
    filing = make_filing_row(FILING_NO, FILING_CODE, id_number=X_ID)
    response = signed_in(user).post("/filing/verify/", {
        "filing_no": " " + wide(FILING_NO.lower()[:7]) + " " + FILING_NO[7:], "code": typed_code(FILING_CODE),
        "id_number": typed_id(X_ID),
    })
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.account == user


def cancel_code() -> None:
    user = family_with_filing()
    project = make_project(make_plan("KS-W"), "XM-W")
    registration, _ = registration_create(filing=user.filing, actor=user, project=project, unit_type="一居室",
                                          acknowledged=True)
    code = code_for(PHONE, SmsCode.Purpose.CANCEL)
    response = signed_in(user).post(f"/registrations/cancel/?ids={registration.pk}", {"code": typed_code(code)})
    assert response.status_code == 302
    assert not Registration.objects.active().exists()


def assisted_registration() -> None:
    make_filing_row(FILING_NO, FILING_CODE, applicant_name="马秀兰", id_number=X_ID, phone=PHONE)
    project = make_project(make_plan("KS-W"), "XM-W")
    clerk = client_for(staff("13900000301", CLERK, "窗口小王"))
    assist = "/admin/registrations/registration/assist/"
    clerk.post(assist, {"filing_no": wide(FILING_NO.lower()), "id_number": typed_id(X_ID)})
    clerk.post(assist + "choose/", {"plan": project.plan_id, "project": project.pk, "unit_type": "一居室",
                                     "acknowledged": "on"})
    clerk.post(assist + "confirm/", {"action": "send_code"})
    code = SmsCode.issue(phone=PHONE, purpose=SmsCode.Purpose.ASSIST)[1]
    response = clerk.post(assist + "confirm/", {"action": "register", "code": typed_code(code)})
    assert response.status_code == 302
    assert Registration.objects.active().count() == 1


def onsite_phone_change() -> None:
    family = User.objects.create_user(PHONE, PASSWORD)
    clerk = client_for(staff("13900000301", CLERK, "窗口小王"))
    code = code_for(NEW_PHONE, SmsCode.Purpose.CHANGE_NEW)
    response = clerk.post(f"/admin/accounts/user/{family.pk}/phone/", {
        "phone": typed_phone(NEW_PHONE), "new_phone_check": "code", "code": typed_code(code), "id_checked": "on",
        "reason": "本人到窗口办理",
    })
    assert response.status_code == 302
    family.refresh_from_db()
    assert family.phone == NEW_PHONE


def filing_phone_correction() -> None:
    filing = make_filing_row(FILING_NO, FILING_CODE, id_number=X_ID, phone="13811112222")
    clerk = client_for(staff("13900000301", CLERK, "窗口小王"))
    response = clerk.post(f"/admin/filings/filing/{filing.pk}/phone/",
                          {"phone": typed_phone(NEW_PHONE), "id_checked": "on", "reason": "原手机号已停用"})
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.phone == NEW_PHONE


def staff_sign_in() -> None:
    User.objects.create_user("13700000001", PASSWORD, name="窗口小王", is_staff=True, is_superuser=True)
    client = Client()
    client.post("/admin/login/", {"phone": typed_phone("13700000001"), "password": PASSWORD})
    code = code_for("13700000001", SmsCode.Purpose.ADMIN_LOGIN)
    response = client.post("/admin/login/", {"step": "code", "code": typed_code(code), "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def admin_adds_an_account() -> None:
    admin = User.objects.create_user("13700000009", PASSWORD, is_staff=True, is_superuser=True)
    response = client_for(admin).post("/admin/accounts/user/add/", {
        "phone": typed_phone(PHONE), "name": "", "password1": "kind-words-2026", "password2": "kind-words-2026",
    })
    assert response.status_code == 302
    assert User.objects.filter(phone=PHONE).exists()


@pytest.mark.parametrize("typed", [typed_id(X_ID), typed_phone(PHONE), wide(FILING_NO.lower())],
                         ids=["ID number", "phone", "filing number"])
def test_the_admin_family_search_finds_a_family_typed_full_width(typed):
    family_with_filing()
    make_filing_row("GLH2026000778", applicant_name="周强", phone="13911112222")
    clerk = client_for(staff("13900000301", CLERK, "窗口小王"))
    listing = clerk.post("/admin/filings/filing/find/", {"q": typed}, follow=True).content.decode()
    assert FILING_NO in listing and "陈静" in listing and "周强" not in listing


CASES: dict[str, Callable[[], None]] = {
    "send code": send_code,
    "family login by code": login_by_code,
    "family login by password": login_by_password,
    "register": register,
    "forgot password": forgot_password,
    "phone change (both codes)": phone_change,
    "filing verification": filing_verification,
    "cancel code": cancel_code,
    "clerk's assisted registration": assisted_registration,
    "clerk's on-site phone change": onsite_phone_change,
    "clerk's filing phone correction": filing_phone_correction,
    "staff sign-in": staff_sign_in,
    "admin adds an account": admin_adds_an_account,
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_full_width_input_is_accepted(case):
    case()
