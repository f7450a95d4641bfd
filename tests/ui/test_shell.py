"""The PDA app's shell: the server hands out the app, its manifest and its service worker,
and the login screen fits a 360x640 handheld in both languages."""

from __future__ import annotations

import time
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
import requests

from tests.ui.helpers import js_errors, shot, wait_ready

pytestmark = pytest.mark.slow


class _Tags(HTMLParser):
    """The tags of an HTML page with their attributes, in order."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_the_root_serves_the_app_shell_with_a_main_element(ui_server):
    answer = requests.get(ui_server.url("/"), timeout=30)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "main" in [tag for tag, _ in tags_of(answer.text)]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_login_screen_renders_at_360x640_without_sideways_scrolling(pda, locale):
    page = pda(locale, path="/#/login")
    assert wait_ready(page, "login") == "login"
    for field in ("#username", "#password", "button[type=submit]"):
        box = page.locator(field).bounding_box()
        assert box is not None, f"{field} is not shown"
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, f"{field} leaves the screen: {box}"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    shot(page, f"login-{locale}")
    assert js_errors(page) == []


def test_the_manifest_scripts_and_service_worker_named_by_the_page_answer_200(pda, ui_server):
    page = pda("zh-CN", path="/#/login")
    manifests = page.eval_on_selector_all("link[rel=manifest]", "links => links.map(l => l.href)")
    scripts = page.eval_on_selector_all("script[src]", "tags => tags.map(s => s.src)")
    assert len(manifests) == 1, manifests
    assert scripts, "the page loads no script"
    # The service worker the page registered, as the browser knows it.
    # (polled from here: wait_for_function takes an async predicate's promise as truthy at once)
    deadline, worker = time.monotonic() + 15, None
    while not worker and time.monotonic() < deadline:
        worker = page.evaluate("""async () => {
            const registration = await navigator.serviceWorker.getRegistration();
            const worker = registration && (registration.active || registration.waiting || registration.installing);
            return worker ? worker.scriptURL : null;
        }""")
        if not worker:
            time.sleep(0.2)
    assert worker, "the page registered no service worker"
    for url in [*manifests, *scripts, worker]:
        assert url.startswith(ui_server.base), url
        answer = requests.get(url, timeout=30)
        assert answer.status_code == 200, f"{url}: {answer.status_code}"
    assert requests.get(worker, timeout=30).headers["Content-Type"].split(";")[0] in (
        "text/javascript", "application/javascript")
    manifest = requests.get(manifests[0], timeout=30).json()
    assert manifest.get("start_url") and manifest.get("name")
    for icon in manifest.get("icons", []):
        url = urljoin(manifests[0], icon["src"])
        assert requests.get(url, timeout=30).status_code == 200, url
