"""Couriers as master data: the presets (command and demo), the API, its validation and roles."""

from __future__ import annotations

import sqlalchemy as sa

from wms.extensions import db
from wms.models import Courier
from wms.services.couriers import preset_couriers

URL = "/api/v1/couriers"
NEW = {"code": "DBL", "name_zh": "德邦快递", "name_en": "Deppon Express", "tracking_pattern": r"^DPK\d{12}$",
       "waybill_settings": {"local": {"prefix": "DPK", "digits": 12}}}


def test_the_presets_are_created_once_and_existing_couriers_are_left_alone(app, runner):
    with app.app_context():
        first = runner.invoke(args=["couriers", "preset"])
        assert first.exit_code == 0, first.output
        assert '"SF"' in first.output and '"JD"' in first.output
        db.session.execute(sa.update(Courier).where(Courier.code == "SF").values(name_en="SF (our account)"))
        db.session.commit()
        again = runner.invoke(args=["couriers", "preset"])
        assert (again.exit_code, again.output.strip()) == (0, '{"created": []}')
        assert preset_couriers() == []
        codes = db.session.execute(sa.select(Courier.code).order_by(Courier.code)).scalars().all()
        assert codes == sorted(["SF", "ZTO", "YTO", "STO", "YUNDA", "JT", "EMS", "JD"])
        assert db.session.execute(sa.select(Courier.name_en).where(Courier.code == "SF")).scalar_one() \
            == "SF (our account)"
        db.session.remove()


def test_the_couriers_are_listed_and_shown_to_master_data_readers(api):
    listed = api.as_("picker").get(URL)
    assert listed.status_code == 200
    sf = next(c for c in listed.get_json() if c["code"] == "SF")
    assert (sf["name_zh"], sf["name_en"], sf["tracking_pattern"], sf["active"], sf["waybill_provider"]) == (
        "顺丰速运", "SF Express", r"^SF\d{13}$", True, "local")
    one = api.as_("picker").get(f"{URL}/sf")
    assert (one.status_code, one.get_json()["code"]) == (200, "SF")
    missing = api.as_("picker").get(f"{URL}/NOPE")
    assert (missing.status_code, missing.get_json()["code"]) == (404, "courier_not_found")


def test_a_courier_is_added_and_changed_by_master_data_writers_only(api):
    refused = api.as_("picker").post(URL, json=NEW, key="c-1")
    assert (refused.status_code, refused.get_json()["code"]) == (403, "permission_denied")
    created = api.as_("supervisor").post(URL, json=NEW, key="c-2")
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["code"] == "DBL"
    taken = api.as_("supervisor").post(URL, json=NEW, key="c-3")
    assert (taken.status_code, taken.get_json()["code"]) == (409, "already_exists")
    changed = api.as_("supervisor").patch(f"{URL}/DBL", json={"active": False, "name_en": "Deppon"}, key="c-4")
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["active"], changed.get_json()["name_en"]) == (False, "Deppon")
    active = [c["code"] for c in api.as_("picker").get(f"{URL}?active=true").get_json()]
    assert "DBL" not in active and "SF" in active


def test_a_pattern_that_is_not_a_regular_expression_is_refused(api):
    for method, url, body in (("post", URL, {**NEW, "tracking_pattern": r"^DPK(\d{12}$"}),
                              ("patch", f"{URL}/SF", {"tracking_pattern": "[unclosed"})):
        response = getattr(api.as_("supervisor"), method)(url, json=body, key=f"bad-{method}")
        assert response.status_code == 422, response.get_json()
        assert "tracking_pattern" in str(response.get_json()["errors"])
    assert api.as_("picker").get(f"{URL}/SF").get_json()["tracking_pattern"] == r"^SF\d{13}$"


def test_local_settings_whose_numbers_do_not_fit_the_pattern_are_refused(api):
    response = api.as_("supervisor").patch(f"{URL}/SF", json={"tracking_pattern": r"^SF\d{12}$"}, key="p-1")
    assert (response.status_code, response.get_json()["code"]) == (422, "tracking_number_invalid")


def test_provider_secrets_are_never_shown_and_a_masked_one_is_kept(api, app):
    settings = {"kdniao": {"shipper_code": "SF", "customer_pwd": "s3cret", "month_code": "7551234567"}}
    response = api.as_("supervisor").patch(f"{URL}/SF", json={"waybill_provider": "kdniao",
                                                               "waybill_settings": settings}, key="s-1")
    assert response.status_code == 200, response.get_json()
    shown = response.get_json()["waybill_settings"]["kdniao"]
    assert shown["customer_pwd"] == "********" and shown["month_code"] == "7551234567"
    again = api.as_("supervisor").patch(f"{URL}/SF", json={"waybill_settings": {"kdniao": shown}}, key="s-2")
    assert again.status_code == 200
    with app.app_context():
        stored = db.session.execute(sa.select(Courier.waybill_settings).where(Courier.code == "SF")).scalar_one()
        assert stored["kdniao"]["customer_pwd"] == "s3cret"
