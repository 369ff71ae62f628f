"""The bench's families are signed in as login() leaves them (bench/world.py): their sessions in
the database and in the cache, so a family's first page of the rush reads no session row (before
this the bench's first wave, the plan list, paid a session read per family that login never leaves)."""

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore

from bench import world

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                       reason="the bench writes its rows with PostgreSQL's COPY"),
]


def test_each_session_is_in_the_cache_as_login_leaves_it(make_user, django_assert_num_queries):
    users = [make_user(phone=f"1390000{n:04d}") for n in range(3)]
    keys = world._sessions(users)
    for user, key in zip(users, keys, strict=True):
        with django_assert_num_queries(0):
            session = SessionStore(key).load()
        assert session["_auth_user_id"] == str(user.pk)
