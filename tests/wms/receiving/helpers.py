"""Helpers of the receiving tests: documents and receipts built through the services."""

from __future__ import annotations

import itertools

from wms.extensions import db
from wms.models import Supplier
from wms.services import receiving

#: A 1x1 PNG, the smallest valid signature image.
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
HANDOVER = dict(delivery_note="DN-0001", receiver_name="王收货", deliverer_name="李送货",
                receiver_signature=SIGNATURE, deliverer_signature=SIGNATURE)

_numbers = itertools.count(1)


def new_supplier(code: str) -> int:
    """A further supplier (the world has one), for tests of per-supplier history."""
    supplier = Supplier(code=code, name=code)
    db.session.add(supplier)
    db.session.commit()
    return supplier.id


def make_document(world, lines: dict[str, int], *, kind: str = "purchase_order", number: str | None = None,
                  supplier: str | None = "SUP-1", customer: str | None = None, owner: str | None = None):
    """An open inbound document with lines {sku: quantity}; returns it."""
    number = number or f"PO-{next(_numbers):05d}"
    if kind == "customer_return":
        supplier, customer = None, customer or "CUS-1"
    if kind == "consignment":
        owner = owner or "CSG-01"
    return receiving.create_document(
        world.user("clerk"), number=number, kind=kind, supplier=supplier, customer=customer, owner=owner,
        lines=[{"item": sku, "quantity": q} for sku, q in lines.items()],
    )


def receive(world, number: str, counts: dict[str, int], *, packaging: str = "intact", submit: bool = True):
    """A receipt of {sku: quantity} against a document, signed when ``submit``."""
    receiver = world.user("receiver")
    receipt = receiving.start_receipt(receiver, number)
    for sku, quantity in counts.items():
        receiving.receive_line(receiver, receipt.id, code=sku, quantity=quantity, packaging=packaging)
    if submit:
        receiving.submit_receipt(receiver, receipt.id, **HANDOVER)
    return receipt


def run_lot(world, sku: str, quantity: int, defects: int = 0, *, supplier: str = "SUP-1",
            post: bool = True):
    """One purchase-order lot taken through receipt, inspection (defects found) and posting."""
    document = make_document(world, {sku: quantity}, supplier=supplier)
    receipt = receive(world, document.number, {sku: quantity})
    line = receipt.lines[0]
    inspection = line.inspection
    inspector = world.user("receiver")
    inspected = max(inspection.sample_size, defects)
    inspection = receiving.record_inspection(inspector, line.id, units_inspected=inspected, defects=defects)
    if inspection.outcome == "pending":
        inspection = receiving.record_inspection(inspector, line.id,
                                                 units_inspected=inspection.remaining_units, defects=0)
    if post:
        receiving.post_receipt(world.user("clerk"), receipt.id)
    return receipt, inspection
