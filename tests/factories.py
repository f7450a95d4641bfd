"""Factories: build warehouse data through the real services, and call the API per role."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from wms.domain.barcodes import with_check_digit
from wms.domain.permissions import Role
from wms.extensions import db
from wms.models import Customer, Item, ItemBarcode, Location, Owner, Supplier, User, Warehouse
from wms.services.couriers import write_presets
from wms.services.stock import Place, StockChange, get_or_create_lot, post_movement
from wms.services.uow import transaction

PASSWORDS = {role.value: f"pw-{role.value}-1234" for role in Role}
GTIN_1 = with_check_digit("690123456789")
GTIN_2 = with_check_digit("690123456790")

_lot_numbers = itertools.count(1)


@dataclass
class World:
    """Ids of what ``build_world`` created, usable in any app context."""

    warehouse_id: int = 0
    users: dict[str, int] = field(default_factory=dict)
    locations: dict[str, int] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)
    owners: dict[str, int] = field(default_factory=dict)
    supplier_id: int = 0
    customer_id: int = 0

    def user(self, role: str) -> User:
        return db.session.get(User, self.users[role])

    def place(self, code: str) -> Place:
        return Place.of(db.session.get(Location, self.locations[code]))


LOCATIONS = [
    ("SUP", "supplier"), ("CUS", "customer"), ("LF", "lost_and_found"),
    ("RCV-01", "receiving"), ("A-01-01", "storage"), ("A-01-02", "storage"),
    ("B-01-01", "storage"), ("QA-01", "quarantine"), ("CS-01", "consignment"),
    ("CS-02", "consignment"), ("TR-01", "in_transit"),
]


def build_world() -> World:
    """Create a small warehouse with one user per role."""
    world = World()
    with transaction():
        warehouse = Warehouse(code="WH1", name="杭州一号仓")
        db.session.add(warehouse)
        db.session.flush()
        world.warehouse_id = warehouse.id
        for order, (code, kind) in enumerate(LOCATIONS):
            location = Location(warehouse_id=warehouse.id, code=code, name=code, type=kind, path_order=order)
            db.session.add(location)
            db.session.flush()
            world.locations[code] = location.id
        for code, kind in (("OWN", "own"), ("CSG-01", "consignor")):
            owner = Owner(code=code, name=code, kind=kind)
            db.session.add(owner)
            db.session.flush()
            world.owners[code] = owner.id
        items = [
            ("SKU-1", "保温杯 500ml", [ItemBarcode(code=GTIN_1, kind="gtin")], {}),
            ("SKU-2", "帆布袋", [ItemBarcode(code=GTIN_2, kind="gtin"), ItemBarcode(code="INT-2")], {}),
            ("SKU-LOT", "面膜 10片", [], {"lot_tracked": True, "expiry_tracked": True}),
        ]
        for sku, name, barcodes, flags in items:
            item = Item(sku=sku, name=name, barcodes=barcodes, **flags)
            db.session.add(item)
            db.session.flush()
            world.items[sku] = item.id
        for role in Role:
            user = User(username=role.value, display_name=role.value, role=role.value)
            user.set_password(PASSWORDS[role.value])
            db.session.add(user)
            db.session.flush()
            world.users[role.value] = user.id
        supplier = Supplier(code="SUP-1", name="义乌日用品厂")
        customer = Customer(code="CUS-1", name="张三", phone="13800138000", address="浙江省杭州市西湖区")
        db.session.add_all([supplier, customer])
        db.session.flush()
        world.supplier_id, world.customer_id = supplier.id, customer.id
        write_presets()  # the preset couriers: a parcel leaves with a courier's code
    return world


def stock_in(world: World, sku: str, quantity: int, location: str = "A-01-01", *,
             lot: str | None = None, owner: str = "OWN", received_at: datetime | None = None,
             expiry=None) -> int:
    """Bring stock in from the supplier straight to a location; returns the lot id."""
    lot_code = lot or f"L{next(_lot_numbers):05d}"
    with transaction():
        lot_row = get_or_create_lot(
            world.items[sku], lot_code, received_at=received_at or datetime.now(timezone.utc),
            expiry_date=expiry, supplier_id=world.supplier_id,
        )
        post_movement(
            world.user("admin"), "receipt",
            [StockChange(world.items[sku], lot_row.id, world.owners[owner], world.place("SUP"),
                         world.place(location), quantity)],
            document_type="test", document_id="stock_in",
        )
    return lot_row.id


def hours_ago(hours: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(hours=hours)


class ApiCaller:
    """Logs in per role through the real token endpoint and calls the API."""

    def __init__(self, client, world: World) -> None:
        self.client = client
        self.world = world
        self._tokens: dict[str, str] = {}

    def token(self, role: str) -> str:
        if role not in self._tokens:
            response = self.client.post(
                "/api/v1/auth/token", json={"username": role, "password": PASSWORDS[role]}
            )
            assert response.status_code == 201, response.get_json()
            self._tokens[role] = response.get_json()["token"]
        return self._tokens[role]

    def as_(self, role: str) -> _RoleCaller:
        return _RoleCaller(self.client, self.token(role))


class _RoleCaller:
    def __init__(self, client, token: str) -> None:
        self.client = client
        self.token = token

    def _headers(self, key: str | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def get(self, url: str, **kwargs):
        return self.client.get(url, headers=self._headers(None), **kwargs)

    def post(self, url: str, json=None, key: str | None = None, **kwargs):
        return self.client.post(url, json=json, headers=self._headers(key), **kwargs)

    def patch(self, url: str, json=None, key: str | None = None, **kwargs):
        return self.client.patch(url, json=json, headers=self._headers(key), **kwargs)

    def delete(self, url: str, key: str | None = None, **kwargs):
        return self.client.delete(url, headers=self._headers(key), **kwargs)
