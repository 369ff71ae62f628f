"""A family search filter must say where its model reaches the filing: a list that forgot would
have searched a field called `Noneid_digest` and shown the clerk a server error on the first search."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from bphc.staff_search import FamilySearchFilter


def test_a_filter_that_does_not_say_where_the_filing_is_is_refused_when_defined():
    with pytest.raises(ImproperlyConfigured, match="filing_path"):
        type("Forgot", (FamilySearchFilter,), {"__module__": __name__})


def test_a_filter_that_matches_its_own_way_needs_no_path():
    from accounts.admin import FamilyFilter

    assert FamilyFilter.filing_path is None  # it matches the account and its filing itself


def test_the_filters_in_use_say_it():
    from filings.admin import FilingAdmin
    from registrations.admin import RegistrationAdmin

    for admin_class in (FilingAdmin, RegistrationAdmin):
        assert admin_class.family_filter.filing_path is not None
