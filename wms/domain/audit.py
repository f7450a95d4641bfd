"""The audit trail's words: what a call did (its action), on which document, from which device.

Every mutating API call leaves one audit row (``wms.models.audit.AuditEntry``): who, what,
when, from which device and with which outcome. This module holds the pure part:

- ``ACTIONS``: each mutating operation ("<endpoint> <METHOD>", as in the OpenAPI error
  table) and the action it is in the warehouse's words (``receipt.post``, ``hold.issue``),
  with the type of document it names. An operation missing here (a new one) is still
  recorded, under its endpoint's name (``tests/wms/test_audit.py`` keeps the table whole);
- ``document_reference``: the document a call names: the path's code or number, or,
  where the operation says so, a field of its answer (a receipt's inbound document number,
  the number a create was given);
- the device headers' rule: ``X-Device-Id``, the handheld's own stable id (8 to 64 of
  letters, digits, ``-``, ``_``, ``.``, ``:``), and ``X-Device-Name``, the name the
  warehouse gave it ("PDA-07", UTF-8 percent-encoded, up to 40 printable characters).
  A malformed header is refused (``device_header_invalid``); a missing one is recorded
  as none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The stable id a device gives itself (a UUID, a serial number).
DEVICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{7,63}")
DEVICE_NAME_MAX = 40
#: Body fields tried, in order, for the number of a document a create made.
CREATED_NUMBER_FIELDS = ("number", "code", "username", "id")


@dataclass(frozen=True)
class ActionSpec:
    """What an operation is in the audit: its action and the document it names.

    ``number_from``: a field of the call's answer that holds the document's number
    (falling back to the path's value); ``None``: the path's value, or for a create the
    answer's ``CREATED_NUMBER_FIELDS``.
    """

    action: str
    document_type: str | None = None
    number_from: str | None = None


A = ActionSpec
#: Every mutating operation and its action in the warehouse's words.
ACTIONS: dict[str, ActionSpec] = {
    # logging in and out (the logins are recorded by the login itself, see wms.services.auth)
    "auth.Token POST": A("auth.login"),
    "auth.Session POST": A("auth.login"),
    "auth.Session DELETE": A("auth.logout"),
    "auth.Revoke POST": A("auth.revoke"),
    "auth.Me PATCH": A("user.own_settings"),
    "users.Users POST": A("user.create", "user"),
    "users.UserResource PATCH": A("user.update", "user", "username"),
    # master data
    "masterdata.Items POST": A("item.create", "item", "sku"),
    "masterdata.Item PATCH": A("item.update", "item", "sku"),
    "masterdata.Locations POST": A("location.create", "location"),
    "masterdata.Location PATCH": A("location.update", "location", "code"),
    "masterdata.Owners POST": A("owner.create", "owner"),
    "masterdata.Owner PATCH": A("owner.update", "owner", "code"),
    "masterdata.Suppliers POST": A("supplier.create", "supplier"),
    "masterdata.Supplier PATCH": A("supplier.update", "supplier", "code"),
    "masterdata.Customers POST": A("customer.create", "customer"),
    "masterdata.Customer PATCH": A("customer.update", "customer", "code"),
    "masterdata.Warehouses POST": A("warehouse.create", "warehouse"),
    "masterdata.Warehouse PATCH": A("warehouse.update", "warehouse", "code"),
    "couriers.Couriers POST": A("courier.create", "courier"),
    "couriers.Courier PATCH": A("courier.update", "courier"),
    # stock and ledger
    "stock.StockMoves POST": A("stock.move"),
    "stock.StockAdjustments POST": A("stock.adjust"),
    "ledger.Reversal POST": A("movement.reverse", "movement"),
    # receiving (R1-R9): a receipt is named by its inbound document's number
    "receiving.InboundDocuments POST": A("inbound.create", "inbound"),
    "receiving.InboundDocumentImport POST": A("inbound.import"),
    "receiving.InboundDocumentStatus POST": A("inbound.status", "inbound", "number"),
    "receiving.Receipts POST": A("receipt.start", "inbound", "document_number"),
    "receiving.ReceiptLines POST": A("receipt.receive_line", "receipt"),
    "receiving.ReceiptLine DELETE": A("receipt.undo_line", "inbound", "document_number"),
    "receiving.ReceiptSubmit POST": A("receipt.submit", "inbound", "document_number"),
    "receiving.ReceiptPost POST": A("receipt.post", "inbound", "document_number"),
    "receiving.ReceiptLineInspection POST": A("receipt.inspect", "receipt_line"),
    "receiving.ReceiptLineReturnClassification POST": A("receipt.classify_return", "receipt_line"),
    "receiving.Putaway POST": A("putaway"),
    "receiving.LotLabelPrint POST": A("lot.label_print", "lot"),
    # shipping (S1-S7)
    "shipping.Orders POST": A("order.create", "order"),
    "shipping.OrderImport POST": A("order.import"),
    "shipping.OrderApprove POST": A("order.approve", "order"),
    "shipping.OrderCancel POST": A("order.cancel", "order"),
    "shipping.OrderAllocate POST": A("order.allocate", "order"),
    "shipping.OrderVerifyScans POST": A("order.verify_scan", "order"),
    "shipping.OrderVerifyBatch POST": A("order.verify_batch", "order"),
    "shipping.OrderWeightOverride POST": A("order.weight_override", "order"),
    "couriers.OrderWaybill POST": A("order.waybill", "order"),
    "shipping.OrderShip POST": A("order.ship", "order"),
    "shipping.OrderLabelPrint POST": A("order.label_print", "order"),
    "shipping.Waves POST": A("wave.create", "wave"),
    "shipping.WaveCancel POST": A("wave.cancel", "wave"),
    "shipping.TaskCount POST": A("pick.count", "pick_task"),
    "shipping.CycleCountCount POST": A("cycle_count.count", "cycle_count"),
    "shipping.CycleCountComplete POST": A("cycle_count.complete", "cycle_count"),
    "shipping.CycleCounts POST": A("cycle_count.create", "cycle_count"),
    "shipping.CycleCountStart POST": A("cycle_count.start", "cycle_count"),
    "shipping.CycleCountApprove POST": A("cycle_count.approve", "cycle_count"),
    "shipping.CycleCountReject POST": A("cycle_count.reject", "cycle_count"),
    "shipping.Holds POST": A("hold.issue", "hold"),
    "shipping.Releases POST": A("release.write", "release"),
    "shipping.ReleaseConfirm POST": A("release.confirm", "release"),
    "shipping.ExchangeNotices POST": A("exchange.create", "exchange"),
    "shipping.ExchangeNoticeCancel POST": A("exchange.cancel", "exchange"),
    "shipping.Manifests POST": A("manifest.open", "manifest"),
    "shipping.ManifestParcels POST": A("manifest.add_parcel", "manifest"),
    "shipping.ManifestClose POST": A("manifest.close", "manifest"),
    "shipping.ManifestPrint POST": A("manifest.print", "manifest"),
    # closing the day (L2)
    "days.DayClose POST": A("day.close", "day"),
    "days.DayReopen POST": A("day.reopen", "day"),
    # reconciliation (L3): a run is named by its id
    "reconciliation.CourierBills POST": A("reconcile.courier_bill", "reconciliation", "id"),
    "reconcile.ReturnRecords POST": A("reconcile.returns", "reconciliation", "id"),
    "reconcile.Outbound POST": A("reconcile.outbound", "reconciliation", "id"),
    "reconcile.Payments POST": A("reconcile.payments", "reconciliation", "id"),
    "reconciliation.DifferenceStatus POST": A("difference.status", "difference"),
    "reconciliation.BillMapping PUT": A("courier.bill_mapping", "courier"),
    "reconciliation.Rates PUT": A("courier.rates", "courier"),
    # stations and devices
    "devices.Stations POST": A("station.create", "station"),
    "devices.Station PATCH": A("station.update", "station"),
    "devices.Station DELETE": A("station.delete", "station"),
    "devices.StationLabels POST": A("station.print", "station"),
    "devices.PrintJobRetry POST": A("print_job.retry", "print_job"),
    "devices.Decode POST": A("barcode.decode"),
}
#: Every action name (the screen's words for them are in the app's catalogues).
ACTION_NAMES: tuple[str, ...] = tuple(sorted({spec.action for spec in ACTIONS.values()}))


def action_spec(operation: str) -> ActionSpec:
    """The operation's action; an operation not in ``ACTIONS`` is named after its endpoint."""
    spec = ACTIONS.get(operation)
    if spec is not None:
        return spec
    endpoint, _, method = operation.partition(" ")
    return ActionSpec(f"{endpoint}.{method}".lower()[:64])


def document_reference(spec: ActionSpec, path_values: dict, answer: object) -> str | None:
    """The number of the document the call names: from its answer or its path (see ``ActionSpec``)."""
    if spec.document_type is None:
        return None
    fields = (spec.number_from,) if spec.number_from else (() if path_values else CREATED_NUMBER_FIELDS)
    if isinstance(answer, dict):
        for field in fields:
            value = answer.get(field)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
                return str(value)[:64]
    for value in path_values.values():
        return str(value)[:64]
    return None


def valid_device_id(value: str) -> bool:
    """A device id is 8 to 64 letters, digits, '-', '_', '.' or ':' (beginning with a letter or digit)."""
    return DEVICE_ID.fullmatch(value) is not None


def valid_device_name(value: str) -> bool:
    """A device's name is 1 to DEVICE_NAME_MAX printable characters, not only spaces."""
    return 0 < len(value.strip()) and len(value) <= DEVICE_NAME_MAX and value.isprintable()
