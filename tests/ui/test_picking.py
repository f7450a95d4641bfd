"""The picker's and the counter's day on a 360x640 handheld in real Chromium against the real server.

A picker picks a wave of orders made by the test (S1, S2 step 1): the waves list shows
it, the tasks come in walking order, a wrong bin is refused with the bin to go to, and
at each bin the WHOLE bin is counted blind (the book quantity is nowhere on the screen).
A count below the book records the difference and opens a cycle count, which another
picker counts blind (R8). A hold notice issued while the pick screen is open stops that
order's tasks with the hold's reason (S4). Damaged units found are recorded as damaged.
Every order and wave is made by the test under a number of its own, from demo stock
chosen so that the book differs from every number the screen shows.
"""

from __future__ import annotations

import re
import uuid

import pytest

from tests.ui.helpers import js_errors, login, message, scan, shot, wait_ready

pytestmark = pytest.mark.slow

API = "/api/v1"
SHIP = f"{API}/shipping"
#: The fewest units a bin must hold for the test: the book stays apart from the pick quantity.
MIN_BOOK = 4
#: Latin letters forming a sentence: what the Chinese screens must not show.
ENGLISH_SENTENCE = re.compile(r"[A-Za-z]{3,}(?: [A-Za-z]{2,}){2,}")


# --- the server's side ---------------------------------------------------------------------


def key() -> dict:
    return {"Idempotency-Key": uuid.uuid4().hex}


def ok(answer, status: int | tuple = (200, 201)):
    assert answer.status_code in ((status,) if isinstance(status, int) else status), answer.text
    return answer.json()


def post(ui_server, role: str, path: str, body: dict | None = None):
    return ok(ui_server.as_(role).post(f"{API}{path}", json=body, headers=key()))


def new_user(ui_server, role: str, locale: str) -> tuple[str, str]:
    """A user of the test's own (the app speaks its user's language, kept on the server)."""
    name, password = f"{role}-{locale.lower()}-{uuid.uuid4().hex[:6]}", "pick-" + uuid.uuid4().hex[:10]
    post(ui_server, "admin", "/users", {"username": name, "password": password, "role": role,
                                       "display_name": name, "language": locale})
    return name, password


def handheld(pda, ui_server, locale: str, role: str = "picker"):
    """A handheld logged in as a new user with ``role`` speaking ``locale``: (page, user name)."""
    name, password = new_user(ui_server, role, locale)
    page = pda(locale)
    login(page, name, password)
    return page, name


def lot_tracked(ui_server) -> set[str]:
    """The SKUs whose count needs a lot scan: the tests pick the others."""
    skus, page = set(), 1
    while True:
        items = ok(ui_server.as_("clerk").get(f"{API}/items", params={"page_size": 100, "page": page}))
        skus |= {item["sku"] for item in items if item["lot_tracked"]}
        if len(items) < 100:
            return skus
        page += 1


def stock_rows(ui_server, **params) -> list[dict]:
    rows, page = [], 1
    while True:
        answer = ok(ui_server.as_("supervisor").get(f"{API}/stock", params={"page_size": 100, "page": page,
                                                                            **params}))
        rows += answer
        if len(answer) < 100:
            return rows
        page += 1


def new_order(ui_server, sku: str, quantity: int = 1) -> str:
    number = f"SO-PICK-{uuid.uuid4().hex[:8].upper()}"
    post(ui_server, "clerk", "/shipping/orders", {
        "number": number, "recipient_name": "张三丰", "recipient_phone": "13800138000",
        "recipient_address": "浙江省杭州市西湖区文三路1号", "lines": [{"item": sku, "quantity": quantity}]})
    post(ui_server, "supervisor", f"/shipping/orders/{number}/approve")
    return number


def pickable_orders(ui_server, n: int, *, lots: bool = False) -> list[dict]:
    """``n`` approved and allocated orders of one unit each, each picked from a bin of its own
    that holds one lot of the item and at least MIN_BOOK units: ``{number, task, book}``;
    with ``lots``, of lot-tracked items (whose count needs the lot scanned).

    One lot in the bin, nothing reserved from it: counting the whole bin counts the task's book. A candidate whose
    book would show on the screen anyway (in a code, a date, an id) is passed over."""
    tracked = lot_tracked(ui_server)
    by_bin: dict[tuple[str, str], list[dict]] = {}
    for row in stock_rows(ui_server):
        by_bin.setdefault((row["location_code"], row["sku"]), []).append(row)
    free: dict[str, int] = {}
    for (_, sku), rows in by_bin.items():
        # Nothing reserved there: no units of an earlier test's order sit in a tote, still on
        # the books, so the row's quantity is what the bin holds.
        if ((sku in tracked) == lots and len(rows) == 1 and rows[0]["available"] >= MIN_BOOK
                and rows[0]["available"] == rows[0]["quantity"]):
            free[sku] = free.get(sku, 0) + 1
    found, bins = [], set()
    for sku in sorted(free, key=lambda s: (-free[s], s)):
        if len(found) == n:
            break
        number = new_order(ui_server, sku)
        allocated = post(ui_server, "supervisor", f"/shipping/orders/{number}/allocate")
        tasks = ok(ui_server.as_("supervisor").get(f"{SHIP}/orders/{number}/pick-list"))
        if allocated["fully_allocated"] and len(tasks) == 1:
            task = tasks[0]
            rows = by_bin.get((task["location"], task["sku"]), [])
            book = rows[0]["quantity"] if len(rows) == 1 and rows[0]["available"] == rows[0]["quantity"] else None
            shown = " ".join(str(task[k]) for k in ("location", "sku", "item_name", "lot", "expiry_date",
                                                    "order_number", "task_id", "barcode"))
            if (book is not None and book >= MIN_BOOK and task["location"] not in bins
                    and str(book) not in re.findall(r"\d+", shown)):
                bins.add(task["location"])
                found.append({"number": number, "task": task, "book": book})
                continue
        post(ui_server, "supervisor", f"/shipping/orders/{number}/cancel", {"reason": "测试：库位不合适"})
    assert len(found) == n, f"only {len(found)} demo bins fit the test"
    return found


def new_wave(ui_server, orders: list[dict], picker: str) -> dict:
    return post(ui_server, "supervisor", "/shipping/waves", {"orders": [o["number"] for o in orders],
                                                            "picker": picker})


def tasks_of(ui_server, number: str) -> list[dict]:
    return ok(ui_server.as_("supervisor").get(f"{SHIP}/orders/{number}"))["tasks"]


def task_status(ui_server, number: str, task_id: int) -> str:
    return {t["task_id"]: t["status"] for t in tasks_of(ui_server, number)}[task_id]


def catalogue(ui_server, locale: str) -> dict:
    return ok(ui_server.call("GET", f"/app/i18n/{locale}.json"))


def service_messages(ui_server, locale: str) -> dict:
    return ok(ui_server.call("GET", f"{API}/i18n/{locale}"))


# --- the handheld's side -------------------------------------------------------------------


def go(page, hash_: str, name: str) -> None:
    page.evaluate("(h) => { location.hash = h; }", hash_)
    wait_ready(page, name)


def numbers_in_screen(page) -> list[str]:
    """Every number standing on its own in the screen's DOM (its text, its fields' values and
    its attributes but record ids): a figure, not a digit run inside a code such as a lot
    20261101-36-1, nor a task's id."""
    return page.evaluate(r"""() => {
        const IDS = ['data-task', 'data-count', 'data-line', 'data-order', 'data-wave'];
        const main = document.querySelector('main'), parts = [main.textContent];
        main.querySelectorAll('*').forEach((el) => {
            // Record ids (a task's id is no quantity) are skipped; every other attribute counts.
            for (const a of el.attributes) if (IDS.indexOf(a.name) < 0) parts.push(a.value);
            if (el.value !== undefined) parts.push(String(el.value));
        });
        parts.push(document.getElementById('message').textContent);
        return parts.join(' ').match(/(?<![\w.\-\/])\d+(?![\w.\-\/])/g) || [];
    }""")


def assert_blind(page, book: int, allowed: set[int] = frozenset()) -> None:
    """The book quantity is nowhere on the screen (R8), unless it is another number shown."""
    if book in allowed:
        return
    assert str(book) not in numbers_in_screen(page), f"the book quantity {book} is on the screen"


def current_task(page) -> str:
    return page.get_attribute("#task .card.current", "data-task")


def pick_one(page, task: dict, counted: int, *, button: str = "#confirm-count", name: str | None = None) -> dict:
    """At the task's bin: scan the bin and the item, count the bin and confirm; the feedback."""
    page.wait_for_selector(f"#task .card.current[data-task='{task['task_id']}'][data-step=bin]")
    assert scan(page, task["location"])["kind"] == "ok", message(page)
    assert scan(page, task["barcode"] or task["sku"])["kind"] == "ok", message(page)
    page.wait_for_selector(f"#task .card.current[data-task='{task['task_id']}'][data-step=count]")
    if name:
        shot(page, name)
    page.fill("#counted", str(counted))
    before = len(page.evaluate("() => window.wmsApp.feedback"))
    page.click(button)
    page.wait_for_selector(f"#task:not(:has([data-task='{task['task_id']}'][data-step=count]))")
    wait_ready(page, "pick")
    page.wait_for_function("(n) => window.wmsApp.feedback.length > n", arg=before)
    return page.evaluate("(n) => window.wmsApp.feedback[n]", before)


def open_wave(page, wave: str, locale: str) -> None:
    go(page, "#/waves", "waves")
    page.wait_for_selector(f"#waves [data-wave='{wave}']")
    shot(page, f"pick-waves-{locale}")
    page.click(f"#waves [data-wave='{wave}']")
    wait_ready(page, "pick")
    page.wait_for_selector("#task .card.current")


# --- the tests -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_a_picker_picks_a_wave_counting_each_whole_bin_blind(pda, ui_server, locale):
    orders = pickable_orders(ui_server, 2)
    page, picker = handheld(pda, ui_server, locale)
    wave = new_wave(ui_server, orders, picker)["number"]
    words, service = catalogue(ui_server, locale), service_messages(ui_server, locale)

    # My waves lists it; opened, the tasks come in walking order (S1).
    open_wave(page, wave, locale)
    walk = ok(ui_server.as_("picker").get(f"{SHIP}/waves/{wave}/pick-list"))
    assert [t["path_order"] for t in walk] == sorted(t["path_order"] for t in walk)
    assert {t["order_number"] for t in walk} == {o["number"] for o in orders}
    shown = [current_task(page)] + page.eval_on_selector_all(
        "#tasks li[data-task]", "els => els.map(e => e.dataset.task)")
    assert shown == [str(t["task_id"]) for t in walk]
    first, second = walk
    book = {o["task"]["task_id"]: o["book"] for o in orders}
    assert page.text_content("#bin") == first["location"]
    shot(page, f"pick-bin-{locale}")

    # A wrong bin: the error sound and the bin to go to.
    heard = scan(page, second["location"])
    assert heard["kind"] == "error" and heard["code"] == "pick_wrong_location"
    said = message(page)
    assert said["code"] == "pick_wrong_location" and first["location"] in said["text"], said
    assert service["detailed"]["pick_wrong_location"].format(expected=first["location"]) in said["text"]
    shot(page, f"pick-wrong-bin-{locale}")

    # The right bin and item: the whole bin is counted, not the pick quantity; the book is hidden.
    assert scan(page, first["location"])["kind"] == "ok"
    shot(page, f"pick-item-{locale}")
    assert scan(page, first["barcode"] or first["sku"])["kind"] == "ok"
    page.wait_for_selector("#task [data-step=count] #counted")
    whole = page.text_content("#whole-bin")
    assert whole == words["pick.count_whole_bin"].format(bin=first["location"], sku=first["sku"],
                                                         lot=first["lot"], n=first["quantity"])
    assert page.text_content("#task .step") == words["pick.step_count"]
    assert_blind(page, book[first["task_id"]])
    shot(page, f"pick-count-{locale}")
    if locale == "zh-CN":
        assert not ENGLISH_SENTENCE.search(page.text_content("main")), page.text_content("main")

    page.fill("#counted", str(book[first["task_id"]]))
    page.click("#confirm-count")
    page.wait_for_selector(f"#task .card.current[data-task='{second['task_id']}'][data-step=bin]")
    wait_ready(page, "pick")
    assert message(page)["kind"] == "ok", message(page)
    assert_blind(page, book[first["task_id"]])
    assert_blind(page, book[second["task_id"]])

    heard = pick_one(page, second, book[second["task_id"]])
    assert heard["kind"] == "ok", message(page)
    page.wait_for_selector("#wave-done")
    assert page.text_content("#wave-done") == words["pick.wave_done"]
    shot(page, f"pick-wave-done-{locale}")

    # Over the API: every task counted, the wave picked.
    for order in orders:
        assert [t["status"] for t in tasks_of(ui_server, order["number"])] == ["counted"]
    assert ok(ui_server.as_("supervisor").get(f"{SHIP}/waves/{wave}"))["status"] == "picked"
    go(page, "#/waves", "waves")
    assert page.locator(f"#waves [data-wave='{wave}']").count() == 0
    assert js_errors(page) == []


def test_a_count_below_the_book_opens_a_cycle_count_that_another_picker_counts_blind(pda, ui_server):
    [order] = pickable_orders(ui_server, 1)
    task, book = order["task"], order["book"]
    page, picker = handheld(pda, ui_server, "zh-CN")
    wave = new_wave(ui_server, [order], picker)["number"]
    words = catalogue(ui_server, "zh-CN")

    open_wave(page, wave, "zh-CN")
    heard = pick_one(page, task, book - 1, name="pick-count-short-zh-CN")
    assert heard["kind"] == "warn" and heard["code"] == "count_difference", message(page)
    said = message(page)
    assert said["text"] in (words["pick.count_difference_reallocated"], words["pick.count_difference_held"]), said
    assert_blind(page, book)
    shot(page, "pick-difference-zh-CN")
    assert task_status(ui_server, order["number"], task["task_id"]) == "exception"

    opened = [c for c in ok(ui_server.as_("supervisor").get(f"{SHIP}/cycle-counts"))
              if c["location"] == task["location"] and c["sku"] == task["sku"]]
    assert len(opened) == 1, opened
    count_id = opened[0]["id"]

    # Another picker counts the bin blind.
    counter = pda("zh-CN", role="picker")
    go(counter, "#/counts", "counts")
    counter.wait_for_selector(f"#count-tasks [data-count='{count_id}']")
    assert_blind(counter, book)
    shot(counter, "counts-zh-CN")
    counter.click(f"#count-tasks [data-count='{count_id}']")
    wait_ready(counter, "count")
    assert counter.text_content("#count-task .huge") == task["location"]
    assert scan(counter, task["location"])["kind"] == "ok"
    assert scan(counter, task["barcode"] or task["sku"])["kind"] == "ok"
    counter.wait_for_selector("#counted")
    assert_blind(counter, book)
    shot(counter, "count-blind-zh-CN")
    counter.fill("#counted", str(book - 1))
    counter.click("#submit-count")
    wait_ready(counter, "counts")
    said = message(counter)
    assert said["code"] == "count_difference" and said["text"] == words["count.difference"], said
    assert_blind(counter, book)
    shot(counter, "count-difference-zh-CN")

    counted = [c for c in ok(ui_server.as_("supervisor").get(f"{SHIP}/cycle-counts", params={"status": "counted"}))
               if c["id"] == count_id]
    assert counted, "the cycle count is not counted"
    assert (counted[0]["difference_found"], counted[0]["counted_quantity"], counted[0]["book_quantity"],
            counted[0]["counted_by"]) == (True, book - 1, book, "picker")
    assert js_errors(page) == [] and js_errors(counter) == []


def test_a_hold_issued_while_the_pick_screen_is_open_stops_that_orders_tasks(pda, ui_server):
    orders = pickable_orders(ui_server, 2)
    page, picker = handheld(pda, ui_server, "zh-CN")
    wave = new_wave(ui_server, orders, picker)["number"]
    open_wave(page, wave, "zh-CN")
    walk = ok(ui_server.as_("picker").get(f"{SHIP}/waves/{wave}/pick-list"))
    first, second = walk
    assert current_task(page) == str(first["task_id"])

    reason = f"客户来电要求改地址 {uuid.uuid4().hex[:4]}"
    hold = post(ui_server, "supervisor", "/shipping/holds",
                {"scope": "order", "order_number": first["order_number"], "reason": reason})

    # The picker's next scan for that order is refused with the hold's reason ...
    heard = scan(page, first["location"])
    assert heard["kind"] == "error" and heard["code"] == "order_on_hold", message(page)
    said = message(page)
    assert said["code"] == "order_on_hold" and reason in said["text"], said
    # ... its task shows the reason and the current task moves on to the other order.
    page.wait_for_selector(f"#task .card.current[data-task='{second['task_id']}']")
    held = page.locator(f"#tasks li[data-task='{first['task_id']}']")
    assert "held" in held.get_attribute("class")
    assert reason in held.text_content()
    shot(page, "pick-hold-zh-CN")

    book = {o["task"]["task_id"]: o["book"] for o in orders}
    assert pick_one(page, second, book[second["task_id"]])["kind"] == "ok", message(page)
    page.wait_for_selector("#wave-done")
    assert page.text_content("#wave-done") == catalogue(ui_server, "zh-CN")["pick.only_held"].format(n=1)
    shot(page, "pick-only-held-zh-CN")
    assert tasks_of(ui_server, first["order_number"])[0]["status"] == "open"
    assert hold["number"] in ok(ui_server.as_("supervisor").get(f"{SHIP}/orders/{first['order_number']}"))["holds"]
    assert js_errors(page) == []


def test_damaged_units_found_are_recorded_as_damaged(pda, ui_server):
    [order] = pickable_orders(ui_server, 1)
    task, book = order["task"], order["book"]
    page, picker = handheld(pda, ui_server, "en")
    wave = new_wave(ui_server, [order], picker)["number"]
    open_wave(page, wave, "en")
    with page.expect_response(lambda r: r.url.endswith(f"/tasks/{task['task_id']}/count")) as answer:
        heard = pick_one(page, task, book - 2, button="#report-damaged", name="pick-damaged-en")
    assert heard["code"] == "count_difference", message(page)
    assert answer.value.json()["reason"] == "damaged"
    assert_blind(page, book)
    shot(page, "pick-damaged-recorded-en")
    opened = [c for c in ok(ui_server.as_("supervisor").get(f"{SHIP}/cycle-counts"))
              if c["location"] == task["location"] and c["sku"] == task["sku"]]
    assert len(opened) == 1 and opened[0]["reason"].startswith(f"Damaged units on {order['number']}"), opened
    assert task_status(ui_server, order["number"], task["task_id"]) == "exception"
    assert js_errors(page) == []


def test_a_lot_tracked_item_is_counted_with_its_lot_scanned_when_the_service_asks_for_it(pda, ui_server):
    [order] = pickable_orders(ui_server, 1, lots=True)
    task, book = order["task"], order["book"]
    page, picker = handheld(pda, ui_server, "zh-CN")
    wave = new_wave(ui_server, [order], picker)["number"]
    words = catalogue(ui_server, "zh-CN")
    open_wave(page, wave, "zh-CN")
    heard = pick_one(page, task, book)
    assert heard["kind"] == "warn" and heard["code"] == "lot_required", message(page)
    page.wait_for_selector(f"#task .card.current[data-task='{task['task_id']}'][data-step=lot]")
    assert message(page)["text"] == words["pick.scan_lot"].format(lot=task["lot"])
    shot(page, "pick-lot-zh-CN")
    assert task_status(ui_server, order["number"], task["task_id"]) == "open"

    heard = scan(page, task["lot"])
    assert heard["kind"] == "ok", message(page)
    page.wait_for_selector("#wave-done")
    assert task_status(ui_server, order["number"], task["task_id"]) == "counted"
    assert js_errors(page) == []
