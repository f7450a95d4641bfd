"""A realistic demo warehouse: bins, a few hundred SKUs, suppliers with history, users.

Everything is created through the same services the API uses, so the demo's ledger
verifies like a real one. Areas add their own documents through ``DEMO_SECTIONS``
(modules with a ``seed_demo(demo: DemoContext)`` function), e.g. open purchase orders
and sales orders.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from wms.domain.barcodes import with_check_digit
from wms.domain.locations import LocationType
from wms.domain.permissions import Role
from wms.errors import InvalidInput
from wms.extensions import db
from wms.models import Customer, Item, ItemBarcode, Location, Owner, Supplier, User, Warehouse
from wms.services.stock import Place, StockChange, get_or_create_lot, post_movement
from wms.services.uow import transaction
from wms.services.warehouse_day import warehouse_zone

#: Demo logins: user name -> password (documented in the README; demo only).
DEMO_LOGINS = {role.value: f"{role.value}-demo" for role in Role}

#: Modules that add their area's demo documents; each has ``seed_demo(demo)``.
DEMO_SECTIONS: list[str] = ["wms.demo.receiving", "wms.demo.couriers", "wms.demo.parcels",
                             "wms.demo.shipping"]

CATEGORIES = [
    # (prefix, name, variants, lot_tracked, expiry_tracked, weight g)
    ("BWB", "不锈钢保温杯", ["350ml", "500ml", "750ml"], False, False, 320),
    ("FBD", "帆布购物袋", ["小号", "中号", "大号"], False, False, 150),
    ("SJK", "手机壳", ["iPhone 15", "iPhone 16", "Mate 60", "小米14"], False, False, 40),
    ("SJX", "数据线", ["Type-C 1m", "Type-C 2m", "Lightning 1m"], False, False, 60),
    ("MM", "补水面膜", ["5片装", "10片装"], True, True, 260),
    ("XFS", "洗发水", ["400ml", "750ml"], True, True, 520),
    ("TX", "纯棉T恤", ["S", "M", "L", "XL"], False, False, 200),
    ("WZ", "运动袜", ["3双装", "6双装"], False, False, 120),
    ("YS", "折叠雨伞", ["三折", "五折"], False, False, 330),
    ("SNH", "收纳盒", ["小", "中", "大"], False, False, 410),
    ("LS", "坚果零食", ["250g", "500g"], True, True, 300),
    ("KF", "挂耳咖啡", ["10包", "30包"], True, True, 180),
    ("CDB", "充电宝", ["10000mAh", "20000mAh"], False, False, 240),
    ("EJ", "蓝牙耳机", ["标准版", "降噪版"], False, False, 90),
    ("MJ", "纯棉毛巾", ["面巾", "浴巾"], False, False, 160),
    ("YSH", "牙刷", ["软毛", "中毛"], False, False, 30),
]
COLOURS = [("BLK", "黑色"), ("WHT", "白色"), ("RED", "红色"), ("BLU", "蓝色"), ("GRY", "灰色"),
           ("PNK", "粉色"), ("GRN", "绿色"), ("YEL", "黄色")]
SUPPLIERS = [
    ("SUP-YW01", "义乌市好运日用品厂"), ("SUP-YW02", "义乌市宏达塑料制品有限公司"),
    ("SUP-SZ01", "深圳市捷通电子配件有限公司"), ("SUP-SZ02", "深圳市优品数码科技"),
    ("SUP-GZ01", "广州市美颜化妆品有限公司"), ("SUP-GZ02", "广州市洁丽日化"),
    ("SUP-HZ01", "杭州织造服饰有限公司"), ("SUP-HZ02", "杭州暖袜针织厂"),
    ("SUP-NB01", "宁波市晴雨伞业"), ("SUP-TZ01", "台州市家居收纳用品厂"),
    ("SUP-LA01", "临安山核桃食品有限公司"), ("SUP-YN01", "云南普洱咖啡庄园"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛"]
CITIES = ["浙江省杭州市西湖区", "上海市浦东新区", "江苏省南京市鼓楼区", "广东省深圳市南山区",
          "北京市朝阳区", "四川省成都市武侯区", "湖北省武汉市洪山区", "福建省厦门市思明区"]


@dataclass
class DemoContext:
    """What the core demo created, for the sections that build on it."""

    rng: random.Random
    warehouse: Warehouse
    admin: User
    users: dict[str, User]
    items: list[Item]
    suppliers: list[Supplier]
    customers: list[Customer]
    owners: dict[str, Owner]
    locations: dict[str, Location]
    bins: list[Location]
    summary: dict = field(default_factory=dict)


def demo_loaded() -> bool:
    """True when the database already holds items (the demo or real data)."""
    return bool(db.session.execute(sa.select(sa.func.count()).select_from(Item)).scalar_one())


def load_demo(seed: int = 7, skus: int = 300) -> dict:
    """Create the demo warehouse in an empty database; returns counts of what was made."""
    if demo_loaded():
        raise InvalidInput("The database already has items; the demo loads into an empty one.")
    rng = random.Random(seed)
    with transaction():
        demo = _master_data(rng, skus)
    with transaction():
        receipts = _stock_history(demo)
    demo.summary.update({
        "warehouse": demo.warehouse.code, "items": len(demo.items), "bins": len(demo.bins),
        "suppliers": len(demo.suppliers), "customers": len(demo.customers),
        "receipts_posted": receipts, "logins": DEMO_LOGINS,
    })
    for module_name in DEMO_SECTIONS:
        module = importlib.import_module(module_name)
        with transaction():
            module.seed_demo(demo)
    return demo.summary


def _master_data(rng: random.Random, skus: int) -> DemoContext:
    warehouse = Warehouse(code="WH-HZ", name="杭州余杭电商仓")
    db.session.add(warehouse)
    db.session.flush()
    locations: dict[str, Location] = {}

    def add_location(code: str, name: str, kind: LocationType, order: int = 0) -> Location:
        location = Location(warehouse_id=warehouse.id, code=code, name=name, type=kind.value,
                            path_order=order)
        db.session.add(location)
        locations[code] = location
        return location

    add_location("SUPPLIER", "供应商", LocationType.SUPPLIER)
    add_location("CUSTOMER", "客户", LocationType.CUSTOMER)
    add_location("LOST-FOUND", "盘盈盘亏", LocationType.LOST_AND_FOUND)
    add_location("RCV-01", "收货区1", LocationType.RECEIVING)
    add_location("RCV-02", "收货区2", LocationType.RECEIVING)
    add_location("QA-01", "待检/隔离区", LocationType.QUARANTINE)
    add_location("TR-01", "在途", LocationType.IN_TRANSIT)
    for n in range(1, 5):
        add_location(f"CS-{n:02d}", f"寄存区{n}", LocationType.CONSIGNMENT)
    bins = []
    order = 0
    for aisle in "ABCD":
        for bay in range(1, 11):
            # Serpentine walk: odd bays up the aisle, even bays back, as pickers walk.
            for level in range(1, 5):
                order += 1
                bins.append(add_location(f"{aisle}-{bay:02d}-{level:02d}", f"{aisle}区{bay}架{level}层",
                                         LocationType.STORAGE, order))
    owners = {
        "OWN": Owner(code="OWN", name="本公司", kind="own"),
        "CSG-LX": Owner(code="CSG-LX", name="柳鑫工艺品(寄存)", kind="consignor"),
        "CSG-MY": Owner(code="CSG-MY", name="美妍代运营(寄存)", kind="consignor"),
    }
    db.session.add_all(owners.values())
    users = {}
    for role in Role:
        user = User(username=role.value, display_name=_person_name(rng), role=role.value)
        user.set_password(DEMO_LOGINS[role.value])
        users[role.value] = user
    db.session.add_all(users.values())
    suppliers = [Supplier(code=c, name=n, contact=_person_name(rng), phone=_phone(rng)) for c, n in SUPPLIERS]
    customers = [
        Customer(code=f"CUS-{i:04d}", name=_person_name(rng), phone=_phone(rng),
                 address=f"{rng.choice(CITIES)}{rng.randint(1, 999)}号")
        for i in range(1, 41)
    ]
    db.session.add_all(suppliers + customers)
    items = []
    gtin_serial = 100000
    variants = [
        (cat, variant, colour)
        for cat in CATEGORIES for variant in cat[2] for colour in COLOURS
    ]
    rng.shuffle(variants)
    for category, variant, (colour_code, colour) in variants[:skus]:
        prefix, name, _, lot_tracked, expiry_tracked, weight = category
        gtin_serial += 1
        sku = f"{prefix}-{variant.replace(' ', '')}-{colour_code}".upper()
        if any(i.sku == sku for i in items):
            continue
        gtin = with_check_digit(f"690{gtin_serial:09d}")
        items.append(Item(
            sku=sku, name=f"{name} {variant} {colour}", base_unit="件",
            lot_tracked=lot_tracked, expiry_tracked=expiry_tracked, fefo=expiry_tracked,
            weight_grams=weight, barcodes=[ItemBarcode(code=gtin, kind="gtin"),
                                           ItemBarcode(code=f"N{gtin_serial}", kind="internal")],
        ))
    db.session.add_all(items)
    db.session.flush()
    return DemoContext(rng, warehouse, users["admin"], users, items, suppliers, customers,
                       owners, locations, bins)


def _stock_history(demo: DemoContext) -> int:
    """Receipts of the past 60 days, put away to bins: stock with FIFO ages."""
    rng, now = demo.rng, datetime.now(timezone.utc)
    supplier_place = Place.of(demo.locations["SUPPLIER"])
    receiving = Place.of(demo.locations["RCV-01"])
    own = demo.owners["OWN"]
    supplier_of = {cat[0]: demo.suppliers[i % len(demo.suppliers)] for i, cat in enumerate(CATEGORIES)}
    posted = 0
    for item in demo.items:
        if rng.random() < 0.15:
            continue  # some SKUs are out of stock, as in any shop
        supplier = supplier_of[item.sku.split("-")[0]]
        for n in range(rng.randint(1, 3)):
            received_at = now - timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 10))
            expiry = (date.today() + timedelta(days=rng.randint(60, 540))) if item.expiry_tracked else None
            lot = get_or_create_lot(item.id, f"{received_at:%Y%m%d}-{item.id}-{n + 1}",
                                    received_at=received_at, expiry_date=expiry, supplier_id=supplier.id)
            quantity = rng.choice([12, 24, 36, 48, 60, 100, 120, 200])
            target = Place.of(rng.choice(demo.bins))
            document = f"DEMO-GRN-{received_at:%Y%m%d}-{item.id}-{n + 1}"
            # dated into the warehouse day it was received, so the past days' reports show it
            day = received_at.astimezone(warehouse_zone()).date()
            post_movement(demo.admin, "receipt",
                          [StockChange(item.id, lot.id, own.id, supplier_place, receiving, quantity)],
                          document_type="opening", document_id=document, business_day=day)
            post_movement(demo.users["receiver"], "putaway",
                          [StockChange(item.id, lot.id, own.id, receiving, target, quantity)],
                          document_type="opening", document_id=document, business_day=day)
            posted += 1
    return posted


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + "".join(str(rng.randint(0, 9)) for _ in range(9))


def start_demo_simulators(app) -> list[str]:
    """Start the simulated scale and printer of station PACK-01; lines to print (URLs)."""
    from wms.demo.devices import start_demo_simulators as start

    return start(app)
