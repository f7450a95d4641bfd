"""Rule L2: the end-of-day report's sections on a crafted day, each from its own source."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.wms.reports.conftest import CUSTOMER_NAME, PHONE, RECIPIENT_NAME
from wms.domain.masking import masked_text
from wms.domain.permissions import Role
from wms.domain.reports import age_in_days, shipping_waiting_for
from wms.errors import InvalidInput, NotFound, PermissionDenied
from wms.extensions import db
from wms.models import LedgerEntry, StockQuant
from wms.models.types import utcnow
from wms.services.reconciliation.differences import open_differences
from wms.services.reports import day_report as reports
from wms.services.reports import entries


def test_l2_waiting_for_of_an_open_shipping_document():
    assert shipping_waiting_for("draft", "pending", []) == "approval"
    assert shipping_waiting_for("approved", "pending", ["HOLD-000001"]) == "release"
    assert shipping_waiting_for("approved", "pending", []) == "count"
    assert shipping_waiting_for("approved", "verified", []) == "ship"
    assert shipping_waiting_for("approved", "deducted", []) == "closing"


def test_l2_age_in_days(ctx):
    from datetime import date

    assert age_in_days(date(2026, 12, 2), date(2026, 11, 29)) == 3
    assert age_in_days(date(2026, 12, 2), date(2026, 12, 2)) == 0


def test_l2_masked_text_hides_quoted_names_and_phone_numbers():
    text = masked_text(f"客户{RECIPIENT_NAME}（{CUSTOMER_NAME}）电话{PHONE}，订单 SO-20261101",
                       [CUSTOMER_NAME, RECIPIENT_NAME])
    assert RECIPIENT_NAME not in text and CUSTOMER_NAME not in text and PHONE not in text
    assert "张**" in text and "138****8000" in text and "SO-20261101" in text


@pytest.mark.parametrize("phone", ["15803852808", "158-0385-2808", "158 0385 2808", "+86 158 0385 2808",
                                   "+86-158-0385-2808", "8615803852808", "0571-88881234", "0571 88881234"])
def test_l2_masked_text_hides_a_phone_number_written_in_groups(phone):
    text = masked_text(f"来电({phone})要求改地址，订单 SO-20261101，2026-12-03 前", [])
    assert phone not in text and "*" in text
    assert "SO-20261101" in text and "2026-12-03" in text  # codes and dates are no phone numbers


def _check_l2_stock_section_and_totals_agree_with_on_hand(crafted, world):
    report = reports.day_report(world.warehouse_id, crafted.day)
    by_key = {(s.item_sku, s.owner_code): s for s in report.stock}
    sku1 = by_key[("SKU-1", "OWN")]
    assert (sku1.opening, sku1.received_in, sku1.shipped_out, sku1.closing) == (0, 20, 6, 14)
    for line in report.stock:
        assert line.closing == line.opening + line.received_in - line.shipped_out
    assert report.totals.closing == sum(s.closing for s in report.stock)
    assert report.totals.received_in == sum(s.received_in for s in report.stock)
    on_hand = db.session.query(db.func.sum(StockQuant.quantity)).scalar()
    assert report.totals.closing == on_hand
    hours = report.movements_by_hour
    assert [h.hour for h in hours] == list(range(24))
    assert sum(h.received_in for h in hours) == report.totals.received_in
    assert sum(h.shipped_out for h in hours) == report.totals.shipped_out


def _check_l2_documents_of_the_day_by_type(crafted, world):
    counts = {d.type: d.count for d in reports.day_report(world.warehouse_id, crafted.day).documents}
    assert counts["inbound_document"] == 4
    assert counts["receipt"] == 4 and counts["receipt_posted"] == 3
    assert counts["sales_order"] == 3
    assert counts["hold_notice"] == 2 and counts["release_notice"] == 1
    assert counts["wave"] == 0 and counts["adjustment"] == 1 and counts["reversal"] == 0


def _check_r8_s7_uncleared_documents_with_age_and_what_they_wait_for(crafted, world):
    uncleared = {(u.type, u.number): u for u in reports.uncleared_documents(world.warehouse_id, crafted.day)}
    receipt = uncleared[("receipt", crafted.unposted_receipt)]
    assert (receipt.age_days, receipt.waiting_for_code) == (0, "inspection")
    assert uncleared[("sales_order", "SO-OPEN")].waiting_for_code == "release"
    assert uncleared[("sales_order", "SO-DRAFT")].waiting_for_code == "approval"
    assert ("sales_order", "SO-SHIP") not in uncleared
    # tomorrow the open documents are a day old; the receipts list is of its own day only
    tomorrow = {(u.type, u.number): u for u in reports.uncleared_documents(world.warehouse_id,
                                                                            crafted.day + timedelta(days=1))}
    assert tomorrow[("sales_order", "SO-OPEN")].age_days == 1
    assert ("receipt", crafted.unposted_receipt) not in tomorrow


def _check_r5_inspections_defect_rate_by_supplier_and_switching_of_the_day(crafted, world):
    inspections = reports.inspections_of_day(world.warehouse_id, crafted.day)
    assert (inspections.lots, inspections.accepted, inspections.rejected) == (3, 1, 2)
    [supplier] = inspections.by_supplier
    assert (supplier.supplier_code, supplier.lots, supplier.rejected) == ("SUP-1", 3, 2)
    assert supplier.defects == 100 and supplier.inspected_units >= 100
    assert supplier.defect_rate is not None
    [change] = inspections.switching
    assert (change.supplier_code, change.from_level, change.to_level) == ("SUP-1", "normal", "tightened")
    yesterday = reports.inspections_of_day(world.warehouse_id, crafted.day - timedelta(days=1))
    assert yesterday.lots == 0 and yesterday.switching == []


def _check_s4_holds_issued_and_released_with_personal_data_masked(crafted, world):
    holds = reports.holds_of_day(world.warehouse_id, crafted.day)
    issued = {h.number: h for h in holds.issued}
    assert set(issued) == {crafted.hold, crafted.order_hold}
    customer_hold = issued[crafted.hold]
    assert customer_hold.scope == "customer" and customer_hold.target == "张*"
    assert CUSTOMER_NAME not in customer_hold.reason and PHONE not in customer_hold.reason
    assert RECIPIENT_NAME not in issued[crafted.order_hold].reason
    assert issued[crafted.order_hold].target == "SO-OPEN"
    [released] = holds.released
    assert (released.number, released.release_number) == (crafted.hold, crafted.release)
    assert released.released_by == "supervisor" and released.confirmed_by == "admin"
    assert CUSTOMER_NAME not in released.reason


def _check_r8_count_differences_of_the_day(crafted, world):
    [count] = reports.count_differences(world.warehouse_id, crafted.day)
    assert (count.task_id, count.location, count.item_sku) == (crafted.count_task, "A-01-01", "SKU-1")
    assert (count.book, count.in_totes, count.bin_card, count.counted, count.difference, count.status) == (
        16, 1, 17, 14, -1, "counted")
    assert reports.count_differences(world.warehouse_id, crafted.day - timedelta(days=1)) == []


def _check_r8_count_section_is_the_difference_report(crafted, world):
    from wms.services.counts import count_differences

    [row] = count_differences(world.warehouse_id, crafted.day)
    [count] = reports.count_differences(world.warehouse_id, crafted.day)
    assert (count.book, count.in_totes, count.bin_card, count.counted, count.difference) == (
        row.book, row.in_totes, row.bin_card, row.counted, row.difference)


def _check_l3_open_reconciliation_differences_of_the_day(crafted, world):
    found = reports.day_report(world.warehouse_id, crafted.day).reconciliation
    assert [d.reference for d in found] == crafted.open_differences  # oldest first; not resolved, not later
    first = found[0]
    assert (first.kind, first.type, first.courier, first.order_number, str(first.amount), first.status,
            first.age_days) == ("courier", "weight_over", "SF", "SO-SHIP", "3.50", "open", 3)
    assert {d.status for d in found} == {"open", "explained", "claimed"}
    assert all(RECIPIENT_NAME not in str(d) and PHONE not in str(d) for d in found)
    assert reports.reconciliation_differences(world.warehouse_id, crafted.day - timedelta(days=4)) == []
    # Resolved the day after: the day's report still shows it as it stood at the day's end.
    from wms.models.reconciliation import ReconciliationDifference, ReconciliationEvent
    from wms.services.reconciliation.differences import change_status
    from wms.services.uow import transaction

    [old] = [d for d in found if d.reference == "SF1001"]
    change_status(world.user("clerk"), old.id, "resolved", "courier refunded")
    with transaction():  # as if resolved the morning after (the change and its event alike)
        morning = utcnow() + timedelta(days=1)
        db.session.execute(sa.update(ReconciliationEvent).where(
            ReconciliationEvent.difference_id == old.id, ReconciliationEvent.to_status == "resolved"
        ).values(at=morning))
        db.session.execute(sa.update(ReconciliationDifference).where(ReconciliationDifference.id == old.id)
                           .values(changed_at=morning))
    assert "SF1001" not in [d["key"] for d in open_differences()]  # today: resolved
    again = reports.day_report(world.warehouse_id, crafted.day).reconciliation
    assert [d.reference for d in again] == crafted.open_differences and again[0].status == "open"


def _check_l2_report_is_read_only(crafted, world):
    before = db.session.query(LedgerEntry).count()
    reports.day_report(world.warehouse_id, crafted.day)
    db.session.rollback()
    assert db.session.query(LedgerEntry).count() == before


def _check_l2_drill_down_entries_add_up_to_the_figure(crafted, world):
    report = reports.day_report(world.warehouse_id, crafted.day)
    for line in report.stock:
        for direction, figure in (("in", line.received_in), ("out", line.shipped_out)):
            found = entries.day_entries(world.warehouse_id, crafted.day, item=line.item_sku, owner=line.owner_code,
                                        direction=direction, limit=500)
            assert found.quantity == figure, (line, direction)
            assert sum(e.quantity for e in found.entries) * (-1 if direction == "out" else 1) == figure
            assert found.total == len(found.entries)
    for hour in report.movements_by_hour:
        found = entries.day_entries(world.warehouse_id, crafted.day, direction="in", hour=hour.hour)
        assert found.quantity == hour.received_in
    paged = entries.day_entries(world.warehouse_id, crafted.day, limit=1, offset=1)
    assert len(paged.entries) == 1 and paged.total > 1


def _check_l2_drill_down_refuses_unknown_item_and_direction(crafted, world):
    with pytest.raises(NotFound):
        entries.day_entries(world.warehouse_id, crafted.day, item="NOPE")
    with pytest.raises(InvalidInput):
        entries.day_entries(world.warehouse_id, crafted.day, direction="sideways")


def _check_l2_a_closed_day_says_who_closed_it_and_the_next_day_opens_with_its_closing(crafted, world):
    from wms.services.days import close_day

    before = reports.day_report(world.warehouse_id, crafted.day)
    assert before.closed is None
    close_day(world.user("clerk"), crafted.day)
    after = reports.day_report(world.warehouse_id, crafted.day)
    assert after.closed is not None and after.closed.by == "clerk"
    assert after.stock == before.stock
    tomorrow = reports.day_report(world.warehouse_id, crafted.day + timedelta(days=1))
    assert {(s.item_sku, s.owner_code): s.opening for s in tomorrow.stock} == {
        (s.item_sku, s.owner_code): s.closing for s in before.stock if s.closing}


def test_l2_r5_r8_s4_s7_l3_sections_of_a_crafted_day(crafted, world):
    """One crafted day (building it is the slow part), every section checked on it."""
    _check_l2_stock_section_and_totals_agree_with_on_hand(crafted, world)
    _check_l2_documents_of_the_day_by_type(crafted, world)
    _check_r8_s7_uncleared_documents_with_age_and_what_they_wait_for(crafted, world)
    _check_r5_inspections_defect_rate_by_supplier_and_switching_of_the_day(crafted, world)
    _check_s4_holds_issued_and_released_with_personal_data_masked(crafted, world)
    _check_r8_count_differences_of_the_day(crafted, world)
    _check_r8_count_section_is_the_difference_report(crafted, world)
    _check_l3_open_reconciliation_differences_of_the_day(crafted, world)
    _check_l2_report_is_read_only(crafted, world)
    _check_l2_drill_down_entries_add_up_to_the_figure(crafted, world)
    _check_l2_drill_down_refuses_unknown_item_and_direction(crafted, world)
    _check_l2_a_closed_day_says_who_closed_it_and_the_next_day_opens_with_its_closing(crafted, world)


def test_l2_only_clerks_and_supervisors_read_the_report(ctx, world):
    for role in (Role.PICKER, Role.RECEIVER, Role.SHIPPER):
        with pytest.raises(PermissionDenied):
            reports.day_report_for(world.user(role.value), None, None)
    reports.day_report_for(world.user("clerk"), None, None)
    reports.day_report_for(world.user("supervisor"), "WH1", None)
