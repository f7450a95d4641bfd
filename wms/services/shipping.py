"""Outbound use cases, by job: shipping documents (``shipping_documents``), allocation
(``shipping_allocation``), waves and pick lists (``shipping_waves``), the four steps of
rule S2 (``shipping_steps``), labels (``shipping_labels``, printed through
``print_queue``), cycle counts (``shipping_cycle_counts``), holds and exchanges.

The names callers use are importable from here, as ``wms.services.shipping.<name>``.
"""

from __future__ import annotations

from wms.services.shipping_cycle_counts import (
    BlindCountResult,
    CycleCountView,
    SupervisedCycleCountView,
    approve_cycle_count,
    complete_cycle_count,
    count_cycle_count,
    list_cycle_counts,
    reject_cycle_count,
    start_cycle_count,
)
from wms.services.shipping_documents import (
    READERS,
    OpenDocument,
    OrderLineInput,
    OrderRow,
    OrderView,
    Validity,
    approve_order,
    build_order,
    cancel_order,
    create_order,
    list_orders,
    open_shipping_documents,
    order_view,
    resolve_warehouse,
    validity,
)
from wms.services.shipping_labels import ShippingLabelData, print_shipping_label, shipping_label
from wms.services.shipping_steps import (
    CountResult,
    Scan,
    ScanCheck,
    ShipResult,
    VerifyResult,
    check_scans,
    confirm_count,
    ship_order,
    verify_progress,
    verify_scan,
    verify_scans,
)
from wms.services.shipping_waves import (
    PickTaskRow,
    WaveView,
    cancel_wave,
    create_wave,
    list_waves,
    pick_list,
    wave_view,
)
from wms.services.warehouse_day import day_bounds, warehouse_today

__all__ = [
    "BlindCountResult", "SupervisedCycleCountView", "approve_cycle_count", "count_cycle_count",
    "reject_cycle_count", "start_cycle_count",
    "READERS", "CountResult", "CycleCountView", "OpenDocument", "OrderLineInput", "OrderRow", "OrderView",
    "PickTaskRow", "Scan", "ScanCheck", "ShipResult", "ShippingLabelData", "Validity", "VerifyResult",
    "WaveView", "approve_order", "build_order", "cancel_order", "cancel_wave", "check_scans",
    "complete_cycle_count", "confirm_count", "create_order", "create_wave", "day_bounds", "list_cycle_counts",
    "list_orders", "list_waves", "open_shipping_documents", "order_view", "pick_list", "print_shipping_label",
    "resolve_warehouse", "ship_order", "shipping_label", "validity", "verify_progress", "verify_scan", "verify_scans",
    "warehouse_today", "wave_view",
]
