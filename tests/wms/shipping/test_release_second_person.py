"""Rule S4, four eyes: a release notice is confirmed by a user other than its writer
(``HOLD_RELEASE_SECOND_PERSON``, on by default); switched off, the writer may confirm."""

from __future__ import annotations

import pytest

from tests.factories import stock_in
from wms.domain.shipping import may_confirm_release
from wms.errors import OrderOnHold, ReleaseNeedsSecondPerson
from wms.services.shipping_holds import confirm_release, issue_hold, list_holds, write_release

BASE = "/api/v1/shipping"


def test_s4_the_second_person_rule_is_pure():
    assert may_confirm_release(1, 2, second_person=True)
    assert not may_confirm_release(1, 1, second_person=True)
    assert may_confirm_release(1, 1, second_person=False)


def test_s4_the_writer_of_a_release_may_not_confirm_it_and_the_hold_stays(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 2)])
    out.ready_to_ship("SO-1")
    hold = issue_hold(out.actor("supervisor"), scope="order", reason="地址待确认", order_number="SO-1")
    release = write_release(out.actor("supervisor"), hold_number=hold.number, reason="地址已确认")
    with pytest.raises(ReleaseNeedsSecondPerson) as refused:
        confirm_release(out.actor("supervisor"), release.number)
    assert refused.value.details == {"number": release.number, "written_by": "supervisor"}
    with pytest.raises(OrderOnHold):
        out.ship("SO-1")
    [held] = list_holds(out.actor("supervisor"))
    assert held.active and [(r.number, r.issued_by, r.confirmed_at) for r in held.releases] == [
        (release.number, "supervisor", None)]

    confirmed = confirm_release(out.actor("admin"), release.number)
    assert (confirmed.issued_by, confirmed.confirmed_by) == ("supervisor", "admin")
    assert list_holds(out.actor("supervisor")) == []
    assert out.ship("SO-1").status == "shipped"


def test_s4_without_the_second_person_rule_the_writer_confirms(app, out, world):
    app.config["HOLD_RELEASE_SECOND_PERSON"] = False
    hold = issue_hold(out.actor("supervisor"), scope="all", reason="盘点停发")
    release = write_release(out.actor("supervisor"), hold_number=hold.number, reason="盘点结束")
    confirmed = confirm_release(out.actor("supervisor"), release.number)
    assert (confirmed.issued_by, confirmed.confirmed_by) == ("supervisor", "supervisor")
    assert list_holds(out.actor("supervisor")) == []


def test_s4_the_refusal_over_the_api_is_409_with_its_code_and_the_writer(api):
    hold = api.as_("supervisor").post(f"{BASE}/holds", json={"scope": "all", "reason": "盘点停发"}).get_json()
    release = api.as_("supervisor").post(f"{BASE}/releases", json={"hold": hold["number"], "reason": "盘点结束"})
    number = release.get_json()["number"]
    own = api.as_("supervisor").post(f"{BASE}/releases/{number}/confirm")
    assert own.status_code == 409
    assert (own.get_json()["code"], own.get_json()["errors"]) == (
        "release_needs_second_person", {"number": number, "written_by": "supervisor"})
    [listed] = api.as_("supervisor").get(f"{BASE}/holds").get_json()
    assert [(r["number"], r["issued_by"], r["confirmed_by"]) for r in listed["releases"]] == [
        (number, "supervisor", None)]
    confirmed = api.as_("admin").post(f"{BASE}/releases/{number}/confirm")
    assert confirmed.status_code == 200
    assert (confirmed.get_json()["issued_by"], confirmed.get_json()["confirmed_by"]) == ("supervisor", "admin")
