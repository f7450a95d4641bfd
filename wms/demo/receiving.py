"""Demo receiving: open purchase orders, an RMA, a consignment agreement, supplier history.

Past lots are taken through the real flow (order, receipt, signed handover,
inspection, posting, put-away) so that suppliers start the demo in different
switching states: one on reduced inspection, one on tightened, the rest normal.
"""

from __future__ import annotations

from wms.demo import DemoContext
from wms.extensions import db
from wms.models import Lot
from wms.services import receiving

#: A 1x1 PNG, standing in for the signatures captured on the handheld.
DEMO_SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def seed_demo(demo: DemoContext) -> None:
    """Add receiving documents and inspection history to the demo warehouse."""
    rng, items = demo.rng, demo.items
    reduced, tightened, normal = demo.suppliers[0], demo.suppliers[1], demo.suppliers[2]
    counter = iter(range(1, 10_000))
    # (supplier, defects per lot): clean lots earn reduced inspection, rejections tighten it.
    histories = [(reduced, [0] * 11), (tightened, [0, 0, 0, 40, 0, 45]), (normal, [0, 1, 0, 0, 2, 0])]
    for supplier, defect_counts in histories:
        item = items[demo.suppliers.index(supplier) % len(items)]
        for defects in defect_counts:
            _past_lot(demo, f"PO-HIST-{next(counter):04d}", supplier.code, item.sku, 100, defects)
    for n, supplier in enumerate(demo.suppliers[:4], start=1):
        chosen = rng.sample(items, 4)
        receiving.create_document(
            demo.users["clerk"], number=f"PO-DEMO-{n:03d}", kind="purchase_order", supplier=supplier.code,
            lines=[{"item_id": item.id, "quantity": rng.choice([24, 48, 60, 120, 200])} for item in chosen],
            note="演示采购订单",
        )
    receiving.create_document(
        demo.users["clerk"], number="RMA-DEMO-001", kind="customer_return", customer=demo.customers[0].code,
        lines=[{"item_id": items[5].id, "quantity": 1}, {"item_id": items[6].id, "quantity": 2}],
        note="客户退货: 尺码不合适",
    )
    receiving.create_document(
        demo.users["clerk"], number="CSG-DEMO-001", kind="consignment", owner="CSG-LX",
        lines=[{"item_id": items[7].id, "quantity": 30}, {"item_id": items[8].id, "quantity": 12}],
        note="寄存协议",
    )
    receiving.create_document(
        demo.users["clerk"], number="RTV-DEMO-001", kind="return_to_vendor", supplier=tightened.code,
        lines=[{"item_id": items[1 % len(items)].id, "quantity": 40}], note="返厂换货",
    )
    demo.summary["receiving"] = {
        "open_purchase_orders": 4, "history_lots": sum(len(h) for _, h in histories),
        "documents": ["RMA-DEMO-001", "CSG-DEMO-001", "RTV-DEMO-001"],
    }


def _past_lot(demo: DemoContext, number: str, supplier: str, sku: str, quantity: int, defects: int) -> None:
    clerk, receiver = demo.users["clerk"], demo.users["receiver"]
    receiving.create_document(clerk, number=number, kind="purchase_order", supplier=supplier,
                              lines=[{"item": sku, "quantity": quantity}])
    receipt = receiving.start_receipt(receiver, number)
    line = receiving.receive_line(receiver, receipt.id, code=sku, quantity=quantity)
    receiving.submit_receipt(receiver, receipt.id, delivery_note=f"DN-{number}", receiver_name="收货员",
                             deliverer_name="送货司机", receiver_signature=DEMO_SIGNATURE,
                             deliverer_signature=DEMO_SIGNATURE)
    first_round = max(line.inspection.sample_size, defects)
    inspection = receiving.record_inspection(receiver, line.id, units_inspected=first_round, defects=defects)
    if inspection.outcome == "pending":
        receiving.record_inspection(receiver, line.id, units_inspected=inspection.remaining_units, defects=0)
    posted = receiving.post_receipt(clerk, receipt.id)
    lot_line = posted.lines[0]
    if lot_line.accepted_quantity:
        lot_code = db.session.get(Lot, lot_line.lot_id).code
        suggestion = receiving.suggest_bin(receiver, lot_code)
        receiving.put_away(receiver, lot_code=lot_code, bin_code=suggestion.bin)

