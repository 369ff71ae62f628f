"""The sign-in backend: Django's ModelBackend, with the family's filing read with its account.

Every page of the journey asks for the signed-in family's filing (bphc.gating.family_filing,
the `filing` reverse relation); reading it in the same query as the account saves a query on
each of them (issue 18). Sessions name the backend they signed in with: ModelBackend stays
in AUTHENTICATION_BACKENDS so that sessions from before this one keep working.
"""

from django.contrib.auth.backends import ModelBackend

# What the sign-in pages name when they log a person in (they know who it is already).
SIGN_IN_BACKEND = "accounts.backends.AccountBackend"


class AccountBackend(ModelBackend):
    def get_user(self, user_id):
        from .models import User

        user = User._default_manager.select_related("filing").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
