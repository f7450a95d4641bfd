"""Receiving on the handheld and in the office: documents, receipts, inspection, posting, put-away."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from wms.api.base import Blueprint
from wms.api.devices.schemas import PrintJobSchema
from wms.api.idempotency import idempotent
from wms.api.receiving import schemas as s
from wms.api.schemas import MovementResultSchema, one_page
from wms.api.security import current_user
from wms.services import import_files, print_queue, receiving
from wms.services.receiving_import import import_purchase_orders

blp = Blueprint("receiving", __name__, url_prefix="/api/v1",
                description="Receiving: documents, receipts, inspection, posting, put-away (R1-R9)")


@blp.route("/inbound-documents")
class InboundDocuments(MethodView):
    @blp.arguments(s.InboundDocumentListArgsSchema, location="query")
    @blp.response(200, s.InboundDocumentSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Inbound documents, newest first."""
        return one_page(pagination_parameters, receiving.list_documents, args)

    @idempotent
    @blp.arguments(s.InboundDocumentInSchema)
    @blp.response(201, s.InboundDocumentSchema)
    def post(self, data):
        """Create a purchase order, customer return, return to vendor or consignment (R1)."""
        return receiving.create_document(current_user(), **data)


@blp.route("/inbound-documents/import")
class InboundDocumentImport(MethodView):
    @idempotent
    @blp.arguments(s.InboundImportFileSchema, location="files")
    @blp.response(201, s.InboundImportResultSchema)
    def post(self, files):
        """Import purchase orders from an ERP's CSV or XLSX export (multipart field 'file')."""
        upload = files["file"]
        return import_purchase_orders(current_user(), upload.filename or "", upload.read())


@blp.before_request
def _bound_import_upload() -> None:
    """Refuse an oversized import with 413 before anything reads the body (the idempotency hash does)."""
    if request.endpoint == "receiving.InboundDocumentImport":
        request.max_content_length = import_files.upload_limit()


@blp.route("/inbound-documents/<int:document_id>")
class InboundDocument(MethodView):
    @blp.response(200, s.InboundDocumentSchema)
    def get(self, document_id):
        """One inbound document with its lines and what remains to receive."""
        return receiving.get_document(current_user(), document_id)


@blp.route("/inbound-documents/open")
class OpenInboundDocuments(MethodView):
    @blp.response(200, s.InboundDocumentToReceiveSchema(many=True))
    def get(self):
        """The open documents of every kind, newest first (at most 200), for a handheld to keep offline."""
        return receiving.open_documents(current_user())


@blp.route("/inbound-documents/by-number/<string:number>")
class InboundDocumentByNumber(MethodView):
    @blp.response(200, s.InboundDocumentToReceiveSchema)
    def get(self, number):
        """The document a receiver scanned; refused unless it is open (R1)."""
        return receiving.open_document(current_user(), number)


@blp.route("/inbound-documents/<int:document_id>/status")
class InboundDocumentStatus(MethodView):
    @idempotent
    @blp.arguments(s.InboundDocumentStatusSchema)
    @blp.response(200, s.InboundDocumentSchema)
    def post(self, data, document_id):
        """Close or cancel a document."""
        return receiving.set_document_status(current_user(), document_id, data["status"])


@blp.route("/receipts")
class Receipts(MethodView):
    @idempotent
    @blp.arguments(s.ReceiptInSchema)
    @blp.response(201, s.ReceiptSchema)
    def post(self, data):
        """Start a receipt by scanning an open document (R1)."""
        return receiving.start_receipt(current_user(), data["document"], data["receiving_location"])


@blp.route("/receipts/unposted")
class UnpostedReceipts(MethodView):
    @blp.arguments(s.UnpostedArgsSchema, location="query")
    @blp.response(200, s.UnpostedReceiptSchema(many=True))
    def get(self, args):
        """Receipts of a day not yet posted, and what each waits for (R8)."""
        return receiving.unposted_receipts(current_user(), args["day"], warehouse_id=args["warehouse_id"])


@blp.route("/receipts/<int:receipt_id>")
class Receipt(MethodView):
    @blp.response(200, s.ReceiptSchema)
    def get(self, receipt_id):
        """One receipt with its lines, inspections and decisions."""
        return receiving.get_receipt(current_user(), receipt_id)


@blp.route("/receipts/<int:receipt_id>/lines")
class ReceiptLines(MethodView):
    @idempotent
    @blp.arguments(s.ReceiveScanSchema)
    @blp.response(201, s.ReceiptLineSchema)
    def post(self, scan, receipt_id):
        """Scan an item and count it in (R2: never more than ordered; R4: packaging state)."""
        return receiving.receive_line(current_user(), receipt_id, **scan)


@blp.route("/receipt-lines/<int:line_id>")
class ReceiptLine(MethodView):
    @idempotent
    @blp.response(200, s.ReceiptSchema)
    def delete(self, line_id):
        """Undo a mis-scan on a draft receipt."""
        return receiving.remove_receipt_line(current_user(), line_id)


@blp.route("/receipts/<int:receipt_id>/submit")
class ReceiptSubmit(MethodView):
    @idempotent
    @blp.arguments(s.HandoverSchema)
    @blp.response(200, s.ReceiptSchema)
    def post(self, handover, receipt_id):
        """Sign the handover with the delivery note (R3); plans each line's inspection (R5)."""
        return receiving.submit_receipt(current_user(), receipt_id, **handover)


@blp.route("/receipt-lines/<int:line_id>/inspection")
class ReceiptLineInspection(MethodView):
    @idempotent
    @blp.arguments(s.InspectionInSchema)
    @blp.response(200, s.InspectionResultSchema)
    def post(self, data, line_id):
        """Record units inspected and defects; expands the sample or decides the lot (R5, R7)."""
        return receiving.record_inspection(current_user(), line_id, **data)


@blp.route("/receipt-lines/<int:line_id>/return-classification")
class ReceiptLineReturnClassification(MethodView):
    @idempotent
    @blp.arguments(s.ReturnClassificationSchema)
    @blp.response(200, s.InspectionResultSchema)
    def post(self, data, line_id):
        """Classify each returned unit: resellable, damaged, missing parts (R6)."""
        return receiving.classify_return(current_user(), line_id, **data)


@blp.route("/receipts/<int:receipt_id>/post")
class ReceiptPost(MethodView):
    @idempotent
    @blp.response(200, s.ReceiptSchema)
    def post(self, receipt_id):
        """The ledger clerk posts the receipt: accepted to receiving, rejected to quarantine (R8, R9)."""
        return receiving.post_receipt(current_user(), receipt_id)


@blp.route("/putaway/suggestion")
class PutawaySuggestion(MethodView):
    @blp.arguments(s.PutawayArgsSchema, location="query")
    @blp.response(200, s.PutawaySuggestionSchema)
    def get(self, args):
        """A bin for a received lot: one holding the item, else the emptiest nearest."""
        return receiving.suggest_bin(current_user(), args["lot"], args["item"])


@blp.route("/putaway")
class Putaway(MethodView):
    @idempotent
    @blp.arguments(s.PutawayInSchema)
    @blp.response(201, MovementResultSchema)
    def post(self, data):
        """Move a received lot from receiving to a bin (scan the label, then the bin)."""
        return receiving.put_away(current_user(), lot_code=data["lot"], bin_code=data["bin"],
                                  item_code=data["item"], quantity=data["quantity"])


@blp.route("/lots/<string:code>/label/print")
class LotLabelPrint(MethodView):
    @idempotent
    @blp.arguments(s.LotLabelPrintSchema)
    @blp.response(202, PrintJobSchema)
    def post(self, body, code):
        """Queue the lot's label (GTIN, lot, expiry, item, receipt date) for a station's printer."""
        job = receiving.print_lot_label(current_user(), code, body["station"], body["copies"], body["item"])
        print_queue.deliver(job.station)
        return job


@blp.route("/supplier-quality/<int:supplier_id>")
class SupplierQuality(MethodView):
    @blp.arguments(s.SupplierQualityArgsSchema, location="query")
    @blp.response(200, s.SupplierQualitySchema)
    def get(self, args, supplier_id):
        """A supplier's switching state, defect rates and inspection history (R5)."""
        return receiving.supplier_quality(current_user(), supplier_id, item_id=args["item_id"])
