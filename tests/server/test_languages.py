"""Over real HTTP, ``wms serve`` answers in the caller's language: zh-CN unless asked otherwise.

The README's server (two gunicorn workers) is driven as handhelds drive it: anonymous
refusals follow the ``Accept-Language`` header, a logged-in user's own language wins over
it on every worker, and the catalogue the PDA UI reads is served with an ETag.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("header,chinese", [(None, True), ("zh-CN", True), ("zh-Hans", True),
                                            ("en-US,en;q=0.9", False), ("fr", True)])
def test_anonymous_refusals_follow_the_header(served, header, chinese):
    headers = {"Accept-Language": header} if header else {}
    for method, path, body in (("GET", "/api/v1/auth/me", None), ("GET", "/api/v1/no-such-thing", None),
                               ("POST", "/api/v1/auth/token", {"username": "nobody", "password": "wrong-guess"}),
                               ("POST", "/api/v1/auth/token", {})):
        answer = served.call(method, path, json=body, headers=headers)
        message = answer.json()["message"]
        assert bool(CJK.search(message)) is chinese, (path, header, message)


def test_a_refusal_names_its_details_in_each_language(served):
    clerk = served.token("clerk")
    item = {"sku": "X-LANG", "name": "x"}
    zh = served.call("POST", "/api/v1/items", token=clerk, json=item, headers={"Accept-Language": "zh"})
    en = served.call("POST", "/api/v1/items", token=clerk, json=item, headers={"Accept-Language": "en"})
    assert zh.json()["code"] == en.json()["code"] == "permission_denied"
    assert zh.json()["errors"] == en.json()["errors"] == {"permission": "master.write", "role": "clerk"}
    assert zh.json()["message"] == "角色“clerk”无权执行“master.write”。"
    assert en.json()["message"] == "The role 'clerk' may not do 'master.write'."
    scan = {"item": "NO-SUCH", "from_location": "A-01-01", "to_location": "A-01-02", "quantity": 1}
    unknown = served.call("POST", "/api/v1/stock/moves", token=served.token("picker"), json=scan,
                          headers={"Accept-Language": "en"}).json()
    assert (unknown["code"], unknown["message"]) == ("unknown_barcode", "No item has the barcode NO-SUCH.")


def test_the_users_own_language_wins_on_every_worker(served):
    receiver = served.as_("receiver")
    assert receiver.patch("/api/v1/auth/me", json={"language": "en"}).json()["language"] == "en"
    try:
        def refused(probe):
            return served.call("POST", "/api/v1/items", token=served.token("receiver"), probe=probe,
                               json={"sku": "X-LANG", "name": "x"}, headers={"Accept-Language": "zh-CN"})

        for answer in served.on_every_worker(refused, "own-language"):
            assert answer.status_code == 403
            assert answer.json()["message"] == "The role 'receiver' may not do 'master.write'."
        assert receiver.get("/api/v1/auth/me").json()["language"] == "en"
    finally:
        receiver.patch("/api/v1/auth/me", json={"language": None})
    back = served.call("POST", "/api/v1/items", token=served.token("receiver"), json={"sku": "X-LANG", "name": "x"})
    assert CJK.search(back.json()["message"])


def test_the_catalogue_is_served_with_an_etag(served):
    first = served.call("GET", "/api/v1/i18n/zh-CN")
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.json()["messages"]["insufficient_stock"] == "该库位库存不足。"
    again = served.call("GET", "/api/v1/i18n/zh-CN", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    english = served.call("GET", "/api/v1/i18n/en").json()
    assert set(english["messages"]) == set(first.json()["messages"])
