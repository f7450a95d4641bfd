"""SQLAlchemy models, one module per business area; importing this registers them all."""

from wms.models.audit import AuditEntry
from wms.models.couriers import Courier, Waybill
from wms.models.days import DayAction, DayBalance, LedgerDay, LedgerDayEvent
from wms.models.idempotency import IdempotencyRecord
from wms.models.masterdata import Customer, Item, ItemBarcode, Location, Owner, Supplier, Warehouse
from wms.models.parcels import PackagingType, ParcelWeightOverride, ShippingManifest, ShippingManifestParcel
from wms.models.receiving import InboundDocument, InboundLine, Inspection, Receipt, ReceiptLine
from wms.models.reconciliation import (
    CourierBillMapping,
    CourierRate,
    ReconciliationDifference,
    ReconciliationEvent,
    ReconciliationRun,
)
from wms.models.shipping import (
    CountException,
    CycleCountRound,
    CycleCountTask,
    ExchangeNotice,
    Handover,
    HoldNotice,
    PickTask,
    ReleaseNotice,
    SalesOrder,
    SalesOrderLine,
    ShippingCounter,
    ShippingStep,
    VerifyScan,
    Wave,
)
from wms.models.station import PrintJob, Station
from wms.models.stock import LedgerEntry, Lot, MovementKind, StockQuant
from wms.models.users import LoginAttempt, User

__all__ = [
    "Customer", "IdempotencyRecord", "Item", "ItemBarcode", "LedgerEntry", "Location",
    "LoginAttempt", "Lot", "MovementKind", "Owner", "StockQuant", "Supplier", "User",
    "Warehouse",
    "InboundDocument", "InboundLine", "Inspection", "Receipt", "ReceiptLine",
    "CountException", "CycleCountRound", "CycleCountTask", "ExchangeNotice", "Handover", "HoldNotice",
    "PickTask", "ReleaseNotice", "SalesOrder", "SalesOrderLine", "ShippingCounter", "ShippingStep",
    "VerifyScan", "Wave",
    "PackagingType", "ParcelWeightOverride", "ShippingManifest", "ShippingManifestParcel",
    "PrintJob", "Station",
    "Courier", "Waybill",
    "CourierBillMapping", "CourierRate", "ReconciliationDifference", "ReconciliationEvent",
    "ReconciliationRun",
    "DayAction", "DayBalance", "LedgerDay", "LedgerDayEvent",
    "AuditEntry",
]
