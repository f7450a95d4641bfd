"""Typed domain errors and the one JSON error format the PDA maps to sounds.

Every error a client can see has a stable ``code`` (snake_case). The body is always
``{"code": ..., "status": ..., "message": ..., "errors": {...}}``.
"""

from __future__ import annotations

from typing import Any


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
    """Build the single error format used by every endpoint."""
    return {"code": code, "status": status, "message": message, "errors": errors or {}}


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


class NotFound(DomainError):
    code, status, message = "not_found", 404, "No such record."


class AlreadyExists(DomainError):
    code, status, message = "already_exists", 409, "A record with this code already exists."


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


# --- receiving (rules R1-R9) --------------------------------------------------------


class NoOpenDocument(DomainError):
    """Rule R1: goods are received only against an open inbound document."""

    code, status = "no_open_document", 409
    message = "Receive only against an open document (PO, RMA, return-to-vendor, consignment)."


class DocumentNotOpen(DomainError):
    """Rule R1: a closed or cancelled document takes no more goods."""

    code, status, message = "document_not_open", 409, "This document is closed or cancelled."


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



# --- shipping (rules S1-S7) ---------------------------------------------------------
