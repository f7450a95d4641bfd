"""The files of reconciliation (rule L3): column mappings, presets and the reading of
cells; pure, no database.

Each field of a file names the headers it is found under (compared without spaces, case
or full-width brackets); presets cover the common Chinese exports (the couriers' bills,
a courier's return records, a shop's order export, the platforms' settlement
statements: typical headers, not an official format of any of them); a courier's saved
bill mapping replaces its preset, and a caller may override any other file's field with
its own header (``header_index``). A cell that cannot be read raises ``RowProblem``; the
import collects them and refuses the file. The records read are matched in
``wms.domain.reconciliation`` (courier bills) and ``wms.domain.reconciliation_matching``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from wms.domain.reconciliation import CENT, cents, parse_decimal

# --- courier bills ------------------------------------------------------------------------

#: The fields a bill line has; the first three are required.
BILL_FIELDS = ("tracking_number", "weight_kg", "fee", "order_number", "parent_number", "piece_type",
               "destination", "ship_date")
REQUIRED_BILL_FIELDS = ("tracking_number", "weight_kg", "fee")


@dataclass(frozen=True)
class BillPreset:
    """The headers a courier's bill export typically uses for each field (first match wins).

    **Reading**: these are the column names the couriers' customer portals commonly
    export (运单号/快递单号, 计费重量(kg), 运费/应付金额, 目的地/收件省份, 寄件日期 ...), gathered
    from public sample bills; they are typical, not official, and change with the
    courier's product. A saved mapping per courier replaces the preset.
    """

    courier: str
    headers: Mapping[str, tuple[str, ...]]
    # SF recommends keying on the order number (a waybill may be a sub-waybill or a
    # return-receipt number): tried before the tracking number's parent.
    keys_on_order_number: bool = False
    weight_step_kg: Decimal = Decimal(1)


_COMMON = {
    "order_number": ("订单号", "客户订单号", "商家订单号", "订单编号", "order_number"),
    "parent_number": ("母单号", "主单号", "母运单号", "原单号", "parent_number"),
    "piece_type": ("子母件类型", "件类型", "业务类型", "产品类型", "增值服务", "piece_type"),
    "destination": ("目的地", "收件省份", "目的省份", "到达省份", "寄达省份", "destination"),
    "ship_date": ("寄件日期", "发件日期", "揽收日期", "寄件时间", "揽收时间", "ship_date"),
}


def _preset(courier: str, tracking: tuple[str, ...], weight: tuple[str, ...], fee: tuple[str, ...],
            **extra) -> BillPreset:
    headers = {"tracking_number": tracking + ("tracking_number",), "weight_kg": weight + ("weight_kg",),
               "fee": fee + ("fee",), **_COMMON}
    return BillPreset(courier, headers, **extra)


BILL_PRESETS: dict[str, BillPreset] = {p.courier: p for p in (
    _preset("SF", ("运单号", "运单号码", "子单号"), ("计费重量(kg)", "计费重量", "计费重量（kg）"),
            ("应付金额", "折后运费", "运费", "费用合计"), keys_on_order_number=True,
            weight_step_kg=Decimal("0.1")),
    _preset("ZTO", ("运单号", "单号"), ("结算重量", "计费重量(kg)", "计费重量", "重量(kg)"),
            ("运费", "结算金额", "应付金额")),
    _preset("YTO", ("运单号", "快递单号"), ("计费重量(kg)", "计费重量", "结算重量"), ("运费", "应付金额", "总费用")),
    _preset("STO", ("运单号", "运单编号"), ("计费重量", "结算重量(kg)", "重量"), ("运费", "应收运费", "应付金额")),
    _preset("YUNDA", ("运单号", "快递单号"), ("计费重量(kg)", "结算重量", "重量"), ("运费", "结算运费", "应付金额")),
    _preset("JT", ("运单号", "运单编号"), ("计费重量", "结算重量(kg)", "重量(kg)"), ("运费", "应付运费", "结算金额")),
    _preset("EMS", ("邮件号", "运单号", "邮件号码"), ("计费重量(kg)", "重量(kg)", "计费重量"),
            ("邮费", "资费", "应付金额", "运费")),
    _preset("JD", ("运单号", "京东单号"), ("计费重量", "计费重量(kg)", "重量(kg)"), ("应付金额", "运费", "费用合计")),
)}


def _norm(cell) -> str:
    """A header or a word as compared: without spaces, case or full-width brackets."""
    return re.sub(r"\s+", "", "" if cell is None else str(cell)).lower().replace("（", "(").replace("）", ")")


def header_index(header: list, columns: Mapping[str, Iterable[str] | str],
                 override: Mapping[str, str] | None = None) -> dict[str, int]:
    """Which column each field is in: ``override``'s header for a field, else the first of
    its aliases (one name or several) found; a header found twice is its first column.

    Headers and aliases compare without spaces, case or full-width brackets; a field found
    nowhere is absent. Every file read for reconciliation (courier bills, returns,
    outbound, settlements) finds its columns here.
    """
    positions = {_norm(cell): index for index, cell in reversed(list(enumerate(header)))}
    found: dict[str, int] = {}
    for name, aliases in columns.items():
        wanted = [override[name]] if override and override.get(name) else aliases or ()
        if isinstance(wanted, str):
            wanted = (wanted,)
        for alias in wanted:
            index = positions.get(_norm(alias))
            if index is not None:
                found[name] = index
                break
    return found


# --- what a cell can say ----------------------------------------------------------------


class Condition(StrEnum):
    """The state a returned parcel's goods were found in, by the courier or by us (R6)."""

    INTACT = "intact"
    DAMAGED = "damaged"
    MISSING_PARTS = "missing_parts"


class SettlementKind(StrEnum):
    """A settlement line pays an order (income), pays money back (refund) or is the platform's fee."""

    INCOME = "income"
    REFUND = "refund"
    FEE = "fee"  # commission, service charge: neither a refund nor a short payment


class RowProblem(Exception):
    """One cell of a file cannot be read; the import collects them and refuses the file."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field = field_name
        self.problem = problem


# --- column mappings -----------------------------------------------------------------------


#: The fields of a courier's return records and the headers they are found under by default.
RETURNS_COLUMNS: dict[str, tuple[str, ...]] = {
    "tracking_number": ("tracking_number", "tracking", "运单号", "退货运单号", "退回运单号", "快递单号",
                        "退件单号", "物流单号"),
    "order_number": ("order_number", "order", "订单号", "原订单号", "原单号", "订单编号", "客户单号"),
    "quantity": ("quantity", "qty", "数量", "件数", "退货数量"),
    "condition": ("condition", "状态", "货物状态", "包裹状态", "外包装", "签收状态", "货态"),
    "date": ("date", "日期", "退回日期", "签收时间", "退回时间", "揽收时间"),
    "sender_name": ("sender_name", "sender", "寄件人", "寄件人姓名"),
    "sender_phone": ("sender_phone", "寄件人电话", "寄件人手机"),
}
RETURNS_KEYS = ("tracking_number", "order_number")  # a record needs one of them

#: What couriers write for a parcel's state, per condition (compared without case and spaces).
CONDITION_WORDS: dict[Condition, tuple[str, ...]] = {
    Condition.INTACT: ("intact", "ok", "good", "normal", "完好", "正常", "良好", "无损", "正常签收"),
    Condition.DAMAGED: ("damaged", "broken", "破损", "损坏", "外包装破损", "破损签收", "受损"),
    Condition.MISSING_PARTS: ("missing_parts", "missing", "short", "缺件", "少件", "缺少配件", "短少"),
}

#: The fields of a shop's order export: the order import's headers (``shipping_import``) and an amount.
SHOP_ORDER_AMOUNT_HEADERS = ("amount", "order_amount", "订单金额", "实付金额", "应付金额", "支付金额",
                             "买家实付", "实收金额")

#: The fields of a platform's settlement statement.
SETTLEMENT_FIELDS = ("order_number", "amount", "income", "expense", "kind", "date")


@dataclass(frozen=True)
class SettlementPreset:
    """Where one platform's settlement export keeps each field (typical headers, not official)."""

    code: str
    columns: Mapping[str, tuple[str, ...]]
    # What the kind column says for an income line, a refund line and a fee line.
    income_words: tuple[str, ...] = ()
    refund_words: tuple[str, ...] = ()
    fee_words: tuple[str, ...] = ()


_INCOME = ("income", "收入", "交易收入", "在线支付", "交易付款", "货款", "交易成功", "订单收入", "结算")
_REFUND = ("refund", "退款", "交易退款", "售后退款", "退款支出", "订单退款")
_FEE = ("fee", "commission", "服务费", "技术服务费", "软件服务费", "佣金", "手续费", "交易手续费", "花呗服务费",
        "推广费", "平台服务费")

SETTLEMENT_PRESETS: dict[str, SettlementPreset] = {
    p.code: p for p in (
        SettlementPreset("default", {
            "order_number": ("order_number", "order", "订单号"),
            "amount": ("amount", "金额"),
            "kind": ("type", "kind", "类型"),
            "date": ("date", "日期", "时间"),
        }, _INCOME, _REFUND, _FEE),
        # 支付宝 账务明细: one column for money in, one for money out.
        SettlementPreset("alipay", {
            "order_number": ("商户订单号", "商家订单号", "业务订单号"),
            "income": ("收入金额（+元）", "收入金额(+元)", "收入金额"),
            "expense": ("支出金额（-元）", "支出金额(-元)", "支出金额"),
            "kind": ("业务类型", "账务类型"),
            "date": ("发生时间", "入账时间"),
        }, _INCOME, _REFUND, _FEE),
        # 淘宝 / 天猫 卖家中心 账单明细 (settled through Alipay; the order number is the platform's).
        SettlementPreset("taobao", {
            "order_number": ("淘宝订单号", "订单编号", "订单号"),
            "amount": ("金额（元）", "金额(元)", "金额"),
            "kind": ("收支类型", "账务类型", "类型"),
            "date": ("入账时间", "发生时间", "时间"),
        }, _INCOME, _REFUND, _FEE),
        SettlementPreset("tmall", {
            "order_number": ("天猫订单号", "订单编号", "订单号"),
            "amount": ("结算金额", "金额（元）", "金额"),
            "kind": ("交易类型", "收支类型", "类型"),
            "date": ("结算时间", "入账时间", "时间"),
        }, _INCOME, _REFUND, _FEE),
        # 拼多多 商家后台 货款明细: money in and out in separate columns, like Alipay.
        SettlementPreset("pinduoduo", {
            "order_number": ("订单号", "订单编号"),
            "income": ("收入金额(元)", "收入金额（元）", "收入金额"),
            "expense": ("支出金额(元)", "支出金额（元）", "支出金额"),
            "kind": ("账务类型", "业务类型"),
            "date": ("发生时间", "入账时间"),
        }, _INCOME, _REFUND, _FEE),
    )
}


def unknown_override_fields(columns: Mapping[str, Iterable[str]], override: Mapping[str, str] | None) -> list[str]:
    """Fields an override names that the file kind does not have."""
    return sorted(set(override or {}) - set(columns))


# --- reading cells ------------------------------------------------------------------------


def condition_of(text) -> Condition | None:
    """The condition a courier's word stands for; blank is None; an unknown word is a RowProblem."""
    word = _norm(text)
    if not word:
        return None
    for condition, words in CONDITION_WORDS.items():
        if word in (_norm(w) for w in words):
            return condition
    raise RowProblem("condition", "unknown condition")


#: The largest amount one settlement line may carry, in yuan.
MAX_AMOUNT = Decimal("9999999999.99")


def money(value, field_name: str = "amount") -> Decimal | None:
    """A money cell in yuan with at most two decimals (12.3, '¥1,234.50', '-5'); blank is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    amount = parse_decimal(value)
    if amount is None or amount != amount.quantize(CENT) or abs(amount) > MAX_AMOUNT:
        raise RowProblem(field_name, "not an amount in yuan with at most two decimals")
    return cents(amount)


_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                 "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d")


def date_of(value) -> date | None:
    """A date cell (a workbook's date or datetime, or text like 2026-11-03 12:00:00); blank is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise RowProblem("date", "not a date")


def text_of(value) -> str:
    """A cell as stripped text; Excel's leading apostrophe (kept on long numbers) is dropped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text[1:].strip() if text.startswith("'") else text


def settlement_kind(preset: SettlementPreset, kind_text, amount: Decimal | None) -> SettlementKind:
    """Income or refund: the kind column's word where the preset knows it, else the amount's sign."""
    word = _norm(kind_text)
    if word:
        for kind, words in ((SettlementKind.REFUND, preset.refund_words), (SettlementKind.FEE, preset.fee_words),
                            (SettlementKind.INCOME, preset.income_words)):
            if word in (_norm(w) for w in words):
                return kind
    if amount is None:
        raise RowProblem("amount", "missing")
    if not word or amount != 0:
        return SettlementKind.REFUND if amount < 0 else SettlementKind.INCOME
    raise RowProblem("kind", "unknown type")
