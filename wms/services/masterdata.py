"""Master data use cases: items with barcodes, locations, partners, owners, warehouses."""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa

from wms.domain.barcodes import is_valid_gtin
from wms.domain.permissions import Permission, require
from wms.errors import AlreadyExists, InvalidInput, NotFound, RecordInUse
from wms.extensions import db
from wms.models import Customer, Item, ItemBarcode, LedgerEntry, Location, Owner, Supplier, Warehouse
from wms.models.users import User
from wms.services.uow import run_in_transaction

M = TypeVar("M")

#: Which column makes each kind of record unique, as people type and scan it.
NATURAL_KEYS: dict[type, str] = {
    Warehouse: "code", Location: "code", Item: "sku", Supplier: "code",
    Customer: "code", Owner: "code",
}


def get_record(model: type[M], record_id: int) -> M:
    """A record by id or NotFound."""
    record = db.session.get(model, record_id)
    if record is None:
        raise NotFound(f"No {model.__tablename__} {record_id}.", id=record_id)
    return record


def _ensure_unique(model: type, data: dict[str, Any], record_id: int | None = None) -> None:
    column = NATURAL_KEYS[model]
    if column not in data:
        return
    stmt = sa.select(model.id).where(getattr(model, column) == data[column])
    if record_id is not None:
        stmt = stmt.where(model.id != record_id)
    if db.session.execute(stmt).first() is not None:
        raise AlreadyExists(field=column, value=data[column])


#: Fields that say what the ledger's entries at a record mean: which places hold stock
#: (L1: verify and every movement count entries at physical places only), where
#: consignor stock may be (R7), and whose warehouse it is. Once an entry names the
#: record they are fixed: a bin that became a "supplier" would drop its stock from the
#: books while its on-hand stays. A change is a new record and a movement to it.
FIXED_ONCE_USED: dict[type, tuple[str, ...]] = {
    Location: ("type", "warehouse_id"),
    Owner: ("kind",),
}
_LEDGER_COLUMN = {Location: LedgerEntry.location_id, Owner: LedgerEntry.owner_id}


def _refuse_changing_used_fields(model: type, record: Any, changes: dict[str, Any]) -> None:
    changed = [f for f in FIXED_ONCE_USED.get(model, ()) if f in changes and changes[f] != getattr(record, f)]
    if not changed:
        return
    used = db.session.execute(
        sa.select(sa.literal(1)).where(_LEDGER_COLUMN[model] == record.id).limit(1)
    ).first()
    if used is not None:
        raise RecordInUse(fields=changed)


def _check_references(model: type, data: dict[str, Any]) -> None:
    if model is Location and "warehouse_id" in data:
        get_record(Warehouse, data["warehouse_id"])


def create_record(actor: User, model: type[M], data: dict[str, Any]) -> M:
    """Create a master-data record after checking its natural key is free."""
    require(actor.role, Permission.MASTER_WRITE)
    if model is Item:
        return create_item(actor, data)

    def use_case() -> M:
        _ensure_unique(model, data)
        _check_references(model, data)
        record = model(**data)
        db.session.add(record)
        db.session.flush()
        return record

    return run_in_transaction(use_case)


def update_record(actor: User, model: type[M], record_id: int, changes: dict[str, Any]) -> M:
    """Change fields of a master-data record (codes stay unique)."""
    require(actor.role, Permission.MASTER_WRITE)
    fields = dict(changes)
    barcodes = fields.pop("barcodes", None)

    def use_case() -> M:
        record = get_record(model, record_id)
        _ensure_unique(model, fields, record_id)
        _check_references(model, fields)
        _refuse_changing_used_fields(model, record, fields)
        for field, value in fields.items():
            setattr(record, field, value)
        if barcodes is not None and model is Item:
            _replace_barcodes(record, barcodes)
        if model is Item and record.fefo and not record.expiry_tracked:
            raise InvalidInput("FEFO needs expiry tracking.", fefo=["needs expiry_tracked"])
        db.session.flush()
        return record

    return run_in_transaction(use_case)


def create_item(actor: User, data: dict[str, Any]) -> Item:
    """Create an item with its barcodes; GTINs must carry a correct check digit."""
    require(actor.role, Permission.MASTER_WRITE)
    data = dict(data)
    barcodes = data.pop("barcodes", [])
    if data.get("fefo") and not data.get("expiry_tracked"):
        raise InvalidInput("FEFO needs expiry tracking.", fefo=["needs expiry_tracked"])

    def use_case() -> Item:
        _ensure_unique(Item, data)
        item = Item(**data)
        db.session.add(item)
        _replace_barcodes(item, barcodes)
        db.session.flush()
        return item

    return run_in_transaction(use_case)


def _replace_barcodes(item: Item, barcodes: list[dict[str, str]]) -> None:
    codes = [b["code"] for b in barcodes]
    if len(set(codes)) != len(codes):
        raise InvalidInput("The same barcode is listed twice.", barcodes=codes)
    for barcode in barcodes:
        if barcode.get("kind", "internal") == "gtin" and not is_valid_gtin(barcode["code"]):
            raise InvalidInput(
                f"'{barcode['code']}' is not a GTIN: wrong length or check digit.",
                barcodes=[barcode["code"]],
            )
    if codes:
        stmt = sa.select(ItemBarcode.code).where(ItemBarcode.code.in_(codes))
        if item.id is not None:
            stmt = stmt.where(ItemBarcode.item_id != item.id)
        taken = db.session.execute(stmt).scalars().all()
        if taken:
            raise AlreadyExists(
                f"Barcode '{taken[0]}' belongs to another item.", field="barcode", value=taken[0]
            )
    item.barcodes = [ItemBarcode(code=b["code"], kind=b.get("kind", "internal")) for b in barcodes]


def find_item_by_code(actor: User, code: str) -> Item:
    """An item by barcode or SKU, as a scan names it."""
    from wms.services.stock import resolve_item_id

    require(actor.role, Permission.MASTER_READ)
    return db.session.get(Item, resolve_item_id(code))


def list_records(actor: User, model: type[M], filters: dict[str, Any], page: int, page_size: int):
    """A page of master data, filtered by code/name text, active flag and exact fields."""
    from wms.services.queries import contains, paginate

    require(actor.role, Permission.MASTER_READ)
    stmt = sa.select(model).order_by(model.id)
    filters = {k: v for k, v in filters.items() if v is not None}
    text = filters.pop("q", None)
    if text:
        key = getattr(model, NATURAL_KEYS[model])
        stmt = stmt.where(sa.or_(contains(key, text), contains(model.name, text)))
    for field, value in filters.items():
        stmt = stmt.where(getattr(model, field) == value)
    return paginate(stmt, page, page_size)


def read_record(actor: User, model: type[M], record_id: int) -> M:
    """One master-data record, for a user allowed to read master data."""
    require(actor.role, Permission.MASTER_READ)
    return get_record(model, record_id)
