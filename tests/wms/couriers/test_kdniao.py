"""The Kdniao adapter against a local fake server speaking its EOrderService protocol
(request type 1007): the form, the DataSign, the reply; a refusal; a timeout and its retry."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import sqlalchemy as sa

from tests.wms.couriers.conftest import BASE
from wms.extensions import db
from wms.models import Courier, Waybill

EBUSINESS_ID, APP_KEY = "1237100", "56da2cf8-c8a2-44b2-b6fa-476cd7d1ba17"
SENDER = {"name": "杭州一号仓", "mobile": "057188880000", "province": "浙江省", "city": "杭州市",
          "area": "余杭区", "address": "仓前街道1号"}


class FakeKdniao:
    """Kdniao as documented: checks the form and DataSign, remembers each OrderCode's waybill."""

    def __init__(self) -> None:
        self.issued: dict[str, str] = {}
        self.requests: list[dict] = []
        self.delay = 0.0
        self.refuse: str | None = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output quiet
                pass

            def do_POST(self):
                length = int(self.headers["Content-Length"])
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode("utf-8")).items()}
                reply = fake.answer(form)
                time.sleep(fake.delay)  # the waybill is issued even when the caller gave up waiting
                body = json.dumps(reply, ensure_ascii=False).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/EOrderService"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, form: dict) -> dict:
        expected_sign = base64.b64encode(
            hashlib.md5((form["RequestData"] + APP_KEY).encode("utf-8")).hexdigest().encode()).decode()
        if (form.get("EBusinessID"), form.get("RequestType"), form.get("DataType")) != (EBUSINESS_ID, "1007", "2"):
            return {"EBusinessID": form.get("EBusinessID"), "Success": False, "ResultCode": "101",
                    "Reason": "bad form"}
        if form.get("DataSign") != expected_sign:
            return {"EBusinessID": EBUSINESS_ID, "Success": False, "ResultCode": "102", "Reason": "签名错误"}
        data = json.loads(form["RequestData"])
        self.requests.append(data)
        if self.refuse:
            return {"EBusinessID": EBUSINESS_ID, "Success": False, "ResultCode": "105", "Reason": self.refuse}
        code = data["OrderCode"]
        repeated = code in self.issued
        number = self.issued.setdefault(code, f"SF{1400000000000 + len(self.issued) + 1:013d}")
        return {"EBusinessID": EBUSINESS_ID, "Success": True, "ResultCode": "106" if repeated else "100",
                "Reason": "订单已存在" if repeated else "", "UniquerRequestNumber": f"u-{len(self.requests)}",
                "Order": {"OrderCode": code, "ShipperCode": data["ShipperCode"], "LogisticCode": number,
                          "MarkDestination": "571-浙江杭州", "KDNOrderCode": f"KDN{code}"}}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def kdniao(app, world):
    fake = FakeKdniao()
    app.config.update(KDNIAO_URL=fake.url, KDNIAO_EBUSINESS_ID=EBUSINESS_ID, KDNIAO_APP_KEY=APP_KEY,
                      WAYBILL_TIMEOUT_SECONDS=0.5, WAYBILL_RETRY_AFTER_SECONDS=7)
    with app.app_context():
        db.session.execute(sa.update(Courier).where(Courier.code == "SF").values(
            waybill_provider="kdniao",
            waybill_settings={"kdniao": {"shipper_code": "SF", "month_code": "7551234567", "pay_type": 3,
                                         "sender": SENDER}}))
        db.session.commit()
    yield fake
    fake.close()


def _waybills() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Waybill)).scalar_one()


def test_kdniao_issues_the_number_for_our_order_code_with_a_valid_sign(api, out, kdniao, caplog):
    caplog.set_level(logging.DEBUG)
    out.order("SO-1", [("SKU-1", 2)])
    response = api.as_("shipper").post(f"{BASE}/orders/SO-1/waybill", json={"courier": "SF"}, key="kd-1")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["tracking_number"], body["provider"], body["provider_order_id"], body["sorting_code"]) == (
        "SF1400000000001", "kdniao", "KDNSO-1", "571-浙江杭州")
    sent = kdniao.requests[0]
    assert (sent["OrderCode"], sent["ShipperCode"], sent["MonthCode"], sent["PayType"]) == (
        "SO-1", "SF", "7551234567", 3)
    assert sent["Receiver"] == {"Name": "张三丰", "Mobile": "13800138000", "ProvinceName": "浙江省",
                                "CityName": "杭州市", "ExpAreaName": "西湖区", "Address": "文三路1号"}
    assert sent["Sender"]["ProvinceName"] == "浙江省"
    assert sent["Commodity"] == [{"GoodsName": "保温杯 500ml", "Goodsquantity": 2}]
    assert _waybills() == 1
    # the recipient's personal data is sent to the provider, never logged
    assert "张三丰" not in caplog.text and "13800138000" not in caplog.text and "文三路" not in caplog.text


def test_a_kdniao_refusal_passes_its_reason_on_and_writes_nothing(api, out, kdniao):
    out.order("SO-1", [("SKU-1", 1)])
    kdniao.refuse = "月结账号不存在"
    response = api.as_("shipper").post(f"{BASE}/orders/SO-1/waybill", json={"courier": "SF"}, key="kd-2")
    assert (response.status_code, response.get_json()["code"]) == (422, "waybill_provider_refused")
    assert response.get_json()["errors"]["reason"] == "月结账号不存在"
    assert "月结账号不存在" in response.get_json()["message"]
    assert _waybills() == 0


def test_a_timeout_writes_nothing_and_the_retry_gets_the_same_number_once(api, out, kdniao):
    out.order("SO-1", [("SKU-1", 1)])
    kdniao.delay = 1.5  # longer than the client's 0.5 s: Kdniao issues, the answer comes too late
    slow = api.as_("shipper").post(f"{BASE}/orders/SO-1/waybill", json={"courier": "SF"}, key="kd-3")
    assert (slow.status_code, slow.get_json()["code"]) == (503, "waybill_provider_unavailable")
    assert slow.headers["Retry-After"] == "7"
    assert _waybills() == 0
    assert kdniao.issued == {"SO-1": "SF1400000000001"}
    kdniao.delay = 0.0
    retry = api.as_("shipper").post(f"{BASE}/orders/SO-1/waybill", json={"courier": "SF"}, key="kd-3")
    assert retry.status_code == 200, retry.get_json()
    assert retry.get_json()["tracking_number"] == "SF1400000000001"
    again = api.as_("shipper").post(f"{BASE}/orders/SO-1/waybill", json={"courier": "SF"}, key="kd-4")
    assert again.get_json()["tracking_number"] == "SF1400000000001"
    assert len(kdniao.requests) == 2  # the reprint asked nobody
    assert _waybills() == 1
