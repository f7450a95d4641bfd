"""L3: a courier's bill against our shipments finds exactly its differences, for every preset.

Each crafted bill has one line per situation: a clean parcel, one billed above our
scale's weight, one billed off the rate table, one billed twice, one not billed, an
unknown number, a multi-piece shipment (the parent line and a sub-waybill), a return
receipt (签回单) and parcels shipped before the cycle; only the five differences are
found. Re-running keeps everything as it was.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.wms.reconciliation.conftest import bill_csv, bill_xlsx, utc
from wms.domain.reconciliation import Rate
from wms.domain.reconciliation_files import BILL_PRESETS
from wms.errors import CourierBillRejected
from wms.extensions import db
from wms.models.reconciliation import ReconciliationDifference, ReconciliationEvent, ReconciliationRun
from wms.services.reconciliation import courier_bills, differences

CYCLE = "2026-11"
RATE = {"province": "*", "first_weight_kg": "1", "first_price": "10", "additional_unit_kg": "1",
        "additional_price": "5", "discount_percent": "10"}


def _rate(code: str) -> Rate:
    step = BILL_PRESETS[code].weight_step_kg
    return Rate("*", Decimal(1), Decimal(10), Decimal(5), Decimal(1), Decimal(10), step)


def crafted(code: str, parcels) -> tuple[list[str], list[list], dict[str, str]]:
    """Ship the parcels and write the bill; returns header, rows and the expected differences."""
    p = f"{code}9"
    ship = parcels.ship
    ship(code, p + "001", f"{code}-O1", 1000, utc(2026, 11, 3, 2))  # clean
    ship(code, p + "002", f"{code}-O2", 800, utc(2026, 11, 4, 2))  # billed at 3 kg
    ship(code, p + "003", f"{code}-O3", 1200, utc(2026, 11, 5, 2))  # fee off the rate
    ship(code, p + "004", f"{code}-O4", 1000, utc(2026, 11, 6, 2))  # billed twice
    ship(code, p + "005", f"{code}-O5", 1000, utc(2026, 11, 7, 2))  # not billed
    ship(code, p + "006", f"{code}-O6", 1000, utc(2026, 10, 25, 2))  # before the cycle, not billed: fine
    ship(code, p + "007", f"{code}-O7", 1000, utc(2026, 10, 31, 15))  # 23:00 in Shanghai, billed: fine
    ship(code, p + "008", f"{code}-O8", 5000, utc(2026, 11, 8, 2))  # multi-piece: parent + sub-waybill
    ship(code, p + "009", f"{code}-O9", 1000, utc(2026, 11, 9, 2))  # with a return receipt
    ship("ZTO" if code != "ZTO" else "STO", p + "010", f"{code}-O10", 1000, utc(2026, 11, 9, 2))  # other courier
    rate = _rate(code)
    presets = BILL_PRESETS[code].headers
    header = [presets[f][0] for f in ("tracking_number", "order_number", "parent_number", "piece_type",
                                      "weight_kg", "fee", "destination")]

    def line(tracking, order, kg, fee=None, parent="", piece="", destination="浙江"):
        kg = Decimal(kg)
        return [tracking, order, parent, piece, str(kg), str(rate.fee(kg) if fee is None else fee), destination]

    rows = [
        line(p + "001", f"{code}-O1", "1"),
        line(p + "002", f"{code}-O2", "3"),
        line(p + "003", f"{code}-O3", "1.2", fee=rate.fee(Decimal("1.2")) + 5),
        line(p + "004", f"{code}-O4", "1"),
        line(p + "004", f"{code}-O4", "1"),
        line(p + "007", f"{code}-O7", "1"),
        line(p + "008", f"{code}-O8", "5", parent=p + "008", piece="母件"),
        line(p + "108", f"{code}-O8", "0", fee=0, parent=p + "008", piece="子件"),
        line(p + "009", f"{code}-O9", "1"),
        line(p + "209", f"{code}-O9", "0.1", fee=2, parent=p + "009", piece="签回单"),
        line(p + "666", "", "2"),  # nobody shipped this
    ]
    expected = {p + "002": "weight_over", p + "003": "fee_mismatch", p + "004": "billed_twice",
                p + "005": "shipped_not_billed", p + "666": "billed_not_shipped"}
    return header, rows, expected


def _found(code: str) -> dict[str, str]:
    rows = db.session.execute(sa.select(ReconciliationDifference.match_key, ReconciliationDifference.type)
                              .where(ReconciliationDifference.courier_code == code)).all()
    assert len(rows) == len({r.match_key for r in rows}), rows
    return {r.match_key: r.type for r in rows}


@pytest.mark.parametrize("code", sorted(BILL_PRESETS))
def test_L3_each_preset_bill_finds_exactly_its_differences_and_a_rerun_changes_nothing(code, ctx, world,
                                                                                        parcels):
    clerk = world.user("clerk")
    courier_bills.set_rate_table(clerk, code, [RATE])
    header, rows, expected = crafted(code, parcels)
    content = bill_csv(header, rows)
    run = courier_bills.import_courier_bill(clerk, code, CYCLE, f"{code}-2026-11.csv", content)
    assert _found(code) == expected
    assert run["rows_read"] == len(rows) and run["summary"]["new"] == 5
    before = db.session.execute(sa.select(ReconciliationDifference).order_by(ReconciliationDifference.id)
                                ).scalars().all()
    snapshot = [(d.id, d.type, d.match_key, d.status, d.note, d.evidence, d.amount) for d in before]
    again = courier_bills.import_courier_bill(clerk, code, CYCLE, f"{code}-2026-11.csv", content)
    assert again["summary"] == {**run["summary"]} | {"new": 0, "kept": 5}
    db.session.expire_all()
    after = db.session.execute(sa.select(ReconciliationDifference).order_by(ReconciliationDifference.id)
                               ).scalars().all()
    assert [(d.id, d.type, d.match_key, d.status, d.note, d.evidence, d.amount) for d in after] == snapshot
    assert db.session.execute(sa.select(sa.func.count()).select_from(ReconciliationEvent)).scalar_one() == 0


def test_L3_the_evidence_holds_both_weights_and_fees(ctx, world, parcels):
    clerk = world.user("clerk")
    courier_bills.set_rate_table(clerk, "ZTO", [RATE])
    header, rows, _ = crafted("ZTO", parcels)
    courier_bills.import_courier_bill(clerk, "ZTO", CYCLE, "b.csv", bill_csv(header, rows))
    by_type = {d.type: d for d in db.session.execute(sa.select(ReconciliationDifference)).scalars()}
    over = by_type["weight_over"]
    assert over.evidence["our_weight_kg"] == "0.800" and over.evidence["their_weight_kg"] == "3.000"
    assert over.evidence["our_fee"] == "9.00" and over.evidence["their_fee"] == "18.00"
    assert over.amount == Decimal("9.00")  # 3 kg billed at 18.00 against 1 kg at 9.00 (10% off)
    fee = by_type["fee_mismatch"]
    assert fee.evidence["our_fee"] == "13.50" and fee.evidence["their_fee"] == "18.50"
    assert fee.amount == Decimal("5.00")
    twice = by_type["billed_twice"]
    assert twice.evidence["times"] == 2 and twice.amount == Decimal("9.00")
    assert by_type["billed_not_shipped"].amount == Decimal("13.50")


def test_L3_an_xlsx_bill_with_numbers_as_cells_reads_the_same(ctx, world, parcels):
    clerk = world.user("clerk")
    courier_bills.set_rate_table(clerk, "YTO", [RATE])
    header, rows, expected = crafted("YTO", parcels)
    typed = [[r[0], r[1], r[2], r[3], Decimal(r[4]), Decimal(r[5]), r[6]] for r in rows]
    courier_bills.import_courier_bill(clerk, "YTO", CYCLE, "bill.xlsx", bill_xlsx(header, typed))
    assert _found("YTO") == expected


def test_L3_sf_keys_on_the_order_number_of_a_sub_waybill_we_never_recorded(ctx, world, parcels):
    clerk = world.user("clerk")
    parcels.ship("SF", "SF1000000000001", "SO-1", 1000, utc(2026, 11, 3, 2))
    # the bill names a sub-waybill number only; the order number finds the shipment
    content = bill_csv(["运单号", "订单号", "计费重量(kg)", "应付金额"], [["SF1000000000999", "SO-1", "1.0", "12"]])
    courier_bills.import_courier_bill(clerk, "SF", CYCLE, "sf.csv", content)
    assert _found("SF") == {}


@pytest.mark.parametrize("tracking", ["SF1234567890123", "'SF1234567890123"])
@pytest.mark.parametrize("write", [bill_csv, bill_xlsx])
def test_L3_a_tracking_number_typed_with_excel_s_apostrophe_matches_like_the_plain_one(tracking, write, ctx,
                                                                                         world, parcels):
    clerk = world.user("clerk")
    parcels.ship("SF", "SF1234567890123", "SO-1", 1000, utc(2026, 11, 3, 2))
    # no order number: the tracking number alone must find the shipment
    content = write(["运单号", "计费重量(kg)", "应付金额"], [[tracking, "1.0", "12"]])
    run = courier_bills.import_courier_bill(clerk, "SF", CYCLE, "sf.xlsx" if write is bill_xlsx else "sf.csv",
                                            content)
    assert run["rows_read"] == 1
    assert _found("SF") == {}


def test_L3_without_a_rate_table_no_fee_is_judged(ctx, world, parcels):
    clerk = world.user("clerk")
    parcels.ship("JD", "JD01", "SO-1", 1000, utc(2026, 11, 3, 2))
    content = bill_csv(["运单号", "计费重量", "应付金额"], [["JD01", "1", "999"]])
    courier_bills.import_courier_bill(clerk, "JD", CYCLE, "jd.csv", content)
    assert _found("JD") == {}


def test_L3_the_weight_tolerance_is_a_setting(app, ctx, world, parcels):
    clerk = world.user("clerk")
    parcels.ship("EMS", "1000000000001", "SO-1", 1000, utc(2026, 11, 3, 2))
    content = bill_csv(["邮件号", "计费重量(kg)", "邮费"], [["1000000000001", "2", "12"]])
    app.config["RECONCILE_WEIGHT_TOLERANCE_KG"] = 1.0
    courier_bills.import_courier_bill(clerk, "EMS", CYCLE, "ems.csv", content)
    assert _found("EMS") == {}
    app.config["RECONCILE_WEIGHT_TOLERANCE_KG"] = 0.5
    courier_bills.import_courier_bill(clerk, "EMS", CYCLE, "ems.csv", content)
    assert _found("EMS") == {"1000000000001": "weight_over"}


def test_L3_a_saved_mapping_reads_a_courier_s_own_headers(ctx, world, parcels):
    clerk = world.user("clerk")
    parcels.ship("STO", "770000000001", "SO-1", 1000, utc(2026, 11, 3, 2))
    content = bill_csv(["单据编号", "重", "钱"], [["770000000001", "1", "8"], ["770000000002", "1", "8"]])
    with pytest.raises(CourierBillRejected) as refused:
        courier_bills.import_courier_bill(clerk, "STO", CYCLE, "sto.csv", content)
    assert refused.value.details["rows"][0]["missing"] == ["tracking_number", "weight_kg", "fee"]
    view = courier_bills.save_bill_mapping(clerk, "STO", {"tracking_number": "单据编号", "weight_kg": ["重"],
                                                          "fee": "钱"})
    assert view["source"] == "saved"
    assert courier_bills.bill_mapping(clerk, "STO")["columns"]["fee"] == ["钱"]
    courier_bills.import_courier_bill(clerk, "STO", CYCLE, "sto.csv", content)
    assert _found("STO") == {"770000000002": "billed_not_shipped"}


def test_L3_a_corrected_bill_closes_what_is_gone_and_keeps_what_a_person_decided(ctx, world, parcels):
    clerk = world.user("clerk")
    courier_bills.set_rate_table(clerk, "YUNDA", [RATE])
    header, rows, expected = crafted("YUNDA", parcels)
    courier_bills.import_courier_bill(clerk, "YUNDA", CYCLE, "b.csv", bill_csv(header, rows))
    ids = {d.match_key: d.id for d in db.session.execute(sa.select(ReconciliationDifference)).scalars()}
    twice = ids["YUNDA9004"]
    differences.change_status(clerk, twice, "claimed", "asked for a credit")
    # the corrected bill: no duplicate, no unknown line
    corrected = [r for i, r in enumerate(rows) if i != 4 and r[0] != "YUNDA9666"]
    run = courier_bills.import_courier_bill(clerk, "YUNDA", CYCLE, "b2.csv", bill_csv(header, corrected))
    assert run["summary"]["closed"] == 2 and run["summary"]["new"] == 0
    db.session.expire_all()
    claimed = db.session.get(ReconciliationDifference, twice)
    assert claimed.status == "resolved" and claimed.auto_resolved and claimed.note == "asked for a credit"
    unknown = db.session.get(ReconciliationDifference, ids["YUNDA9666"])
    assert unknown.status == "resolved" and unknown.note == "no longer found by the re-run"
    # the first bill again: the auto-resolved ones reopen, the history says so
    courier_bills.import_courier_bill(clerk, "YUNDA", CYCLE, "b.csv", bill_csv(header, rows))
    db.session.expire_all()
    assert db.session.get(ReconciliationDifference, ids["YUNDA9666"]).status == "open"
    history = differences.read_difference(clerk, twice)["history"]
    assert [(h["from_status"], h["to_status"], h["by"]) for h in history] == [
        ("open", "claimed", "clerk"), ("claimed", "resolved", None), ("resolved", "open", None)]
    assert db.session.execute(sa.select(sa.func.count()).select_from(ReconciliationRun)).scalar_one() == 3


def test_L3_a_resolution_by_a_person_stays_when_the_difference_is_found_again(ctx, world, parcels):
    clerk = world.user("clerk")
    parcels.ship("JT", "JT0001", "SO-1", 1000, utc(2026, 11, 3, 2))
    content = bill_csv(["运单号", "计费重量", "运费"], [["JT0002", "1", "8"]])
    courier_bills.import_courier_bill(clerk, "JT", CYCLE, "jt.csv", content)
    found = differences.list_differences(clerk, differences.DifferenceFilter(courier="JT"))
    assert found["total"] == 2
    unknown = next(d for d in found["items"] if d["type"] == "billed_not_shipped")
    differences.change_status(clerk, unknown["id"], "resolved", "their own return label")
    courier_bills.import_courier_bill(clerk, "JT", CYCLE, "jt.csv", content)
    db.session.expire_all()
    again = db.session.get(ReconciliationDifference, unknown["id"])
    assert again.status == "resolved" and again.note == "their own return label"
