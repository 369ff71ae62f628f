import io

import pytest

from accounts import demo as account_demo
from accounts.models import AuditLog
from filings import demo
from filings.models import Filing


def load() -> str:
    out = io.StringIO()
    account_demo.load(out)
    demo.load(out)
    return out.getvalue()


@pytest.mark.django_db
class TestDemoFilings:
    def test_the_demo_file_loads_through_the_importer_and_binds_two_accounts(self):
        load()
        filings = {f.filing_no: f for f in Filing.objects.select_related("account")}
        assert len(filings) >= 8
        assert filings["GLH2026000001"].account.phone == "13800000001"
        assert filings["GLH2026000002"].account.phone == "13800000003"
        assert not Filing.objects.filter(account__phone__in=["13800000002", "13800000004"]).exists()
        assert Filing.objects.filter(account__isnull=False).count() == 2
        assert AuditLog.objects.filter(action="导入备案").count() == 1

    def test_the_demo_covers_the_cases_people_try(self):
        load()
        rows = list(Filing.objects.all())
        assert {"朝阳区", "海淀区", "丰台区", "通州区"} <= {f.district for f in rows}
        assert {"普通", "优先"} <= {f.category for f in rows}
        assert any(len(f.unit_types) == 1 for f in rows) and any(len(f.unit_types) == 3 for f in rows)
        assert [f.filing_no for f in rows if f.status == Filing.Status.INVALID] == ["GLH2026000006"]
        assert any(f.phone for f in rows) and any(not f.phone for f in rows)
        assert all(f.valid_until.year >= 2027 for f in rows)

    def test_loading_twice_changes_nothing(self):
        load()
        before = list(Filing.objects.values_list("filing_no", "account_id", "bound_at", "updated_at"))
        logs = AuditLog.objects.count()
        assert "未变 9" in load()
        assert list(Filing.objects.values_list("filing_no", "account_id", "bound_at", "updated_at")) == before
        assert AuditLog.objects.count() == logs

    def test_the_committed_file_matches_its_generator(self):
        import csv

        from demo import make_demo

        with demo.DEMO_FILE.open(encoding="utf-8-sig", newline="") as f:
            assert list(csv.reader(f)) == [make_demo.HEADER, *[[str(c) for c in r] for r in make_demo.rows()]]

    def test_the_demo_people_verify_their_filings_with_number_and_code_as_the_readme_says(self):
        from django.test import Client

        from accounts.models import User

        load()
        for phone, filing_no, code in (("13800000002", "GLH2026000003", "T6W3N5"),
                                       ("13800000004", "GLH2026000004", "H9C5V2")):
            client = Client()
            client.force_login(User.objects.get(phone=phone))
            response = client.post("/filing/verify/", {"filing_no": filing_no, "code": code})
            assert response.status_code == 302, response.content.decode()
            assert Filing.objects.get(filing_no=filing_no).account.phone == phone
