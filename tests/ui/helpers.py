"""What a person (and a keyboard-wedge scanner) does on the PDA, for the browser tests.

The PDA app exposes a small contract to tests: ``window.wmsApp.ready`` and
``window.wmsApp.readyAt`` (the screen is rendered and its scan field focused),
``main[data-screen]`` (the current screen), ``#scan`` (the scan field, always focused),
``window.wmsApp.feedback`` (one ``{kind, code, latency}`` per scan's sound),
``#queue-count`` (actions queued while offline) and ``#message`` (the last message,
with ``data-kind`` and ``data-code``). These helpers speak only that contract.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Page

from tests.server.conftest import DEMO_PASSWORDS

UI_TESTS = Path(__file__).resolve().parent
SCREENSHOTS = UI_TESTS / "screenshots"
DOCS_UI = UI_TESTS.parent.parent / "docs" / "ui"

#: Uncaught JavaScript errors per page, filled by the ``pda`` fixture.
PAGE_ERRORS: dict[Page, list[str]] = {}

#: Milliseconds a helper waits for the app before the test fails.
TIMEOUT_MS = 15_000

_READY = """([name, leaving]) => {
    const app = window.wmsApp, main = document.querySelector('main');
    const screen = main && main.dataset.screen;
    return Boolean(app && app.ready && screen && (!name || screen === name)
                   && (!leaving || screen !== leaving)) && screen;
}"""


def screen(page: Page) -> str | None:
    """The name of the screen shown now (``main[data-screen]``), or None."""
    return page.evaluate("() => { const m = document.querySelector('main');"
                         " return m ? m.dataset.screen || null : null }")


def wait_ready(page: Page, name: str | None = None, *, leaving: str | None = None,
               timeout: float = TIMEOUT_MS) -> str:
    """Wait until a screen is interactive (``wmsApp.ready``); return its name.

    ``name``: wait for that screen; ``leaving``: wait for any screen but that one
    (after a submit that moves on)."""
    handle = page.wait_for_function(_READY, arg=[name, leaving], timeout=timeout)
    return handle.json_value()


def login(page: Page, role: str, password: str | None = None) -> str:
    """Log in through the login screen as a demo user (password ``<role>-demo``).

    Returns the screen the app moves to after the login (usually ``home``)."""
    if screen(page) != "login":
        page.goto("/#/login")
    wait_ready(page, "login")
    page.fill("#username", role)
    page.fill("#password", password or DEMO_PASSWORDS[role])
    page.click("button[type=submit]")
    return wait_ready(page, leaving="login")


def wedge(page: Page, code: str, enter: bool = True, *, field: str | None = "#scan") -> None:
    """Type ``code`` as a keyboard-wedge scanner does: fast keystrokes, then Enter (or not).

    A scanner types into whatever has the focus; by default the scan field must have
    it (the app keeps it focused), and the test fails if it has not. ``field=None``
    types wherever the focus is."""
    if field is not None:
        focused = page.evaluate("(sel) => document.activeElement === document.querySelector(sel)", field)
        assert focused, (f"{field} does not have the focus on screen {screen(page)!r} "
                         f"(the focus is on {page.evaluate('() => document.activeElement.outerHTML.slice(0, 120)')})")
    page.keyboard.type(code)
    if enter:
        page.keyboard.press("Enter")


def feedback(page: Page) -> list[dict]:
    """Every scan's feedback so far: ``{kind: ok|warn|error, code, latency}``."""
    return page.evaluate("() => (window.wmsApp && window.wmsApp.feedback || []).slice()")


def scan(page: Page, code: str, timeout: float = TIMEOUT_MS) -> dict:
    """Wedge ``code`` with Enter and return the feedback (sound) that scan produced."""
    before = len(feedback(page))
    wedge(page, code)
    page.wait_for_function("(n) => (window.wmsApp.feedback || []).length > n", arg=before, timeout=timeout)
    return feedback(page)[before]


def message(page: Page) -> dict:
    """The last message shown (``#message``): its text, ``kind`` and ``code``."""
    return page.evaluate("""() => { const m = document.querySelector('#message');
        return m ? {text: m.textContent.trim(), kind: m.dataset.kind || null, code: m.dataset.code || null}
                 : {text: null, kind: null, code: null} }""")


def queue_count(page: Page) -> int:
    """How many actions wait in the offline queue (``#queue-count``)."""
    text = page.text_content("#queue-count") or ""
    return int(text.strip() or 0)


def offline(page: Page, on: bool = True) -> None:
    """Take the handheld's network away (``True``) or give it back (``False``)."""
    page.context.set_offline(on)


def shot(page: Page, name: str) -> Path:
    """Save a screenshot as ``tests/ui/screenshots/<name>.png`` (and ``docs/ui/`` when
    ``WMS_UI_DOCS=1``); returns the first path."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise ValueError(f"screenshot name {name!r}: letters, digits, dot, dash and underscore only")
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    if os.environ.get("WMS_UI_DOCS") == "1":
        DOCS_UI.mkdir(parents=True, exist_ok=True)
        (DOCS_UI / f"{name}.png").write_bytes(path.read_bytes())
    return path


def js_errors(page: Page) -> list[str]:
    """The uncaught JavaScript errors the page has had (recorded by the ``pda`` fixture)."""
    return list(PAGE_ERRORS.get(page, []))
