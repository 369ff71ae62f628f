import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from filings.models import Filing
from tests.conftest import FAMILY_ID, last_code, make_filing_row

ID = "11010519491231002X"


def _raw(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number FROM {table} WHERE id_number IS NOT NULL")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
class TestIdNumbersAtRest:
    def test_the_database_never_holds_a_plain_id_number(self, make_user):
        make_user("13812345678", id_number=ID)
        make_filing_row()
        raw = _raw("accounts_user") + _raw("filings_filing")
        assert len(raw) == 2
        for value in raw:
            assert ID not in value and FAMILY_ID not in value
            assert value.startswith("gAAAAA")

    def test_the_importer_writes_encrypted_values_too(self, tmp_path):
        path = tmp_path / "f.csv"
        path.write_text(
            "备案编号,验证码,申请人姓名,身份证号,手机号,备案区,家庭人数,类别,可选套型,状态,有效期至\n"
            f"GLH2026900001,AB12CD,陈静,{FAMILY_ID},,朝阳区,3,普通,一居室,有效,2030-12-31\n", encoding="utf-8",
        )
        call_command("import_filings", str(path), stdout=io.StringIO())
        assert FAMILY_ID not in _raw("filings_filing")[0]
        assert Filing.objects.get().id_number == FAMILY_ID
        # A second load compares decrypted values: nothing changes.
        out = io.StringIO()
        call_command("import_filings", str(path), stdout=out)
        assert "新建 0，更新 0，未变 1" in out.getvalue()

    def test_the_number_reads_back_and_is_found_by_its_digest(self, make_user):
        user = make_user("13812345678", id_number=ID.lower())
        user.refresh_from_db()
        assert user.id_number == ID
        assert User.objects.filter(id_digest=user.id_digest).get() == user

    def test_a_second_account_with_the_same_number_is_refused(self, client, make_user):
        make_user("13700000000", id_number=ID)
        client.post("/accounts/code/register/", {"phone": "13812345678"})
        response = client.post("/accounts/register/", {
            "phone": "13812345678", "code": last_code("13812345678"), "password": "Sunny-day-88",
            "password2": "Sunny-day-88", "id_number": ID,
        })
        assert "该身份证号已被其他账号使用" in response.content.decode()

    def test_rotate_keys_re_encrypts_every_row_with_the_new_key(self, settings, make_user):
        make_user("13812345678", id_number=ID)
        make_filing_row()
        old_raw = _raw("accounts_user") + _raw("filings_filing")
        new_key = Fernet.generate_key().decode()
        settings.FIELD_ENCRYPTION_KEYS = [new_key, *settings.FIELD_ENCRYPTION_KEYS]
        out = io.StringIO()
        call_command("rotate_keys", stdout=out)
        assert "共重新加密 2 行" in out.getvalue()
        new_raw = _raw("accounts_user") + _raw("filings_filing")
        for value in new_raw:
            assert Fernet(new_key.encode()).decrypt(value.encode()).decode() in (ID, FAMILY_ID)
        assert set(new_raw).isdisjoint(old_raw)
        # The old key can now be dropped.
        settings.FIELD_ENCRYPTION_KEYS = [new_key]
        assert User.objects.get().id_number == ID
        assert Filing.objects.get().id_number == FAMILY_ID
