"""Browser tests of the PDA app: real headless Chromium against the real server.

One server for every browser test: ``wms serve --simulators`` with the demo warehouse
(as ``make run`` serves it), on a SQLite file of its own, or on a fresh PostgreSQL
database when ``WMS_TEST_DATABASE_URL`` points at a server. One browser for every test:
Debian's Chromium (``WMS_CHROMIUM``, default ``/usr/bin/chromium``; ``make test``
installs it) driven by Playwright. Each test gets fresh handhelds from ``pda``: a
browser context of its own (cookies, storage, service worker) at a PDA's 360x640
screen, touch, in Chinese or English.

A missing Chromium or Playwright fails the tests with what to install; it never skips
them. Every browser test is marked ``slow``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.server.conftest import Served, new_database, start_server, stop_server
from tests.ui.helpers import PAGE_ERRORS, TIMEOUT_MS, login, wait_ready

UI_TESTS = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("WMS_CHROMIUM", "/usr/bin/chromium")
#: A PDA's screen: 360x640 CSS pixels at twice the density, touch, a mobile browser.
PDA_DEVICE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2,
              "has_touch": True, "is_mobile": True}
LOCALES = ("zh-CN", "en")


def pytest_collection_modifyitems(config, items):
    """Every test under tests/ui drives a browser: all are slow."""
    for item in items:
        if UI_TESTS in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def ui_server(tmp_path_factory) -> Iterator[Served]:
    """The demo warehouse served by ``wms serve --simulators`` (two workers), for every UI test."""
    tmp_dir = tmp_path_factory.mktemp("ui-served")
    database = new_database(tmp_dir)
    server = start_server(tmp_dir, database.url, extra_args=("--simulators",))
    try:
        yield server
        stop_server(server)
        # Whatever the handhelds did, on-hand still equals the ledger (L1).
        verified = server.wms("ledger", "verify", check=False)
        assert verified.returncode == 0, verified.stdout + verified.stderr
    finally:
        stop_server(server)
        database.drop()


def _chromium_missing() -> str | None:
    path = shutil.which(CHROMIUM) or CHROMIUM
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return None
    return (f"Chromium is not at {CHROMIUM}: the browser tests need Debian's chromium "
            "(`make browser-deps`, or `apt-get install -y chromium`; WMS_CHROMIUM names another)")


@pytest.fixture(scope="session")
def playwright_driver():
    """Playwright's driver for the session (fails, never skips, when it is not installed)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is not installed: `make setup-dev` installs the dev extras", pytrace=False)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver):
    """One headless Chromium for every UI test."""
    missing = _chromium_missing()
    if missing:
        pytest.fail(missing, pytrace=False)
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    chromium = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
    yield chromium
    chromium.close()


@pytest.fixture
def pda(browser, ui_server) -> Iterator[Callable]:
    """A factory of fresh handhelds: ``pda(locale="zh-CN", path="/", role=None) -> Page``.

    Each call opens a new browser context (its own cookies, storage and service worker)
    at 360x640 with ``locale`` (``zh-CN`` or ``en``: the browser's language and
    Accept-Language), whose relative URLs go to the UI server; it opens ``path``
    (None: nothing) and, with ``role``, logs in as that demo user through the login
    screen. Every context is closed after the test."""
    contexts = []

    def open_pda(locale: str = "zh-CN", path: str | None = "/", role: str | None = None):
        if locale not in LOCALES:
            raise ValueError(f"locale {locale!r}: one of {LOCALES}")
        context = browser.new_context(base_url=ui_server.base, locale=locale, **PDA_DEVICE)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        errors = PAGE_ERRORS.setdefault(page, [])
        page.on("pageerror", lambda error: errors.append(str(error)))
        if path is not None or role is not None:
            page.goto(path or "/")
            wait_ready(page)
        if role is not None:
            login(page, role)
        return page

    yield open_pda
    for context in contexts:
        for page in context.pages:
            PAGE_ERRORS.pop(page, None)
        context.close()
