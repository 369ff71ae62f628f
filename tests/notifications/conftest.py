from tests.registrations.conftest import (  # noqa: F401  (fixtures used by these tests)
    make_plan,
    make_project,
    quick_project,
    realtime_project,
)
