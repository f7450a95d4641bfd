"""Rule L1 (append-only ledger, on-hand equals the ledger) and S5 (never negative)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.factories import GTIN_1, stock_in
from wms.errors import AlreadyReversed, InsufficientStock, InvalidMovement, LedgerImmutable
from wms.extensions import db
from wms.models import LedgerEntry, StockQuant
from wms.services.stock import (
    StockChange,
    adjust_stock,
    move_by_scan,
    post_movement,
    reverse_movement,
    verify_ledger,
)


def quantities(world, sku):
    rows = db.session.execute(
        sa.select(StockQuant.location_id, sa.func.sum(StockQuant.quantity))
        .where(StockQuant.item_id == world.items[sku]).group_by(StockQuant.location_id)
    ).all()
    code_of = {v: k for k, v in world.locations.items()}
    return {code_of[loc]: q for loc, q in rows if q}


def test_l1_every_movement_is_two_balancing_entries(ctx, world):
    stock_in(world, "SKU-1", 10, "RCV-01")
    entries = db.session.execute(sa.select(LedgerEntry)).scalars().all()
    assert sorted(e.quantity for e in entries) == [-10, 10]
    assert {e.movement_id for e in entries} == {entries[0].movement_id}
    assert all(e.user_id == world.users["admin"] and e.created_at.tzinfo for e in entries)
    assert verify_ledger().ok


def test_l1_orm_refuses_to_update_or_delete_an_entry(ctx, world):
    stock_in(world, "SKU-1", 5)
    entry = db.session.execute(sa.select(LedgerEntry).limit(1)).scalar_one()
    entry.quantity = 500
    with pytest.raises(LedgerImmutable):
        db.session.flush()
    db.session.rollback()
    entry = db.session.execute(sa.select(LedgerEntry).limit(1)).scalar_one()
    db.session.delete(entry)
    with pytest.raises(LedgerImmutable):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(LedgerImmutable):
        db.session.execute(sa.update(LedgerEntry).values(quantity=1))
    db.session.rollback()


@pytest.mark.parametrize("statement", [
    "UPDATE ledger_entry SET quantity = quantity * 2",
    "DELETE FROM ledger_entry",
])
def test_l1_database_refuses_update_and_delete_of_entries(ctx, world, statement):
    """Even SQL that bypasses the application is refused by the database's trigger."""
    stock_in(world, "SKU-1", 5)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    assert db.session.execute(sa.select(sa.func.sum(sa.func.abs(LedgerEntry.quantity)))).scalar_one() == 10


def test_l1_database_refuses_truncate_on_postgresql(ctx, world):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    stock_in(world, "SKU-1", 5)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE ledger_entry CASCADE")


def test_l1_reversal_restores_on_hand_and_keeps_the_original(ctx, world):
    stock_in(world, "SKU-1", 10, "RCV-01")
    moved = move_by_scan(world.user("receiver"), item_code=GTIN_1, from_location="RCV-01",
                         to_location="A-01-01", quantity=4)
    assert quantities(world, "SKU-1") == {"RCV-01": 6, "A-01-01": 4}
    reversal = reverse_movement(world.user("supervisor"), moved.movement_id, "scanned wrong bin")
    assert quantities(world, "SKU-1") == {"RCV-01": 10}
    entries = db.session.execute(
        sa.select(LedgerEntry).where(LedgerEntry.movement_id.in_([moved.movement_id, reversal.movement_id]))
    ).scalars().all()
    assert len(entries) == 4  # originals stay; corrections are new entries
    assert {e.reverses_entry_id for e in entries if e.kind == "reversal"} == set(moved.entry_ids)
    assert verify_ledger().ok


def test_l1_a_movement_is_reversed_once_only(ctx, world):
    stock_in(world, "SKU-1", 10, "RCV-01")
    moved = move_by_scan(world.user("receiver"), item_code=GTIN_1, from_location="RCV-01",
                         to_location="A-01-01", quantity=4)
    reverse_movement(world.user("supervisor"), moved.movement_id, "wrong bin")
    with pytest.raises(AlreadyReversed):
        reverse_movement(world.user("supervisor"), moved.movement_id, "again")


def test_s5_reversal_that_would_go_negative_is_refused(ctx, world):
    stock_in(world, "SKU-1", 10, "RCV-01")
    moved = move_by_scan(world.user("receiver"), item_code=GTIN_1, from_location="RCV-01",
                         to_location="A-01-01", quantity=10)
    move_by_scan(world.user("receiver"), item_code=GTIN_1, from_location="A-01-01",
                 to_location="B-01-01", quantity=10)
    with pytest.raises(InsufficientStock):
        reverse_movement(world.user("supervisor"), moved.movement_id, "too late")
    assert verify_ledger().ok


def test_s5_move_beyond_on_hand_is_refused_and_writes_nothing(ctx, world):
    stock_in(world, "SKU-1", 3, "RCV-01")
    before = db.session.execute(sa.select(sa.func.count()).select_from(LedgerEntry)).scalar_one()
    with pytest.raises(InsufficientStock) as refused:
        move_by_scan(world.user("receiver"), item_code=GTIN_1, from_location="RCV-01",
                     to_location="A-01-01", quantity=4)
    assert refused.value.details["available"] == 3
    after = db.session.execute(sa.select(sa.func.count()).select_from(LedgerEntry)).scalar_one()
    assert after == before
    assert quantities(world, "SKU-1") == {"RCV-01": 3}


def test_s5_multi_line_movement_is_all_or_nothing(ctx, world):
    lot_a = stock_in(world, "SKU-1", 5, "A-01-01")
    lot_b = stock_in(world, "SKU-2", 1, "A-01-01")
    user = world.user("admin")
    src, dst = world.place("A-01-01"), world.place("B-01-01")
    with pytest.raises(InsufficientStock):
        post_movement(user, "move", [
            StockChange(world.items["SKU-1"], lot_a, world.owners["OWN"], src, dst, 5),
            StockChange(world.items["SKU-2"], lot_b, world.owners["OWN"], src, dst, 2),
        ])
    db.session.rollback()
    assert quantities(world, "SKU-1") == {"A-01-01": 5}
    assert quantities(world, "SKU-2") == {"A-01-01": 1}


@pytest.mark.parametrize("quantity", [0, -1, True, 2.5])
def test_movement_quantity_must_be_positive_whole_number(ctx, world, quantity):
    lot = stock_in(world, "SKU-1", 5, "A-01-01")
    with pytest.raises(InvalidMovement):
        post_movement(world.user("admin"), "move", [
            StockChange(world.items["SKU-1"], lot, world.owners["OWN"], world.place("A-01-01"),
                        world.place("B-01-01"), quantity)])


def test_l1_adjustment_books_against_lost_and_found_with_reason(ctx, world):
    lot = stock_in(world, "SKU-1", 5, "A-01-01")
    common = dict(item_id=world.items["SKU-1"], lot_id=lot, location_id=world.locations["A-01-01"],
                  owner_id=world.owners["OWN"])
    adjust_stock(world.user("supervisor"), quantity_change=-2, reason="broken in bin", **common)
    adjust_stock(world.user("supervisor"), quantity_change=1, reason="found", kind="count_difference",
                 **common)
    assert quantities(world, "SKU-1") == {"A-01-01": 4}
    kinds = db.session.execute(
        sa.select(LedgerEntry.kind, LedgerEntry.reason)
        .where(LedgerEntry.location_id == world.locations["LF"])
    ).all()
    assert sorted(kinds) == [("adjustment", "broken in bin"), ("count_difference", "found")]
    with pytest.raises(InvalidMovement):
        adjust_stock(world.user("supervisor"), quantity_change=1, reason="  ", **common)
    assert verify_ledger().ok


def test_l1_verify_finds_on_hand_that_disagrees_with_the_ledger(ctx, world, runner):
    stock_in(world, "SKU-1", 5, "A-01-01")
    assert verify_ledger().ok
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    # Someone edits on-hand behind the ledger's back: verify must notice.
    db.session.execute(sa.update(StockQuant).values(quantity=StockQuant.quantity + 1))
    db.session.commit()
    check = verify_ledger()
    assert not check.ok
    assert check.on_hand_mismatches[0]["difference"] == -1
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert '"ok": false' in result.output


def test_s5_large_movement_is_batched_and_still_all_or_nothing(ctx, world):
    """Receipts and shipments of thousands of lines take the batched path; same rules."""
    from wms.services.stock import BATCH_THRESHOLD, get_or_create_lot

    user, own = world.user("admin"), world.owners["OWN"]
    lines = BATCH_THRESHOLD + 5
    lots = [get_or_create_lot(world.items["SKU-1"], f"BATCH-{n}").id for n in range(lines)]
    db.session.commit()
    received = post_movement(user, "receipt", [
        StockChange(world.items["SKU-1"], lot, own, world.place("SUP"), world.place("A-01-01"), 3) for lot in lots
    ])
    assert len(received.entry_ids) == 2 * lines
    assert quantities(world, "SKU-1") == {"A-01-01": 3 * lines}
    moves = [StockChange(world.items["SKU-1"], lot, own, world.place("A-01-01"), world.place("B-01-01"), 2)
             for lot in lots]
    moves[-1] = StockChange(world.items["SKU-1"], lots[-1], own, world.place("A-01-01"), world.place("B-01-01"), 4)
    with pytest.raises(InsufficientStock) as refused:
        post_movement(user, "move", moves)
    assert refused.value.details["lot_id"] == lots[-1] and refused.value.details["available"] == 3
    db.session.rollback()
    assert quantities(world, "SKU-1") == {"A-01-01": 3 * lines}
    post_movement(user, "move", moves[:-1])
    assert quantities(world, "SKU-1") == {"A-01-01": 3 * lines - 2 * (lines - 1), "B-01-01": 2 * (lines - 1)}
    assert verify_ledger().ok


def test_a_use_case_on_a_dropped_connection_is_run_again(ctx, world):
    """Connections are not pinged before use; a dropped one costs a retry, not an error."""
    from wms.services.uow import run_in_transaction

    if db.engine.dialect.name != "postgresql":
        pytest.skip("only a server can drop a connection")
    stock_in(world, "SKU-1", 5, "A-01-01")
    calls = []

    def count_stock():
        calls.append(1)
        if len(calls) == 1:  # the server ends this session, as a restart or a proxy would
            pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
            with db.engine.connect() as other:
                other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                other.commit()
        return db.session.execute(sa.select(sa.func.sum(StockQuant.quantity))).scalar_one()

    assert run_in_transaction(count_stock) == 5
    assert len(calls) == 2


def test_r7_consignor_stock_is_not_scanned_into_own_storage(ctx, world):
    stock_in(world, "SKU-1", 5, "RCV-01", owner="CSG-01")
    with pytest.raises(InvalidMovement, match="R7"):
        move_by_scan(world.user("receiver"), item_code=GTIN_1, from_location="RCV-01",
                     to_location="A-01-01", quantity=5)
    db.session.rollback()
    move_by_scan(world.user("receiver"), item_code=GTIN_1, from_location="RCV-01",
                 to_location="CS-01", quantity=5)
    assert quantities(world, "SKU-1") == {"CS-01": 5}


def test_r7_own_stock_is_not_scanned_into_consignment(ctx, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    with pytest.raises(InvalidMovement, match="R7"):
        move_by_scan(world.user("picker"), item_code=GTIN_1, from_location="A-01-01",
                     to_location="CS-01", quantity=1)


def test_r5_quarantined_goods_are_released_by_a_supervisor_only(ctx, world):
    from wms.errors import PermissionDenied

    stock_in(world, "SKU-1", 4, "QA-01")
    with pytest.raises(PermissionDenied):
        move_by_scan(world.user("picker"), item_code=GTIN_1, from_location="QA-01",
                     to_location="A-01-01", quantity=4)
    db.session.rollback()
    move_by_scan(world.user("supervisor"), item_code=GTIN_1, from_location="QA-01",
                 to_location="A-01-01", quantity=4)
    assert quantities(world, "SKU-1") == {"A-01-01": 4}


def test_adjustment_names_an_existing_owner_and_keeps_r7(ctx, world):
    from wms.errors import NotFound

    lot = stock_in(world, "SKU-1", 5, "A-01-01")
    common = dict(item_id=world.items["SKU-1"], lot_id=lot, quantity_change=1, reason="found")
    with pytest.raises(NotFound):
        adjust_stock(world.user("supervisor"), location_id=world.locations["A-01-01"], owner_id=999, **common)
    with pytest.raises(InvalidMovement, match="R7"):
        adjust_stock(world.user("supervisor"), location_id=world.locations["A-01-01"],
                     owner_id=world.owners["CSG-01"], **common)


def test_l1_two_supervisors_reversing_at_once_get_one_reversal_and_a_409(app, world):
    import threading

    from wms.errors import DomainError

    with app.app_context():
        stock_in(world, "SKU-1", 10, "RCV-01")
        moved = move_by_scan(world.user("receiver"), item_code=GTIN_1, from_location="RCV-01",
                             to_location="A-01-01", quantity=2)
    outcomes, start = [], threading.Barrier(6, timeout=30)

    def reverse():
        with app.app_context():
            user = world.user("supervisor")
            db.session.commit()
            start.wait()
            try:
                reverse_movement(user, moved.movement_id, "double scan")
                outcomes.append("reversed")
            except DomainError as exc:
                outcomes.append(exc.code)
            except Exception as exc:  # noqa: BLE001 - any other error fails below
                outcomes.append(repr(exc))
            db.session.remove()

    threads = [threading.Thread(target=reverse) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["already_reversed"] * 5 + ["reversed"]
    with app.app_context():
        assert verify_ledger().ok


def test_a_connection_lost_during_commit_is_not_run_again(ctx, world):
    """The commit may have landed: running the use case again could apply it twice."""
    import sqlalchemy.exc

    from wms.services.uow import is_retryable

    lost = sqlalchemy.exc.OperationalError("COMMIT", {}, Exception("server closed the connection"),
                                           connection_invalidated=True)
    assert is_retryable(lost)
    lost.during_commit = True
    assert not is_retryable(lost)


def test_resolve_item_ids_resolves_barcodes_and_skus_in_one_batch(ctx, world):
    from wms.errors import UnknownBarcode
    from wms.services.stock import resolve_item_ids

    found = resolve_item_ids([GTIN_1, " INT-2 ", "SKU-LOT", GTIN_1])
    assert found == {GTIN_1: world.items["SKU-1"], "INT-2": world.items["SKU-2"],
                     "SKU-LOT": world.items["SKU-LOT"]}
    assert resolve_item_ids(["NOPE", "SKU-1"], must_exist=False) == {"SKU-1": world.items["SKU-1"]}
    with pytest.raises(UnknownBarcode) as refused:
        resolve_item_ids(["SKU-1", "NOPE"])
    assert refused.value.details["code"] == "NOPE"


def test_the_stock_list_schema_dumps_every_field_of_a_stock_row_and_no_other():
    """marshmallow drops a misspelt key silently: the typed row and its schema name the same fields."""
    import dataclasses

    from wms.api.stock.schemas import StockRowSchema
    from wms.services.stock.listing import _STOCK_COLUMNS, StockRow

    names = {f.name for f in dataclasses.fields(StockRow)}
    assert names == set(StockRowSchema().fields) == set(_STOCK_COLUMNS)


def test_the_stock_list_returns_typed_rows(ctx, world):
    from wms.services.stock import list_stock
    from wms.services.stock.listing import StockRow

    stock_in(world, "SKU-1", 4, "A-01-01", lot="L-T")
    rows, total = list_stock(world.user("picker"), {"item": GTIN_1}, 1, 50)
    assert total == 1 and isinstance(rows[0], StockRow)
    assert (rows[0].sku, rows[0].lot_code, rows[0].location_code, rows[0].available) == ("SKU-1", "L-T", "A-01-01", 4)
