"""The sign-in backend reads the family's filing with its account; older sessions stay signed in."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def test_a_page_reads_the_filing_in_the_accounts_own_query(family, family_client):
    with CaptureQueriesContext(connection) as queries:
        assert family_client.get("/gzf/plans/").status_code == 200
    tables = [q["sql"].split(" FROM ")[1].split()[0] for q in queries.captured_queries if " FROM " in q["sql"]]
    assert '"filings_filing"' not in tables, "no query of its own for the filing"
    account = next(q["sql"] for q in queries.captured_queries if '"accounts_user"' in q["sql"].split(" FROM ")[1][:20])
    assert 'JOIN "filings_filing"' in account


def test_a_session_signed_in_before_the_backend_changed_stays_signed_in(family):
    client = Client()
    client.force_login(family, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/gzf/plans/").status_code == 200
    assert client.session["_auth_user_id"] == str(family.pk), "still signed in"

