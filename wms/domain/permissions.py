"""Roles and the operations each may perform, checked in the service layer."""

from __future__ import annotations

from enum import StrEnum

from wms.errors import PermissionDenied


class Role(StrEnum):
    """The people who use the warehouse system."""

    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    RECEIVER = "receiver"
    PICKER = "picker"
    SHIPPER = "shipper"
    CLERK = "clerk"


class Permission(StrEnum):
    """One operation a user may be allowed; roles are sets of these."""

    MASTER_READ = "master.read"
    MASTER_WRITE = "master.write"
    USER_MANAGE = "user.manage"
    STOCK_READ = "stock.read"
    STOCK_MOVE = "stock.move"
    STOCK_ADJUST = "stock.adjust"
    LEDGER_READ = "ledger.read"
    LEDGER_REVERSE = "ledger.reverse"
    LEDGER_VERIFY = "ledger.verify"
    # inbound (rules R1-R9)
    INBOUND_DOCUMENT_WRITE = "inbound.document.write"
    RECEIPT_RECEIVE = "receipt.receive"
    RECEIPT_INSPECT = "receipt.inspect"
    RECEIPT_POST = "receipt.post"
    PUTAWAY = "putaway"
    # outbound (rules S1-S7)
    OUTBOUND_DOCUMENT_WRITE = "outbound.document.write"
    OUTBOUND_APPROVE = "outbound.approve"
    ALLOCATE = "allocate"
    PICK = "pick"
    VERIFY = "verify"
    SHIP = "ship"
    HOLD_ISSUE = "hold.issue"
    HOLD_RELEASE = "hold.release"
    # reports, devices
    REPORT_READ = "report.read"
    RECONCILE = "reconcile"
    DEVICE_USE = "device.use"
    STATION_MANAGE = "station.manage"
    DAY_CLOSE = "day.close"  # L2: close the warehouse's day (clerk, supervisor)
    DAY_REOPEN = "day.reopen"  # L2: reopen the last closed day (supervisor only)
    AUDIT_READ = "audit.read"  # the audit trail: who did what, when, from which device


P = Permission
_FLOOR = {P.MASTER_READ, P.STOCK_READ, P.DEVICE_USE}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.SUPERVISOR: frozenset(set(Permission) - {P.USER_MANAGE}),
    Role.RECEIVER: frozenset(_FLOOR | {P.RECEIPT_RECEIVE, P.RECEIPT_INSPECT, P.PUTAWAY, P.STOCK_MOVE}),
    Role.PICKER: frozenset(_FLOOR | {P.PICK, P.STOCK_MOVE}),
    Role.SHIPPER: frozenset(_FLOOR | {P.VERIFY, P.SHIP, P.PICK}),
    Role.CLERK: frozenset(
        {P.MASTER_READ, P.STOCK_READ, P.LEDGER_READ, P.LEDGER_VERIFY, P.RECEIPT_POST,
         P.INBOUND_DOCUMENT_WRITE, P.OUTBOUND_DOCUMENT_WRITE, P.REPORT_READ, P.RECONCILE, P.DAY_CLOSE}
    ),
}


def permissions_of(role: str) -> frozenset[Permission]:
    """The permissions a role grants (none for an unknown role)."""
    try:
        return ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return frozenset()


def require_any(role: str, *permissions: Permission) -> None:
    """Raise PermissionDenied unless the role grants at least one of the permissions."""
    granted = permissions_of(role)
    if not any(p in granted for p in permissions):
        raise PermissionDenied(
            f"The role '{role}' may not do '{permissions[0].value}'.",
            permission=permissions[0].value,
            role=role,
        )


def require(role: str, permission: Permission) -> None:
    """Raise PermissionDenied unless the role grants the permission."""
    if permission not in permissions_of(role):
        raise PermissionDenied(
            f"The role '{role}' may not do '{permission.value}'.",
            permission=permission.value,
            role=role,
        )
