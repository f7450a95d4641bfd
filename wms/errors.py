"""Typed domain errors and the one JSON error format the PDA maps to sounds.

Every error a client can see has a stable ``code`` (snake_case). The body is always
``{"code": ..., "status": ..., "message": ..., "errors": {...}}``. The messages here are
the English text of the logs and the command line; what a client reads is the
catalogue's message for the code in its language (``wms/translations``, ``wms.i18n``).
"""

from __future__ import annotations

from typing import Any

from wms.i18n import error_message


class DomainError(Exception):
    """A warehouse rule or request was refused; nothing was changed."""

    code = "domain_error"
    status = 400
    message = "The request was refused."

    def __init__(self, message: str | None = None, **details: Any) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """The error as the API returns it."""
        return error_body(self.code, self.status, self.message, self.details)


def error_body(code: str, status: int, message: str, errors: dict | None = None) -> dict:
    """Build the single error format used by every endpoint.

    In a request the message is the catalogue's for ``code`` in the caller's language
    (``wms.i18n``); ``message`` is kept for a code the catalogue lacks, and outside a request.
    """
    errors = errors or {}
    return {"code": code, "status": status, "message": error_message(code, errors, message), "errors": errors}


# --- authentication and permissions -------------------------------------------------


class AuthenticationRequired(DomainError):
    code, status, message = "authentication_required", 401, "Log in first."


class InvalidCredentials(DomainError):
    code, status, message = "invalid_credentials", 401, "Wrong user name or password."


class TokenExpired(DomainError):
    code, status, message = "token_expired", 401, "The login has expired; log in again."


class LoginRateLimited(DomainError):
    code, status, message = "login_rate_limited", 429, "Too many failed logins; wait and try again."


class PermissionDenied(DomainError):
    code, status, message = "permission_denied", 403, "Your role may not do this."


class CsrfFailed(DomainError):
    code, status, message = "csrf_failed", 403, "Missing or wrong X-CSRF-Token header."


# --- generic ------------------------------------------------------------------------


class ServerMisconfigured(DomainError):
    """The server shares one application context between requests; it refuses to serve."""

    code, status, message = "server_misconfigured", 500, "The server is misconfigured; tell the administrator."


class NotFound(DomainError):
    code, status, message = "not_found", 404, "No such record."


class AlreadyExists(DomainError):
    code, status, message = "already_exists", 409, "A record with this code already exists."


class InvalidText(DomainError):
    """A NUL or another control character where only text or a scanned code belongs."""

    code, status, message = "invalid_text", 422, "The text holds a control character."


class RequestTooComplex(DomainError):
    code, status, message = "request_too_complex", 400, "The JSON body is nested too deeply."


class PayloadTooLarge(DomainError):
    code, status, message = "payload_too_large", 413, "The request body is too large."


class ValueOutOfRange(DomainError):
    code, status, message = "value_out_of_range", 422, "A value is out of range or too long."


class InvalidReference(DomainError):
    code, status, message = "invalid_reference", 422, "The request refers to a record that does not exist."


class DatabaseUnavailable(DomainError):
    """The database cannot be reached or is busy; nothing was changed. Retry after a pause."""

    code, status = "database_unavailable", 503
    message = "The database is not reachable right now; nothing was changed. Try again shortly."


class RecordInUse(DomainError):
    """Rule L1: what a record means to the ledger cannot change once entries name it."""

    code, status = "record_in_use", 409
    message = "Stock has moved through this record; this field can no longer change."


class IllegalTransition(DomainError):
    """A document was asked to take a step its transition table does not allow from its state."""

    code, status = "illegal_transition", 409
    message = "The document's state does not allow this step."


class InvalidInput(DomainError):
    code, status, message = "invalid_input", 422, "The input is not valid."


# --- idempotency --------------------------------------------------------------------


class IdempotencyKeyInvalid(DomainError):
    code, status, message = "idempotency_key_invalid", 400, "The Idempotency-Key header is not valid."


class IdempotencyKeyReused(DomainError):
    code, status = "idempotency_key_reused", 422
    message = "This Idempotency-Key was already used with a different request."


class IdempotencyInFlight(DomainError):
    code, status = "idempotency_in_flight", 409
    message = "The first request with this Idempotency-Key is still running; retry later."


class DeviceHeaderInvalid(DomainError):
    """X-Device-Id or X-Device-Name is malformed (the audit trail names the device from them)."""

    code, status, message = "device_header_invalid", 400, "The X-Device-Id or X-Device-Name header is not valid."


# --- master data and stock ------------------------------------------------------------


class UnknownBarcode(DomainError):
    code, status, message = "unknown_barcode", 404, "No item has this barcode."


class UnknownLocation(DomainError):
    code, status, message = "unknown_location", 404, "No location has this code."


class UnknownLot(DomainError):
    code, status, message = "unknown_lot", 404, "No such lot of this item."


class LotRequired(DomainError):
    code, status, message = "lot_required", 422, "Several lots are here; scan the lot."


class LocationInactive(DomainError):
    code, status, message = "location_inactive", 409, "This location is not in use."


class InvalidMovement(DomainError):
    code, status, message = "invalid_movement", 422, "This stock movement is not allowed."


class InsufficientStock(DomainError):
    """Rule S5: stock never goes negative; the movement is refused whole."""

    code, status, message = "insufficient_stock", 409, "Not enough stock at the location."


class LedgerImmutable(DomainError):
    """Rule L1: ledger entries are never edited or deleted."""

    code, status = "ledger_immutable", 409
    message = "Ledger entries cannot be changed; post a reversing entry."


class AlreadyReversed(DomainError):
    code, status, message = "already_reversed", 409, "This movement was already reversed."


# --- the warehouse's day (rule L2) --------------------------------------------------


class DayClosed(DomainError):
    """Rule L2: nothing is posted into a closed day; corrections go into the open day."""

    code, status, message = "day_closed", 409, "This day is closed; post into the open day."


class DayNotClosable(DomainError):
    """Rule L2: days close in order, after they end or on the day itself, once."""

    code, status, message = "day_not_closable", 409, "This day cannot be closed now."


class DayNotReopenable(DomainError):
    """Rule L2: only the last closed day is reopened, by a supervisor, with a reason."""

    code, status, message = "day_not_reopenable", 409, "Only the last closed day can be reopened."


# --- receiving (rules R1-R9) --------------------------------------------------------


class NoOpenDocument(DomainError):
    """Rule R1: goods are received only against an open inbound document."""

    code, status = "no_open_document", 409
    message = "Receive only against an open document (PO, RMA, return-to-vendor, consignment)."


class DocumentNotOpen(DomainError):
    """Rule R1: a closed or cancelled document takes no more goods."""

    code, status, message = "document_not_open", 409, "This document is closed or cancelled."


class DocumentHasGoods(DomainError):
    """Rule R1: a document goods were received against is closed, never cancelled."""

    code, status = "document_has_goods", 409
    message = "Goods were received on this document; close it instead of cancelling."


class OverReceipt(DomainError):
    """Rule R2: never more than ordered, summed over all receipts of the line."""

    code, status, message = "over_receipt", 409, "More than ordered; the excess is refused."


class ItemNotOnDocument(DomainError):
    code, status, message = "item_not_on_document", 422, "This item is not on the document."


class ReceiptNotEditable(DomainError):
    code, status, message = "receipt_wrong_state", 409, "The receipt is not in a state that allows this."


class HandoverIncomplete(DomainError):
    """Rule R3: delivery-note number, names and signatures are recorded at handover."""

    code, status, message = "handover_incomplete", 422, "The handover needs the delivery note and signatures."


class InspectionInvalid(DomainError):
    code, status, message = "inspection_invalid", 422, "These inspection figures are not possible."


class InspectionPending(DomainError):
    """Rule R5: a lot is posted only after its inspection is decided."""

    code, status, message = "inspection_pending", 409, "Inspection is not finished for every line."


class ImportRejected(DomainError):
    code, status, message = "import_rejected", 422, "The file has bad rows; nothing was imported."


class NothingToPutAway(DomainError):
    code, status, message = "nothing_to_put_away", 409, "Nothing of this lot waits in receiving."


class CheckDigitWrong(DomainError):
    """A scanned GTIN, SSCC or GLN has a wrong check digit: a misread, never data."""

    code, status, message = "gs1_check_digit", 422, "A check digit in the scanned code is wrong; scan it again."



# --- shipping (rules S1-S7) ---------------------------------------------------------


class OrderNotFound(DomainError):
    """Rule S3/S5: nothing ships without a real shipping document."""

    code, status, message = "order_not_found", 404, "No shipping document has this number."


class OrderNumberTaken(DomainError):
    code, status, message = "order_number_taken", 409, "A shipping document with this number exists."


class OrderStateInvalid(DomainError):
    code, status, message = "order_state_invalid", 409, "The document's status does not allow this."


class OrderNotApproved(DomainError):
    """Rule S3: only an approved document ships."""

    code, status, message = "order_not_approved", 409, "The shipping document is not approved."


class OrderCancelled(DomainError):
    """Rule S3: a cancelled document never ships."""

    code, status, message = "order_cancelled", 409, "The shipping document is cancelled."


class OrderOnHold(DomainError):
    """Rule S4: an active hold notice covers this shipment."""

    code, status, message = "order_on_hold", 409, "A hold notice stops this shipment."


class OrderAlreadyShipped(DomainError):
    """Rule S3: a document ships once."""

    code, status, message = "order_already_shipped", 409, "The shipping document was already shipped."


class StepOutOfOrder(DomainError):
    """Rule S2: count, verify, ship, deduct; none skipped, none reordered."""

    code, status, message = "step_out_of_order", 409, "This shipping step is not the next one."


class PickTaskNotFound(DomainError):
    code, status, message = "pick_task_not_found", 404, "No such pick task."


class PickTaskClosed(DomainError):
    code, status, message = "pick_task_closed", 409, "This pick task is already done or cancelled."


class PickWrongLocation(DomainError):
    code, status, message = "pick_wrong_location", 422, "Wrong bin: scan the bin the task names."


class PickWrongItem(DomainError):
    code, status, message = "pick_wrong_item", 422, "Wrong item: scan the item the task names."


class PickWrongLot(DomainError):
    code, status, message = "pick_wrong_lot", 422, "Wrong lot: take the lot the task names."


class BinUnderCount(DomainError):
    """R8: a cycle count of this item in this bin is under way; picks there wait until it is counted."""

    code, status, message = "bin_under_count", 409, "This bin is being counted; pick it after the count."


class RecountNeedsOtherCounter(DomainError):
    """R8: a count's recount is made by someone other than the first counter, where another may count."""

    code, status, message = "recount_needs_other_counter", 409, "Someone other than the first counter recounts."


class CountDifferenceReserved(DomainError):
    """R8: the units missing at a count are allocated to orders; their allocation is undone first."""

    code, status, message = "count_difference_reserved", 409, \
        "The missing units are allocated to orders; undo their allocation first."


class VerifyWrongItem(DomainError):
    """Rule S2 step 2: the item is not on the shipping document."""

    code, status, message = "verify_wrong_item", 422, "This item is not on the shipping document."


class VerifyWrongLot(DomainError):
    """Rule S2 step 2: the lot is not the one allocated to the document."""

    code, status, message = "verify_wrong_lot", 422, "This lot is not the one on the shipping document."


class VerifyTooMany(DomainError):
    """Rule S2 step 2: more units than the document lists."""

    code, status, message = "verify_too_many", 422, "More units than the shipping document lists."


class VerifyLotRequired(DomainError):
    code, status, message = "verify_lot_required", 422, "Several lots of this item are on the document; scan the lot."


class InvalidWeight(DomainError):
    code, status, message = "invalid_weight", 422, "The parcel weight is not valid."


class TrackingNumberTaken(DomainError):
    code, status, message = "tracking_number_taken", 409, "This carrier's tracking number is already used."


# --- couriers and electronic waybills -----------------------------------------------


class UnknownCourier(DomainError):
    code, status, message = "unknown_courier", 422, "No active courier has this code."


class CourierNotFound(DomainError):
    code, status, message = "courier_not_found", 404, "No courier has this code."


class TrackingNumberInvalid(DomainError):
    code, status, message = "tracking_number_invalid", 422, "The tracking number does not fit the courier's pattern."


class WaybillMismatch(DomainError):
    """The ship step was given a courier or tracking number other than the order's waybill."""

    code, status, message = "waybill_mismatch", 409, "The order's electronic waybill has another courier or number."


class WaybillNotFound(DomainError):
    code, status, message = "waybill_not_found", 404, "The order has no electronic waybill yet."


class WaybillProviderUnavailable(DomainError):
    """The waybill provider did not answer in time or could not be reached; nothing was written."""

    code, status = "waybill_provider_unavailable", 503
    message = "The waybill provider is not reachable right now; nothing was written. Try again shortly."


class WaybillProviderRefused(DomainError):
    """The waybill provider answered with a refusal (its reason is passed on); nothing was written."""

    code, status, message = "waybill_provider_refused", 422, "The waybill provider refused to issue a waybill."


class HoldNotFound(DomainError):
    code, status, message = "hold_not_found", 404, "No hold notice has this number."


class HoldNotActive(DomainError):
    code, status, message = "hold_not_active", 409, "The hold notice is already released."


class HoldScopeInvalid(DomainError):
    code, status, message = "hold_scope_invalid", 422, "The hold's scope is not valid."


class ReleaseNotFound(DomainError):
    code, status, message = "release_not_found", 404, "No release notice has this number."


class ReleaseAlreadyConfirmed(DomainError):
    code, status, message = "release_already_confirmed", 409, "The release notice is already confirmed."


class ReleaseNeedsSecondPerson(DomainError):
    """Rule S4: the writer of a release notice may not confirm it; another user does."""

    code, status, message = "release_needs_second_person", 409, \
        "A release notice is confirmed by someone other than its writer."


class ExchangeNoticeNotFound(DomainError):
    code, status, message = "exchange_notice_not_found", 404, "No exchange notice has this number."


class ExchangeNoticeInvalid(DomainError):
    """Rule S6: exchange goods ship only against a valid, system-issued notice."""

    code, status, message = "exchange_notice_invalid", 409, "The exchange notice is not valid."


class ExchangeOriginalNotShipped(DomainError):
    code, status, message = "exchange_original_not_shipped", 409, "Only a shipped order can be exchanged."


class ExchangeQuantityExceeded(DomainError):
    code, status, message = "exchange_quantity_exceeded", 422, "More units than were shipped on the order."


class WaveNotFound(DomainError):
    code, status, message = "wave_not_found", 404, "No wave has this number."


class OrderImportRejected(DomainError):
    """Bad rows in an order import; nothing was imported."""

    code, status, message = "order_import_rejected", 422, "The order file has bad rows; nothing was imported."


class CourierBillRejected(DomainError):
    """A courier's bill that cannot be read: missing columns or bad rows; nothing was written."""

    code, status, message = "courier_bill_rejected", 422, "The courier's bill has bad rows; nothing was imported."


class DifferenceNotFound(DomainError):
    code, status, message = "difference_not_found", 404, "No reconciliation difference has this id."


class ReconciliationFileRejected(DomainError):
    """A courier's return records, a settlement statement or a shop's order export cannot be
    read (a file rule, a missing column, bad rows); nothing was reconciled."""

    code, status = "reconciliation_file_rejected", 422
    message = "The reconciliation file has bad rows or columns; nothing was reconciled."


class ParcelWeightMismatch(DomainError):
    """The parcel weighs more or less than its units and packaging should, beyond the tolerance."""

    code, status = "parcel_weight_mismatch", 409
    message = "The parcel's weight is outside the tolerance of its expected weight."


class PackagingNotFound(DomainError):
    code, status, message = "packaging_not_found", 404, "No packaging type has this code."


class ManifestNotFound(DomainError):
    code, status, message = "manifest_not_found", 404, "No handover manifest has this number."


class ManifestWrongCourier(DomainError):
    code, status, message = "manifest_wrong_courier", 409, "This parcel goes with another courier."


class ParcelAlreadyOnManifest(DomainError):
    code, status, message = "parcel_already_on_manifest", 409, "This parcel is already on a handover manifest."


class ParcelNotShipped(DomainError):
    """A tracking number no shipped parcel carries: not shipped yet, or unknown."""

    code, status, message = "parcel_not_shipped", 409, "No shipped parcel has this tracking number."


# --- stations and devices -------------------------------------------------------------


class StationNotFound(DomainError):
    code, status, message = "station_not_found", 404, "No station has this code."


class StationInactive(DomainError):
    code, status, message = "station_inactive", 409, "This station is not in use."


class StationDeviceInvalid(DomainError):
    """A station's device URL, protocol or options do not fit the devices registry."""

    code, status, message = "station_device_invalid", 422, "The station's device settings are not valid."


class StationDeviceMissing(DomainError):
    code, status, message = "station_device_missing", 409, "The station has no such device."


class PrintJobNotFound(DomainError):
    code, status, message = "print_job_not_found", 404, "No print job has this number."


class ImageTooLarge(DomainError):
    code, status, message = "image_too_large", 413, "The image is too large to decode."


class NotAnImage(DomainError):
    code, status, message = "not_an_image", 415, "The upload is not a PNG, JPEG, BMP or WebP image."
