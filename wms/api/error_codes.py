"""The error codes each operation can answer, written into the OpenAPI document.

The one error format carries a stable ``code``; a client (the PDA, a station) maps it to
a sound and a message. The document lists, per operation and status, the codes it can
answer: the generic ones follow from what the operation is (logged in or public, with
input, idempotent, using a device) and ``OPERATION_ERRORS`` lists the warehouse's
refusals the operation's use case raises. ``tests/wms/test_openapi_errors.py`` holds
that table equal to what the services can raise, so a refusal added to a use case
cannot go undocumented.
"""

from __future__ import annotations

from flask import Flask
from flask_smorest.spec.plugins import FlaskPlugin

from wms.api.devices.errors import DEVICE_ERROR_STATUS
from wms.errors import DomainError

#: Refusals of the warehouse's rules, per "<endpoint> <METHOD>" (generic codes are added).
OPERATION_ERRORS: dict[str, tuple[str, ...]] = {
    "system.Health GET": (),
    "auth.Token POST": ("device_header_invalid", "invalid_credentials", "login_rate_limited"),
    "auth.Session DELETE": (),
    "auth.Session POST": ("device_header_invalid", "invalid_credentials", "login_rate_limited"),
    "auth.Revoke POST": (),
    "auth.Me GET": (),
    "auth.Me PATCH": ("invalid_input", "not_found"),
    "audit.AuditTrail GET": (),
    "system.Catalogue GET": ("not_found",),
    "users.Users GET": (),
    "users.Users POST": ("already_exists", "invalid_input"),
    "users.UserResource GET": ("not_found",),
    "users.UserResource PATCH": ("invalid_input", "not_found"),
    "masterdata.Items GET": (),
    "masterdata.Items POST": ("already_exists", "invalid_input", "not_found"),
    "masterdata.Item GET": ("not_found",),
    "masterdata.Item PATCH": ("already_exists", "invalid_input", "not_found", "record_in_use"),
    "masterdata.Locations GET": (),
    "masterdata.Locations POST": ("already_exists", "invalid_input", "not_found"),
    "masterdata.Location GET": ("not_found",),
    "masterdata.Location PATCH": ("already_exists", "invalid_input", "not_found", "record_in_use"),
    "masterdata.Suppliers GET": (),
    "masterdata.Suppliers POST": ("already_exists", "invalid_input", "not_found"),
    "masterdata.Supplier GET": ("not_found",),
    "masterdata.Supplier PATCH": ("already_exists", "invalid_input", "not_found", "record_in_use"),
    "masterdata.Customers GET": (),
    "masterdata.Customers POST": ("already_exists", "invalid_input", "not_found"),
    "masterdata.Customer GET": ("not_found",),
    "masterdata.Customer PATCH": ("already_exists", "invalid_input", "not_found", "record_in_use"),
    "masterdata.Owners GET": (),
    "masterdata.Owners POST": ("already_exists", "invalid_input", "not_found"),
    "masterdata.Owner GET": ("not_found",),
    "masterdata.Owner PATCH": ("already_exists", "invalid_input", "not_found", "record_in_use"),
    "masterdata.Warehouses GET": (),
    "masterdata.Warehouses POST": ("already_exists", "invalid_input", "not_found"),
    "masterdata.Warehouse GET": ("not_found",),
    "masterdata.Warehouse PATCH": ("already_exists", "invalid_input", "not_found", "record_in_use"),
    "masterdata.ItemByCode GET": ("unknown_barcode",),
    "stock.Stock GET": ("unknown_barcode",),
    "stock.StockMoves POST": (
        "insufficient_stock", "invalid_movement", "location_inactive", "lot_required",
        "unknown_barcode", "unknown_location", "unknown_lot",
    ),
    "stock.StockAdjustments POST": (
        "insufficient_stock", "invalid_movement", "location_inactive", "not_found",
        "unknown_location", "unknown_lot",
    ),
    "stock.Lots GET": (),
    "ledger.Ledger GET": (),
    "ledger.Reversal POST": ("already_reversed", "insufficient_stock", "invalid_movement", "not_found"),
    "ledger.Verify GET": (),
    "receiving.InboundDocuments GET": (),
    "receiving.InboundDocuments POST": ("already_exists", "invalid_input", "not_found", "unknown_barcode"),
    "receiving.InboundDocumentImport POST": (
        "already_exists", "import_rejected", "invalid_input", "not_found",
        "unknown_barcode",
    ),
    "receiving.InboundDocument GET": ("not_found",),
    "receiving.InboundDocumentByNumber GET": ("document_not_open", "no_open_document"),
    "receiving.OpenInboundDocuments GET": (),
    "receiving.InboundDocumentStatus POST": (
        "document_has_goods", "document_not_open", "invalid_input", "not_found", "receipt_wrong_state",
    ),
    "receiving.Receipts POST": ("document_not_open", "invalid_input", "no_open_document", "unknown_location"),
    "receiving.UnpostedReceipts GET": (),
    "receiving.Receipt GET": ("not_found",),
    "receiving.ReceiptLines POST": (
        "document_not_open", "gs1_check_digit", "invalid_input", "item_not_on_document", "not_found",
        "over_receipt", "receipt_wrong_state", "unknown_barcode",
    ),
    "receiving.ReceiptLine DELETE": ("not_found", "receipt_wrong_state"),
    "receiving.ReceiptSubmit POST": ("handover_incomplete", "not_found", "receipt_wrong_state"),
    "receiving.ReceiptLineInspection POST": ("inspection_invalid", "not_found", "receipt_wrong_state"),
    "receiving.ReceiptLineReturnClassification POST": ("inspection_invalid", "not_found", "receipt_wrong_state"),
    "receiving.ReceiptPost POST": (
        "inspection_pending", "insufficient_stock", "invalid_movement", "location_inactive",
        "not_found", "receipt_wrong_state", "unknown_location",
    ),
    "receiving.PutawaySuggestion GET": ("lot_required", "nothing_to_put_away", "unknown_barcode", "unknown_location"),
    "receiving.Putaway POST": (
        "insufficient_stock", "invalid_input", "invalid_movement", "location_inactive",
        "lot_required", "nothing_to_put_away", "unknown_barcode", "unknown_location",
    ),
    "receiving.SupplierQuality GET": ("not_found",),
    "devices.Stations GET": (),
    "devices.Stations POST": ("already_exists", "not_found", "station_device_invalid"),
    "devices.Station DELETE": ("station_not_found",),
    "devices.Station GET": ("station_not_found",),
    "devices.Station PATCH": ("already_exists", "not_found", "station_device_invalid", "station_not_found"),
    "devices.StationScale GET": ("station_device_missing", "station_inactive", "station_not_found"),
    "devices.StationLabels POST": (
        "print_job_not_found", "station_device_missing", "station_inactive", "station_not_found",
    ),
    "devices.StationHealth GET": ("station_device_missing", "station_inactive", "station_not_found"),
    "devices.StationPrintJobs GET": ("station_not_found",),
    "devices.PrintJob GET": ("print_job_not_found",),
    "devices.PrintJobRetry POST": (
        "illegal_transition", "print_job_not_found", "station_device_missing", "station_inactive",
        "station_not_found",
    ),
    "devices.Decode POST": ("image_too_large", "invalid_input", "not_an_image"),
    "shipping.Orders GET": (),
    "shipping.Orders POST": ("invalid_input", "not_found", "order_number_taken", "unknown_barcode"),
    "shipping.OrderImport POST": (
        "invalid_input", "not_found", "order_import_rejected", "order_not_found",
        "order_number_taken", "order_state_invalid", "unknown_barcode",
    ),
    "shipping.Order GET": ("order_not_found",),
    "shipping.OrderApprove POST": ("order_not_found", "order_state_invalid"),
    "shipping.OrderCancel POST": (
        "exchange_notice_invalid", "invalid_input", "order_not_found", "order_state_invalid",
    ),
    "shipping.OrderValidity GET": (
        "exchange_notice_invalid", "order_already_shipped", "order_cancelled", "order_not_approved",
        "order_not_found", "order_on_hold",
    ),
    "shipping.OrderAllocate POST": ("order_not_found", "order_state_invalid"),
    "shipping.OrderPickList GET": ("invalid_input", "order_not_found", "wave_not_found"),
    "shipping.OrderVerifyScans POST": (
        "invalid_input", "order_already_shipped", "order_cancelled", "order_not_approved",
        "order_not_found", "order_on_hold", "step_out_of_order", "unknown_barcode",
        "verify_lot_required", "verify_too_many", "verify_wrong_item", "verify_wrong_lot",
    ),
    "shipping.OrderVerifyBatch POST": (
        "invalid_input", "order_already_shipped", "order_cancelled", "order_not_approved",
        "order_not_found", "order_on_hold", "step_out_of_order", "unknown_barcode",
        "verify_lot_required", "verify_too_many", "verify_wrong_item", "verify_wrong_lot",
    ),
    "shipping.OrderShip POST": (
        "exchange_notice_invalid", "insufficient_stock", "invalid_input", "invalid_movement",
        "invalid_weight", "location_inactive", "order_already_shipped", "order_cancelled",
        "order_not_approved", "order_not_found", "order_on_hold", "order_state_invalid",
        "print_job_not_found", "station_device_missing", "station_inactive", "station_not_found",
        "step_out_of_order", "tracking_number_invalid", "tracking_number_taken", "unknown_courier",
        "unknown_location", "waybill_mismatch",
        "packaging_not_found", "parcel_weight_mismatch",
    ),
    "shipping.OrderLabel GET": ("order_not_found", "order_state_invalid"),
    "reconciliation.CourierBills POST": ("courier_bill_rejected", "courier_not_found", "invalid_input"),
    "reconciliation.Differences GET": ("invalid_input",),
    "reconciliation.Difference GET": ("difference_not_found",),
    "reconciliation.DifferenceStatus POST": ("difference_not_found", "illegal_transition", "invalid_input"),
    "reconciliation.Claims GET": ("courier_not_found", "invalid_input"),
    "reconciliation.BillMapping GET": ("courier_not_found",),
    "reconciliation.BillMapping PUT": ("courier_not_found", "invalid_input"),
    "reconciliation.Rates GET": ("courier_not_found",),
    "reconciliation.Rates PUT": ("courier_not_found", "invalid_input"),
    "reconcile.ReturnRecords POST": ("courier_not_found", "invalid_input", "reconciliation_file_rejected"),
    "reconcile.Outbound POST": ("invalid_input", "reconciliation_file_rejected"),
    "reconcile.Payments POST": ("invalid_input", "reconciliation_file_rejected"),
    "reconcile.Presets GET": (),
    "couriers.Couriers GET": (),
    "couriers.Couriers POST": ("already_exists", "invalid_input", "tracking_number_invalid"),
    "couriers.Courier GET": ("courier_not_found",),
    "couriers.Courier PATCH": ("courier_not_found", "invalid_input", "tracking_number_invalid"),
    "couriers.OrderWaybill GET": ("order_not_found", "waybill_not_found"),
    "couriers.OrderWaybill POST": (
        "invalid_input", "order_not_found", "order_state_invalid", "tracking_number_invalid",
        "unknown_courier", "waybill_mismatch", "waybill_provider_refused", "waybill_provider_unavailable",
    ),
    "receiving.LotLabelPrint POST": (
        "lot_required", "print_job_not_found", "station_device_missing", "station_inactive",
        "station_not_found", "unknown_barcode", "unknown_lot",
    ),
    "shipping.OrderLabelPrint POST": (
        "order_not_found", "order_state_invalid", "print_job_not_found", "station_device_missing",
        "station_inactive", "station_not_found",
    ),
    "shipping.Waves GET": (),
    "shipping.Waves POST": ("invalid_input", "not_found", "order_not_found", "order_state_invalid"),
    "shipping.WaveResource GET": ("wave_not_found",),
    "shipping.WaveCancel POST": ("illegal_transition", "wave_not_found"),
    "shipping.WavePickList GET": ("invalid_input", "order_not_found", "wave_not_found"),
    "shipping.TaskScanCheck GET": (
        "lot_required", "order_already_shipped", "order_cancelled", "order_not_approved", "order_on_hold",
        "pick_task_closed", "pick_task_not_found", "pick_wrong_item", "pick_wrong_location", "pick_wrong_lot",
        "step_out_of_order", "unknown_barcode",
    ),
    "shipping.TaskCount POST": (
        "bin_under_count", "invalid_input", "lot_required", "order_already_shipped", "order_cancelled",
        "order_not_approved", "order_on_hold", "pick_task_closed", "pick_task_not_found",
        "pick_wrong_item", "pick_wrong_location", "pick_wrong_lot", "step_out_of_order",
        "unknown_barcode",
    ),
    "shipping.CycleCounts GET": (),
    "shipping.CycleCounts POST": ("invalid_input", "not_found", "unknown_barcode", "unknown_location"),
    "shipping.CycleCountDifferences GET": ("invalid_input", "not_found"),
    "shipping.CycleCountStart POST": ("illegal_transition", "not_found", "pick_wrong_location"),
    "shipping.CycleCountComplete POST": ("illegal_transition", "not_found"),
    "shipping.CycleCountCount POST": (
        "count_difference_reserved", "illegal_transition", "insufficient_stock", "invalid_input",
        "invalid_movement", "location_inactive", "not_found", "pick_wrong_item", "pick_wrong_location",
        "recount_needs_other_counter", "unknown_barcode", "unknown_location",
    ),
    "shipping.CycleCountApprove POST": (
        "count_difference_reserved", "illegal_transition", "insufficient_stock", "invalid_movement",
        "location_inactive", "not_found", "unknown_location",
    ),
    "shipping.CycleCountReject POST": ("illegal_transition", "not_found"),
    "shipping.Holds GET": (),
    "shipping.Holds POST": ("hold_scope_invalid", "not_found", "order_not_found", "unknown_barcode"),
    "shipping.MyHolds GET": (),
    "shipping.Releases POST": ("hold_not_active", "hold_not_found", "hold_scope_invalid"),
    "shipping.ReleaseConfirm POST": ("hold_not_active", "release_already_confirmed", "release_needs_second_person",
                                     "release_not_found"),
    "shipping.ExchangeNotices POST": (
        "exchange_original_not_shipped", "exchange_quantity_exceeded", "invalid_input", "not_found",
        "order_not_found", "order_number_taken", "unknown_barcode",
    ),
    "shipping.ExchangeNotice GET": ("exchange_notice_not_found",),
    "shipping.ExchangeNoticeCancel POST": (
        "exchange_notice_invalid", "exchange_notice_not_found", "invalid_input", "order_not_found",
        "order_state_invalid",
    ),
    "shipping.OpenDocuments GET": (),
    "shipping.OrderWeightOverride POST": (
        "invalid_input", "order_already_shipped", "order_cancelled", "order_not_approved", "order_not_found",
        "order_on_hold",
    ),
    "shipping.PackagingTypes GET": (),
    "shipping.OrderExpectedWeight GET": ("order_not_found", "packaging_not_found"),
    "shipping.OrderVerifyScans GET": ("order_not_found",),
    "shipping.Manifests POST": ("invalid_reference",),
    "shipping.ManifestResource GET": ("manifest_not_found",),
    "shipping.ManifestParcels POST": (
        "illegal_transition", "invalid_input", "manifest_not_found", "manifest_wrong_courier",
        "parcel_already_on_manifest", "parcel_not_shipped",
    ),
    "shipping.ManifestClose POST": (
        "handover_incomplete", "illegal_transition", "invalid_input", "manifest_not_found",
    ),
    "shipping.ManifestExport GET": ("invalid_input", "manifest_not_found"),
    "shipping.ManifestPrint POST": (
        "manifest_not_found", "print_job_not_found", "station_device_missing", "station_inactive",
        "station_not_found",
    ),
}
# The warehouse's business days (L2).
OPERATION_ERRORS.update({
    "days.Days GET": ("invalid_input", "not_found"),
    "days.DayClose POST": ("day_not_closable", "invalid_input", "not_found"),
    "days.DayReopen POST": ("day_not_reopenable", "invalid_input", "not_found"),
})
# The end-of-day report (L2): an unknown warehouse, item or owner; no warehouse named among several.
OPERATION_ERRORS.update({
    "reports.DayReport GET": ("invalid_input", "not_found"),
    "reports.DayEntries GET": ("invalid_input", "not_found"),
    "reports.DayExport GET": ("invalid_input", "not_found"),
})
#: Operations that post stock movements: a closed day refuses them (L2, 409 day_closed).
POSTING_OPERATIONS = (
    "stock.StockMoves POST", "stock.StockAdjustments POST", "ledger.Reversal POST", "receiving.ReceiptPost POST",
    "receiving.Putaway POST", "shipping.OrderShip POST", "shipping.CycleCountCount POST",
    "shipping.CycleCountApprove POST",
)
for _key in POSTING_OPERATIONS:
    if _key in OPERATION_ERRORS:
        OPERATION_ERRORS[_key] = (*OPERATION_ERRORS[_key], "day_closed")

#: Operations that talk to a station's scale or printer: the devices' codes too.
DEVICE_OPERATIONS = frozenset({
    "devices.StationScale GET", "devices.StationLabels POST", "devices.StationHealth GET",
    "shipping.OrderShip POST", "shipping.OrderLabelPrint POST", "receiving.LotLabelPrint POST",
    "shipping.ManifestPrint POST",
})
#: The camera decoder's codes (POST /devices/decode) and those a station's devices answer.
_DECODER_PREFIXES = ("decode", "gs1", "image", "not_an_image")
_DECODE_CODES = tuple(c for c in DEVICE_ERROR_STATUS if c.startswith(_DECODER_PREFIXES))
_STATION_DEVICE_CODES = tuple(c for c in DEVICE_ERROR_STATUS if not c.startswith(_DECODER_PREFIXES))
DECODE_OPERATION = "devices.Decode POST"

MUTATING = frozenset({"post", "put", "patch", "delete"})


def _all_error_classes(cls=DomainError):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_error_classes(sub)


def status_of_code() -> dict[str, int]:
    """Every stable code the service can answer and its HTTP status."""
    codes = {cls.code: cls.status for cls in _all_error_classes()}
    codes.update(DEVICE_ERROR_STATUS)
    codes.update({"validation_failed": 422, "bad_request": 400, "not_found": 404,
                  "method_not_allowed": 405, "payload_too_large": 413, "unsupported_media_type": 415})
    return codes


def operation_codes(key: str, operation: dict, *, idempotent: bool, path_arguments: bool) -> set[str]:
    """The codes one operation can answer: its refusals and the generic ones that apply."""
    method = key.rsplit(" ", 1)[1].lower()
    codes = set(OPERATION_ERRORS.get(key, ())) | {"database_unavailable"}
    if operation.get("security") != []:
        codes |= {"authentication_required", "token_expired", "permission_denied"}
        if method in MUTATING:
            codes.add("csrf_failed")
    if operation.get("parameters") or operation.get("requestBody") or path_arguments:
        codes |= {"validation_failed", "invalid_text"}
    if path_arguments:  # an id beyond any record matches no route
        codes.add("not_found")
    if operation.get("requestBody"):
        codes |= {"bad_request", "request_too_complex", "payload_too_large", "unsupported_media_type"}
    if method in MUTATING:
        codes |= {"value_out_of_range", "already_exists", "invalid_reference"}
    if idempotent:
        codes |= {"idempotency_key_invalid", "idempotency_key_reused", "idempotency_in_flight",
                  "device_header_invalid"}
    if key in DEVICE_OPERATIONS:
        codes |= set(_STATION_DEVICE_CODES)
    if key == DECODE_OPERATION:
        codes |= set(_DECODE_CODES)
    return codes


IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "Any unique string up to 255 printable characters, made once per action: a retry "
                   "with the same key gets the first response again (Idempotent-Replayed: true), the "
                   "same key with another request 422 idempotency_key_reused.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def document_errors(app: Flask, spec) -> None:
    """Write each operation's error codes (and the Idempotency-Key header) into ``spec``."""
    statuses = status_of_code()
    paths = spec._paths  # apispec keeps the registered paths here; they are amended in place
    for rule in app.url_map.iter_rules():
        path = paths.get(FlaskPlugin.flaskpath2openapi(rule.rule))
        if path is None:
            continue
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method, operation in path.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            handler = getattr(view_class, method, None) if view_class is not None else view
            idempotent = bool(getattr(handler, "idempotent", False))
            if idempotent:
                operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY_PARAMETER)
            by_status: dict[int, list[str]] = {}
            for code in sorted(operation_codes(f"{rule.endpoint} {method.upper()}", operation,
                                               idempotent=idempotent, path_arguments=bool(rule.arguments))):
                by_status.setdefault(statuses[code], []).append(code)
            responses = operation.setdefault("responses", {})
            for status, codes in sorted(by_status.items()):
                responses[str(status)] = {
                    "description": "Error codes: " + ", ".join(codes),
                    "content": {"application/json": {"schema": {"allOf": [
                        {"$ref": "#/components/schemas/Error"},
                        {"type": "object", "properties": {"code": {"type": "string", "enum": codes}}},
                    ]}}},
                }
