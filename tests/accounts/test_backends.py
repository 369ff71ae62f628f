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



CENTER = "/accounts/center/"


def _columns(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_the_account_and_its_filing_come_as_the_orm_reads_them(family):
    from accounts.backends import AccountBackend
    from accounts.models import User

    family.id_number = "110105198001010016"  # encrypted at rest: read back in clear
    family.save()
    orm = User.objects.select_related("filing").get(pk=family.pk)
    with CaptureQueriesContext(connection) as queries:
        read = AccountBackend().get_user(str(family.pk))  # as the session keeps it
        assert _columns(read) == _columns(orm)
        assert _columns(read.filing) == _columns(orm.filing)
        assert read.filing.account is read
    assert len(queries) == 1, "the filing, and the filing's account, come with the account"


def test_a_deactivated_account_is_signed_out(family, family_client):
    assert family_client.get(CENTER).status_code == 200
    family.is_active = False
    family.save()
    assert family_client.get(CENTER)["Location"].startswith("/accounts/login/")


def test_an_id_naming_no_account_finds_none(family, family_client):
    from accounts.backends import AccountBackend

    for user_id in ("abc", "", str(family.pk + 1000), str(2**70)):
        assert AccountBackend().get_user(user_id) is None
    family.delete()
    assert family_client.get(CENTER)["Location"].startswith("/accounts/login/")
