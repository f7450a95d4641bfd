"""R2 under concurrency: receipts of the same line racing in real threads on a real database.

Each thread runs in its own application context (its own session and connection), as
two receivers' handhelds would; a barrier releases them together.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa

from tests.wms.receiving.helpers import make_document
from wms.errors import OverReceipt
from wms.extensions import db
from wms.models import InboundLine, ReceiptLine
from wms.services import receiving
from wms.services.uow import run_in_transaction


def race(app, world, receipt_ids: list[int], quantity: int) -> tuple[list[int], list[str]]:
    """Every receipt tries to count ``quantity`` of SKU-1 at the same moment."""
    barrier = threading.Barrier(len(receipt_ids))
    succeeded: list[int] = []
    refused: list[str] = []
    unexpected: list[BaseException] = []
    lock = threading.Lock()

    def receiver(receipt_id: int) -> None:
        with app.app_context():
            try:
                actor = world.user("receiver")
                db.session.commit()  # end the read transaction before the race starts
                barrier.wait(timeout=10)
                run_in_transaction(lambda: receiving.receive_line(actor, receipt_id, code="SKU-1",
                                                                  quantity=quantity))
                with lock:
                    succeeded.append(receipt_id)
            except OverReceipt as refusal:
                with lock:
                    refused.append(refusal.code)
            except BaseException as exc:  # noqa: BLE001 - reported by the test below
                with lock:
                    unexpected.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=receiver, args=(rid,)) for rid in receipt_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not unexpected, unexpected
    return succeeded, refused


def open_receipts(world, ordered: int, count: int) -> tuple[int, list[int]]:
    document = make_document(world, {"SKU-1": ordered})
    ids = [receiving.start_receipt(world.user("receiver"), document.number).id for _ in range(count)]
    return document.id, ids


def totals(document_id: int) -> tuple[int, int]:
    line_received = db.session.execute(
        sa.select(InboundLine.received).where(InboundLine.document_id == document_id)
    ).scalar_one()
    counted = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(ReceiptLine.quantity), 0))).scalar_one()
    return line_received, counted


def test_r2_two_concurrent_receipts_that_together_exceed_the_order_one_is_refused(app, world):
    with app.app_context():
        document_id, receipt_ids = open_receipts(world, ordered=10, count=2)
    succeeded, refused = race(app, world, receipt_ids, quantity=6)
    assert (len(succeeded), refused) == (1, ["over_receipt"])
    with app.app_context():
        assert totals(document_id) == (6, 6)


def test_r2_many_concurrent_receipts_never_exceed_the_order(app, world):
    with app.app_context():
        document_id, receipt_ids = open_receipts(world, ordered=10, count=8)
    succeeded, refused = race(app, world, receipt_ids, quantity=2)
    assert (len(succeeded), len(refused)) == (5, 3)
    with app.app_context():
        assert totals(document_id) == (10, 10)
