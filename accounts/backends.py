"""The sign-in backend: Django's ModelBackend, with the family's filing read with its account.

Every page of the journey asks for the signed-in family's filing (bphc.gating.family_filing,
the `filing` reverse relation); reading it in the same query as the account saves a query on
each of them (issue 18). Every request of every family loads its account, so the statement is
written out (bphc/statements.py): the ORM compiled the same select_related query on each one,
1.03 ms of the worker's CPU against 0.25 ms this way (bench/README.md). Sessions name the
backend they signed in with: ModelBackend stays in AUTHENTICATION_BACKENDS so that sessions
from before this one keep working.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection

from bphc.statements import read_one

# What the sign-in pages name when they log a person in (they know who it is already).
SIGN_IN_BACKEND = "accounts.backends.AccountBackend"


def account_with_filing(user_id):
    """The account whose primary key is `user_id` (as a session keeps it), its filing loaded with
    it as select_related("filing") loads it (None where it has none); None for no such account."""
    from filings.models import Filing

    from .models import User

    try:
        pk = User._meta.pk.to_python(user_id)
    except ValidationError:  # a session whose id is not a number
        return None
    quote, account = connection.ops.quote_name, Filing._meta.get_field("account")
    users, filings = quote(User._meta.db_table), quote(Filing._meta.db_table)
    pk_column = quote(User._meta.pk.column)
    found = read_one((User, Filing), f"FROM {users} LEFT JOIN {filings} ON {filings}.{quote(account.column)}"
                                     f" = {users}.{pk_column} WHERE {users}.{pk_column} = %s", [pk])
    if found is None:
        return None
    user, filing = found
    if filing.pk is None:  # no filing joined: its columns were all NULL
        filing = None
    else:
        account.set_cached_value(filing, user)
    account.remote_field.set_cached_value(user, filing)
    return user


class AccountBackend(ModelBackend):
    def get_user(self, user_id):
        user = account_with_filing(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
