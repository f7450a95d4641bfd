"""Demo packing: the packaging types a station chooses from and the sender its waybills print."""

from __future__ import annotations

from wms.extensions import db
from wms.models import PackagingType

#: (code, name, name in English, tare grams): what a Hangzhou e-commerce packing table has at hand.
PACKAGING_PRESETS = (
    ("BAG-S", "快递袋 小号", "Mailer bag, small", 15),
    ("BAG-L", "快递袋 大号", "Mailer bag, large", 30),
    ("BOX-1", "1号纸箱", "Carton no. 1", 120),
    ("BOX-3", "3号纸箱", "Carton no. 3", 220),
    ("BOX-5", "5号纸箱", "Carton no. 5", 380),
)


def seed_demo(demo) -> None:
    """Packaging types, the warehouse's default tare (a small bag) and its waybill sender."""
    db.session.add_all([PackagingType(code=code, name=name, name_en=name_en, tare_grams=tare, active=True)
                        for code, name, name_en, tare in PACKAGING_PRESETS])
    warehouse = demo.warehouse
    warehouse.default_tare_grams = 20
    warehouse.sender_name, warehouse.sender_phone = "杭州余杭电商仓", "057188886666"
    warehouse.sender_address = "浙江省杭州市余杭区仓前街道文一西路1号"
    demo.summary["packaging_types"] = len(PACKAGING_PRESETS)
