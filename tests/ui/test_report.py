"""The clerk's end-of-day report (L2) in real Chromium against the real server.

At a desk (1280x800, in Chinese) after a movement in and one out through the API: the
totals on the screen are the API's; the count section is the API's difference report
and the reconciliation section lists the open differences (one crafted from a courier's
bill) with a link to the reconciliation page; a figure of the stock table and an hour's bar drill
down to ledger entries whose quantities add up to the figure; the PDF and XLSX exports
download (``%PDF``, ``PK``); the clerk closes the previous day on the screen after a
confirmation and sees it closed, with no way to reopen it (and the API refuses her).
On a tablet upright (768x1024, in English) a supervisor's totals are the API's too, and
she reopens the day with a reason: the report shows it open again.

The day closed is the previous one, so a failure midway never stops today's postings of
the tests after this one; it is reopened over the API if the screen did not.
"""

from __future__ import annotations

import re
import uuid

import pytest

from tests.ui.helpers import PAGE_ERRORS, TIMEOUT_MS, js_errors, login, message, shot, wait_ready
from tests.ui.test_picking import key, new_user, ok, post

pytestmark = pytest.mark.slow

API = "/api/v1"
DESK = {"viewport": {"width": 1280, "height": 800}}
TABLET_UPRIGHT = {"viewport": {"width": 768, "height": 1024}, "has_touch": True}
FIGURES = ("opening", "in", "out", "closing")


@pytest.fixture
def screen_of(browser, ui_server):
    """A factory of pages of a given size at the UI server, closed after the test."""
    contexts = []

    def open_page(locale: str, device: dict):
        context = browser.new_context(base_url=ui_server.base, locale=locale, accept_downloads=True, **device)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        errors = PAGE_ERRORS.setdefault(page, [])
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/")
        wait_ready(page)
        return page

    yield open_page
    for context in contexts:
        for page in context.pages:
            PAGE_ERRORS.pop(page, None)
        context.close()


def report(ui_server, role: str = "clerk", day: str | None = None) -> dict:
    return ok(ui_server.as_(role).get(f"{API}/reports/day", params={"date": day} if day else {}))


def shown_number(text: str) -> int:
    """A figure as the screen writes it (digit groups in either language)."""
    return int(re.sub(r"[,\s\u00a0]", "", text))


def open_report(page, hash_: str, day: str | None = None) -> None:
    page.evaluate("(h) => { location.hash = h; }", hash_)
    selector = "main[data-screen=report][data-ready=true]" + (f"[data-day='{day}']" if day else "")
    page.wait_for_selector(selector)


def shown_totals(page) -> dict[str, int]:
    return {name: shown_number(page.text_content(f"#figures [data-figure='{name}'] .value")) for name in FIGURES}


def entries_shown(page, pages: int = 1000) -> tuple[int, list[int]]:
    """On the drill-down: the API's sum as shown, and each entry's quantity over (at most) ``pages`` pages."""
    page.wait_for_selector("main[data-screen=report-entries][data-ready=true]")
    total = int(page.get_attribute("#entries-count", "data-quantity"))
    quantities = []
    for _ in range(pages):
        quantities += [int(q) for q in page.eval_on_selector_all("#entries tr[data-quantity]",
                                                                 "rows => rows.map(r => r.dataset.quantity)")]
        if page.is_disabled("#entries-next"):
            break
        first = page.get_attribute("#entries tr[data-entry]", "data-entry")
        page.click("#entries-next")
        page.wait_for_selector(f"main[data-screen=report-entries][data-ready=true] #entries tr[data-entry]"
                               f":not([data-entry='{first}'])")
    return total, quantities


def adjust_in_and_out(ui_server) -> dict:
    """Three units found and three lost on one own stock row: an in and an out of today."""
    rows = ok(ui_server.as_("supervisor").get(f"{API}/stock", params={"page_size": 100}))
    row = next(r for r in rows if r["quantity"] >= 3)
    for change in (3, -3):
        post(ui_server, "supervisor", "/stock/adjustments", {
            "item_id": row["item_id"], "lot_id": row["lot_id"], "location_id": row["location_id"],
            "owner_id": row["owner_id"], "quantity_change": change, "reason": f"report test {uuid.uuid4().hex[:6]}"})
    return row


def ghost_bill_line(ui_server) -> str:
    """A courier's bill for a long-past month with one tracking number we never shipped: an
    open reconciliation difference (L3, billed but not shipped) found today."""
    ghost = "EM" + str(uuid.uuid4().int)[:11]
    body = f"邮件号,计费重量(kg),邮费\n{ghost},1.0,12.00\n".encode()
    answer = ui_server.as_("clerk").post(f"{API}/reconciliation/courier-bills", headers=key(),
                                         data={"courier": "EMS", "cycle": "2020-01"},
                                         files={"file": ("ems-2020-01.csv", body, "text/csv")})
    assert answer.status_code == 201, answer.text
    return ghost


def check_counts_and_reconciliation(page, today: dict, ghost: str) -> None:
    """The count section is the API's difference report; the reconciliation section counts
    and lists the differences not resolved, the crafted one among them, and links to them."""
    statuses = page.eval_on_selector_all("#count-differences tbody tr[data-status]",
                                         "rows => rows.map(r => r.dataset.status)")
    assert statuses == [c["status"] for c in today["count_differences"]]
    assert page.locator("#count-differences thead th").count() == 9  # book, in totes, bin card, counted ...
    shown = page.get_attribute("#reconciliation-count", "data-count")
    assert int(shown) == len(today["reconciliation"]) >= 1
    shown_rows = page.eval_on_selector_all("#reconciliation tbody tr[data-id]", "rows => rows.map(r => r.dataset.id)")
    assert shown_rows == [str(d["id"]) for d in today["reconciliation"][:20]]  # a short table, oldest first
    [mine] = [d for d in today["reconciliation"] if d["reference"] == ghost]
    if str(mine["id"]) in shown_rows:
        row = page.locator(f"#reconciliation tr[data-id='{mine['id']}']")
        assert ghost in row.text_content() and "有账单无发货" in row.text_content()
    assert page.get_attribute("#reconciliation-link", "href") == "#/reconcile"


def test_the_clerk_reads_the_day_drills_down_exports_and_closes_a_day_a_supervisor_reopens(screen_of, ui_server):
    row = adjust_in_and_out(ui_server)
    ghost = ghost_bill_line(ui_server)
    page = screen_of("zh-CN", DESK)
    login(page, "clerk")
    page.wait_for_selector("button.tile[data-go='#/report']")
    open_report(page, "#/report")
    today = report(ui_server)
    assert page.get_attribute("main", "data-day") == today["date"]
    assert shown_totals(page) == {figure: today["totals"][figure] for figure in FIGURES}
    assert today["totals"]["in"] >= 3 and today["totals"]["out"] >= 3
    check_counts_and_reconciliation(page, today, ghost)
    shot(page, "report-desk-zh-CN")

    # A figure of the stock table: the entries behind it add up to it.
    [line] = [s for s in today["stock"] if s["item_sku"] == row["sku"] and s["owner_code"] == row["owner_code"]]
    link = page.locator(f"#stock tr[data-item='{row['sku']}'][data-owner='{row['owner_code']}'] a[data-figure=out]")
    assert shown_number(link.text_content()) == line["out"] >= 3
    link.click()
    total, quantities = entries_shown(page)
    assert total == line["out"] == -sum(quantities)
    shot(page, "report-entries-zh-CN")

    # An hour's bar: the busiest hour's "in" (the demo's receipts: pages of entries, two are read).
    open_report(page, f"#/report/{today['date']}", today["date"])
    hour = max(today["movements_by_hour"], key=lambda h: h["in"])
    assert hour["in"] > 0
    page.click(f"#chart-hours rect.link[data-go*='direction=in&hour={hour['hour']}']")
    total, quantities = entries_shown(page, pages=2)
    assert total == hour["in"] and all(q > 0 for q in quantities)
    if page.is_disabled("#entries-next"):
        assert sum(quantities) == total

    # The previous day: its exports download with the session's cookie (the previous day's
    # PDF is short: today's demo day lays out in seconds), then it is closed on the screen
    # after a confirmation.
    open_report(page, f"#/report/{today['date']}", today["date"])
    page.click("#day-prev")
    page.wait_for_selector(f"main[data-screen=report][data-ready=true]:not([data-day='{today['date']}'])")
    yesterday = page.get_attribute("main", "data-day")
    assert yesterday < today["date"]
    with page.expect_download(timeout=60_000) as download:
        page.click("#export-pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    xlsx = page.context.request.get(page.get_attribute("#export-xlsx", "href"))
    assert xlsx.status == 200 and xlsx.body()[:2] == b"PK"
    try:
        page.click("#close-day")
        page.wait_for_selector("#close-confirm-box:not([hidden])")
        shot(page, "report-close-confirm-zh-CN")
        page.click("#close-confirm")
        page.wait_for_selector("main[data-ready=true] #day-status[data-closed=true]")
        assert message(page)["kind"] == "ok"
        closed = report(ui_server, day=yesterday)["closed"]
        assert closed and closed["by"] == "clerk"
        assert page.locator("#reopen-day").count() == 0
        page.wait_for_selector("#reopen-supervisor-only")
        shot(page, "report-closed-zh-CN")
        refused = ui_server.as_("clerk").post(f"{API}/days/{yesterday}/reopen", headers=key(), json={
            "warehouse": today["warehouse"]["code"], "reason": "clerk tries"})
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied", refused.text

        # A supervisor on a tablet upright, in English: today's totals are the API's too;
        # the previous day is reopened with a reason.
        name, password = new_user(ui_server, "supervisor", "en")
        other = screen_of("en", TABLET_UPRIGHT)
        login(other, name, password)
        other.wait_for_selector("button.tile[data-go='#/report']")
        open_report(other, "#/report")
        assert shown_totals(other) == {figure: report(ui_server)["totals"][figure] for figure in FIGURES}
        assert other.text_content("#section-stock h2") == "Stock by item and owner"
        shot(other, "report-tablet-en")
        other.click("#day-prev")
        other.wait_for_selector(f"main[data-screen=report][data-ready=true][data-day='{yesterday}']")
        other.wait_for_selector("#day-status[data-closed=true] #reopen-day")
        other.fill("#reopen-reason", "a receipt of that day was posted to the wrong owner")
        shot(other, "report-reopen-en")
        other.click("#reopen-day")
        other.wait_for_selector("main[data-ready=true] #day-status[data-closed=false]")
        assert report(ui_server, day=yesterday)["closed"] is None
        reopened = other.locator("#day-events li[data-action=reopen]")
        assert "wrong owner" in reopened.text_content() and name in reopened.text_content()
        shot(other, "report-reopened-en")
        assert js_errors(other) == []
    finally:
        if report(ui_server, day=yesterday)["closed"]:
            post(ui_server, "supervisor", f"/days/{yesterday}/reopen",
                 {"warehouse": today["warehouse"]["code"], "reason": "the report test cleans up"})
    assert js_errors(page) == []

