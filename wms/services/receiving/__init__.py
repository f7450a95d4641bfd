"""Receiving use cases (rules R1-R9): documents, receipts, inspection, posting, put-away.

The flow on the handheld: scan the document's barcode (R1), scan items and count
(R2, R4), sign the handover with the delivery note (R3), inspect samples (R5-R7); the
ledger clerk then posts the receipt (R8, R9) and the goods are put away to bins.

One module per job; every use case is importable from here:

- ``documents``: inbound documents (PO, customer return, return to vendor, consignment);
- ``receipts``: a receipt started, counted scan by scan, signed and submitted;
- ``inspection``: the sampling plan of every line, inspection rounds, R5 expansion, R6;
- ``posting``: the ledger clerk posts a receipt; the day's unposted receipts (R8);
- ``putaway``: a bin suggested and the lot moved there;
- ``quality``: a supplier's switching state and defect rates (R5).

Documents, receipts and receipt lines change state only through the transition tables
of ``wms.domain.receiving``.
"""

from wms.services.receiving.documents import (
    DocumentToReceive,
    LineToReceive,
    create_document,
    get_document,
    item_codes,
    list_documents,
    open_document,
    open_documents,
    set_document_status,
)
from wms.services.receiving.inspection import (
    classify_return,
    record_inspection,
    sampling_rules,
    supplier_history,
)
from wms.services.receiving.labels import find_lot, lot_label_data, print_lot_label
from wms.services.receiving.posting import UnpostedReceipt, post_receipt, unposted_receipts
from wms.services.receiving.putaway import BinSuggestion, put_away, suggest_bin
from wms.services.receiving.quality import ItemQuality, QualityTotals, SupplierQuality, supplier_quality
from wms.services.receiving.receipts import (
    ScannedItem,
    decode_signature,
    get_receipt,
    parse_item_scan,
    receive_line,
    remove_receipt_line,
    start_receipt,
    submit_receipt,
)

__all__ = [
    "BinSuggestion", "DocumentToReceive", "ItemQuality", "LineToReceive", "QualityTotals", "ScannedItem",
    "SupplierQuality", "UnpostedReceipt", "classify_return", "create_document", "decode_signature",
    "find_lot", "get_document", "get_receipt", "item_codes", "list_documents", "lot_label_data",
    "open_document", "open_documents", "parse_item_scan", "post_receipt", "print_lot_label", "put_away",
    "receive_line", "record_inspection", "remove_receipt_line", "sampling_rules", "set_document_status",
    "start_receipt", "submit_receipt", "suggest_bin", "supplier_history", "supplier_quality",
    "unposted_receipts",
]
