"""The demo gives suppliers inspection history in each switching state (R5)."""

from __future__ import annotations

import sqlalchemy as sa

from wms.demo import load_demo
from wms.extensions import db
from wms.models import InboundDocument, Supplier, User
from wms.services import receiving
from wms.services.stock import verify_ledger


def test_r5_demo_suppliers_start_in_reduced_tightened_and_normal_states(ctx):
    summary = load_demo(seed=3, skus=40)
    assert summary["receiving"]["history_lots"] == 23
    clerk = db.session.execute(sa.select(User).where(User.username == "clerk")).scalar_one()
    suppliers = db.session.execute(sa.select(Supplier).order_by(Supplier.id).limit(3)).scalars().all()
    states = [receiving.supplier_quality(clerk, s.id).state for s in suppliers]
    assert states == ["reduced", "tightened", "normal"]
    open_kinds = set(db.session.execute(
        sa.select(InboundDocument.kind).where(InboundDocument.status == "open")).scalars())
    assert open_kinds == {"purchase_order", "customer_return", "consignment", "return_to_vendor"}
    assert verify_ledger().ok
