"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

One browser for the run of browser tests, a fresh context per test, every test on a phone
and a desktop screen. A failing test leaves a screenshot and the page's HTML under
test-artifacts/e2e/.
"""

import os
import re
import shutil
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]
SCREENS = {
    "phone": {
        "viewport": {"width": 375, "height": 812},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}
E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = E2E_DIR.parents[1] / "test-artifacts" / "e2e"
# Fail fast, yet leave room for a loaded CI machine (2 CPUs shared with other suites).
TIMEOUT_MS = 10_000


def _is_browser_test(item: pytest.Item | None) -> bool:
    return item is not None and E2E_DIR in Path(str(item.path)).parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Everything under tests/e2e/ is a browser test, so `-m "not browser"` leaves them all out.
    for item in items:
        if _is_browser_test(item):
            item.add_marker(pytest.mark.browser)


def _missing_chromium(config: pytest.Config) -> None:
    if _skipped_key in config.stash:
        pytest.skip(config.stash[_skipped_key])
    if os.geteuid() == 0:
        pytest.fail(f"{CHROMIUM} is missing. Run `make sysdeps` (installs Debian's chromium).", pytrace=False)
    message = (
        f"BROWSER TESTS SKIPPED: {CHROMIUM} is missing and this user cannot install it. "
        "Run `sudo make sysdeps` (or `apt-get install chromium chromium-driver` as root)."
    )
    config.stash[_skipped_key] = message
    warnings.warn(message, pytest.PytestWarning, stacklevel=2)
    print(f"\n!!! {message}\n", file=sys.__stderr__, flush=True)
    pytest.skip(message)


_skipped_key = pytest.StashKey[str]()
_artifacts_key = pytest.StashKey[list]()


# Started by the first browser test, stopped after the last one (see pytest_runtest_teardown).
_running: dict = {}


@pytest.fixture
def browser(pytestconfig: pytest.Config):
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        _missing_chromium(pytestconfig)
    if "browser" not in _running:
        _start_browser()
    return _running["browser"]


def _start_browser() -> None:
    from playwright.sync_api import expect, sync_playwright

    # Playwright's sync API keeps an event loop running in this thread while it is started;
    # Django would refuse the ORM calls the tests make beside it (creating users, reading the
    # SMS outbox). Set only while the browser runs: a subprocess started by a later test
    # (manage.py check --deploy) must not inherit it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    expect.set_options(timeout=TIMEOUT_MS)
    _running["playwright"] = sync_playwright().start()
    _running["browser"] = _running["playwright"].chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )


def _stop_browser() -> None:
    try:
        if "browser" in _running:
            _running.pop("browser").close()
    finally:
        if "playwright" in _running:
            _running.pop("playwright").stop()
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    # Browser tests run together (pytest-django groups the live-server tests); once the
    # last has torn down its context and database, the event loop must go before the next
    # ordinary test touches the ORM.
    try:
        return (yield)
    finally:
        if _running and not _is_browser_test(nextitem):
            _stop_browser()


def pytest_sessionfinish(session: pytest.Session) -> None:
    _stop_browser()


@pytest.fixture(params=list(SCREENS))
def screen(request: pytest.FixtureRequest) -> str:
    """'phone' or 'desktop'; every browser test runs once on each."""
    return request.param


# Every journey runs in both display modes; visit_check holds each page to its mode's numbers.
MODES = ("standard", "elder")


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """'standard' (标准版) or 'elder' (长辈版): the mode the browser has chosen before the test starts."""
    return request.param


def _new_context(browser, screen: str, live_server, mode: str = "standard"):
    from bphc.modes import COOKIE

    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        **SCREENS[screen],
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([{"name": COOKIE, "value": mode, "url": live_server.url}])
    return context


def _new_page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # The CSP blocks inline scripts and styles without a word on the page; only the console says so.
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.script_errors = errors  # uncaught exceptions and CSP refusals, read by visit_check
    return page


def _add_session(context, user, live_server) -> None:
    from django.conf import settings
    from django.test import Client

    from tests.staff import sign_in_staff

    client = Client()
    if user.is_staff:
        sign_in_staff(client, user)
    else:
        client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


@pytest.fixture
def context(browser, screen: str, mode: str, live_server) -> Iterator:
    context = _new_context(browser, screen, live_server, mode)
    yield context
    context.close()


@pytest.fixture
def page(context, request: pytest.FixtureRequest) -> Iterator:
    page = _new_page(context)
    yield page
    call = getattr(request.node, "rep_call", None)
    if page.script_errors and call is not None and call.passed:
        pytest.fail("Uncaught script errors in the page:\n" + "\n".join(page.script_errors), pytrace=False)


@pytest.fixture
def sign_in(context, live_server):
    """sign_in(user): start the browser already signed in as `user`, without the login pages.

    For journeys that are not about logging in; the accounts journeys log in through the forms.
    """

    def _sign_in(user) -> None:
        _add_session(context, user, live_server)

    return _sign_in


@pytest.fixture
def another_browser(browser, screen: str, mode: str, live_server) -> Iterator:
    """another_browser(user=None): a page in a second person's browser (own cookies), same screen and mode.

    Signed in as `user` when given; for journeys where two families meet (one takes a unit).
    """
    contexts = []

    def _open(user=None):
        context = _new_context(browser, screen, live_server, mode)
        contexts.append(context)
        if user is not None:
            _add_session(context, user, live_server)
        return _new_page(context)

    yield _open
    for context in contexts:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.rep_call = report
    page = getattr(item, "funcargs", {}).get("page")
    if report.failed and report.when == "call" and page is not None:
        lines = _save_artifacts(item, page)
        report.sections.append(("browser artifacts", "\n".join(lines)))
        item.config.stash.setdefault(_artifacts_key, []).extend(lines)
    return report


def _save_artifacts(item: pytest.Item, page) -> list[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = ARTIFACTS / re.sub(r"[^\w.-]+", "_", item.nodeid.split("::", 1)[-1])
    lines = [f"{item.nodeid}: page {page.url}"]
    try:
        page.screenshot(path=f"{stem}.png", full_page=True)
        lines.append(f"  screenshot: {stem}.png")
    except Exception as exc:  # the page may be what broke; keep whatever can be kept
        lines.append(f"  screenshot failed: {exc}")
    try:
        Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
        lines.append(f"  html:       {stem}.html")
    except Exception as exc:
        lines.append(f"  html failed: {exc}")
    for error in getattr(page, "script_errors", []):
        lines.append(f"  script error: {error}")
    return lines


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    skipped = config.stash.get(_skipped_key, None)
    if skipped:
        terminalreporter.section("BROWSER TESTS SKIPPED", sep="!", red=True, bold=True)
        terminalreporter.write_line(skipped, red=True, bold=True)
    from tests.e2e.helpers import smallest

    for mode, figures in sorted(smallest.items()):
        terminalreporter.section(f"smallest figures measured, {mode}", sep="-")
        for key, value in figures.items():
            terminalreporter.write_line(f"{key}: {value}")
    saved = config.stash.get(_artifacts_key, None)
    if saved:
        terminalreporter.section("browser failure artifacts", sep="-", yellow=True)
        for line in saved:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # The browser is what these tests exercise; a deliberately slow hash would only add minutes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
