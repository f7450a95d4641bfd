"""Stock: the ledger writer, the handheld's scan, corrections, lots, queries and the check.

Every change of stock is a movement between two places, appended to the ledger with
on-hand updated in the same transaction (L1, S5). The names other areas use are
importable from here:

- ``ledger``: ``post_movement``, ``prepare_movement``, ``MovementResult``, ``virtual_location``;
- ``codes``: ``resolve_item_id``, ``resolve_item_ids``, ``resolve_places``;
- ``scan``: ``move_by_scan`` (its rules are ``wms.domain.movements.SCAN_RULES``);
- ``corrections``: ``reverse_movement``, ``adjust_stock``;
- ``lots``: ``get_or_create_lot``, ``list_lots``;
- ``listing``: ``list_stock``, ``list_ledger``;
- ``verify``: ``verify_ledger``, ``check_ledger``, ``LedgerCheck``.
"""

from wms.domain.movements import Place, StockChange
from wms.services.stock.codes import resolve_item_id, resolve_item_ids, resolve_places
from wms.services.stock.corrections import adjust_stock, reverse_movement
from wms.services.stock.ledger import (
    BATCH_THRESHOLD,
    MovementResult,
    PreparedMovement,
    post_movement,
    prepare_movement,
    virtual_location,
)
from wms.services.stock.listing import list_ledger, list_stock
from wms.services.stock.lots import get_or_create_lot, list_lots
from wms.services.stock.scan import move_by_scan
from wms.services.stock.verify import LedgerCheck, check_ledger, verify_ledger

__all__ = [
    "BATCH_THRESHOLD", "LedgerCheck", "MovementResult", "Place", "PreparedMovement", "StockChange",
    "adjust_stock", "check_ledger", "get_or_create_lot", "list_ledger", "list_lots", "list_stock",
    "move_by_scan", "post_movement", "prepare_movement", "resolve_item_id", "resolve_item_ids",
    "resolve_places", "reverse_movement", "verify_ledger", "virtual_location",
]
