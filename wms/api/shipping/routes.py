"""Outbound API: shipping documents, allocation, pick lists, the four steps (S2), holds
and releases (S4), exchange notices (S6), open documents of the day (S7), labels.

Every change is a POST with ``@idempotent`` outermost: a PDA on flaky Wi-Fi may send it twice.
"""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView

from devices.errors import DeviceError
from wms.api.base import Blueprint
from wms.api.devices.schemas import PrintJobSchema
from wms.api.idempotency import idempotent
from wms.api.schemas import one_page
from wms.api.security import current_user
from wms.api.shipping import count_schemas as c
from wms.api.shipping import schemas as s
from wms.domain.shipping import WeightReading
from wms.errors import DomainError
from wms.models.types import utcnow
from wms.services import (
    counts,
    idempotency,
    import_files,
    parcel_weight,
    print_queue,
    shipping,
    shipping_allocation,
    shipping_exchange,
    shipping_holds,
    shipping_import,
    shipping_manifests,
    stations,
)

blp = Blueprint("shipping", __name__, url_prefix="/api/v1/shipping",
                description="Outbound: FIFO picking, four-step shipping, holds and exchanges")


def _ref(order) -> dict:
    return {"number": order.number, "status": order.status, "stage": order.stage}


# --- documents -------------------------------------------------------------------------


@blp.route("/orders")
class Orders(MethodView):
    @blp.arguments(s.OrderListArgsSchema, location="query")
    @blp.response(200, s.OrderRowSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Shipping documents, newest first (recipient masked)."""
        return one_page(pagination_parameters, shipping.list_orders, args)

    @idempotent
    @blp.arguments(s.OrderCreateSchema)
    @blp.response(201, s.OrderRefSchema)
    def post(self, data):
        """Create a draft shipping document: number, recipient, lines."""
        return _ref(shipping.create_order(current_user(), **data))


@blp.route("/orders/import")
class OrderImport(MethodView):
    @idempotent
    @blp.arguments(s.OrderImportArgsSchema, location="query")
    @blp.arguments(s.OrderImportFileSchema, location="files")
    @blp.response(201, s.OrderImportResultSchema)
    def post(self, form, files):
        """Import a shop's order export (CSV or XLSX, multipart field 'file'); bad rows refuse it whole."""
        upload = files["file"]
        return shipping_import.import_orders(
            current_user(), upload.filename or "", upload.read(), approve=form["approve"],
            warehouse_code=form["warehouse_code"],
        )


@blp.before_request
def _bound_import_upload() -> None:
    """Refuse an oversized import with 413 before anything reads the body (the idempotency hash does)."""
    if request.endpoint == "shipping.OrderImport":
        request.max_content_length = import_files.upload_limit()


@blp.route("/orders/<string:number>")
class Order(MethodView):
    @blp.response(200, s.OrderSchema)
    def get(self, number):
        """One document with lines, pick tasks, steps done (who, when), handover and holds."""
        return shipping.order_view(current_user(), number)


@blp.route("/orders/<string:number>/approve")
class OrderApprove(MethodView):
    @idempotent
    @blp.response(200, s.OrderRefSchema)
    def post(self, number):
        """Approve a draft document (S3: only approved documents ship)."""
        return _ref(shipping.approve_order(current_user(), number))


@blp.route("/orders/<string:number>/cancel")
class OrderCancel(MethodView):
    @idempotent
    @blp.arguments(s.OrderCancelSchema)
    @blp.response(200, s.OrderRefSchema)
    def post(self, data, number):
        """Cancel an unshipped document; its reserved stock is freed."""
        return _ref(shipping.cancel_order(current_user(), number, data["reason"]))


@blp.route("/orders/<string:number>/validity")
class OrderValidity(MethodView):
    @blp.response(200, s.OrderValiditySchema)
    def get(self, number):
        """Rule S3: exists, approved, not cancelled, not on hold, not shipped."""
        return shipping.validity(current_user(), number)


@blp.route("/orders/<string:number>/allocate")
class OrderAllocate(MethodView):
    @idempotent
    @blp.response(200, s.AllocationReportSchema)
    def post(self, number):
        """Reserve stock oldest receipt first (S1); shortages are reported per line."""
        return shipping_allocation.allocate_order(current_user(), number)


@blp.route("/orders/<string:number>/pick-list")
class OrderPickList(MethodView):
    @blp.response(200, s.PickTaskSchema(many=True))
    def get(self, number):
        """Open pick tasks of the order in walking order of the bins."""
        return shipping.pick_list(current_user(), order_number=number)


@blp.route("/orders/<string:number>/verify-scans")
class OrderVerifyScans(MethodView):
    @blp.response(200, s.VerifyResultSchema)
    def get(self, number):
        """Step 2 (S2) so far: per item and lot the units scanned and missing (a station reopening the order)."""
        return shipping.verify_progress(current_user(), number)

    @idempotent
    @blp.arguments(s.VerifyScanSchema)
    @blp.response(201, s.VerifyResultSchema)
    def post(self, scan, number):
        """Step 2 (S2): one scan of item, lot, quantity against the document."""
        return shipping.verify_scan(current_user(), number, item=scan["item"], lot=scan["lot"],
                                    quantity=scan["quantity"])


@blp.route("/orders/<string:number>/verify-scans/batch")
class OrderVerifyBatch(MethodView):
    @idempotent
    @blp.arguments(s.VerifyBatchSchema)
    @blp.response(201, s.VerifyResultSchema)
    def post(self, batch, number):
        """Step 2 (S2) for a whole parcel: every scan checked; one refusal refuses the batch."""
        scans = [shipping.Scan(x["item"], x["quantity"], x["lot"]) for x in batch["scans"]]
        return shipping.verify_scans(current_user(), number, scans)


@blp.route("/orders/<string:number>/ship")
class OrderShip(MethodView):
    @idempotent
    @blp.arguments(s.ShipSchema)
    @blp.response(200, s.ShipResultSchema)
    def post(self, handover, number):
        """Steps 3 and 4 (S2): hand over with both signatures and deduct, in one transaction.

        The parcel is weighed on the station's scale before that transaction (or its weight
        is given); its label is queued in it and sent to the station's printer after it.
        """
        actor = current_user()
        station = handover.pop("station")
        weight, unit, source = handover.pop("weight"), handover.pop("weight_unit"), handover.pop("weight_source")
        if weight is not None:
            reading = WeightReading.entered(weight, unit, utcnow(), source, station)
        elif station is not None:
            idempotency.replay_if_done()  # a retry is answered before the scale is read again
            try:
                reading = stations.weigh_parcel(actor, station)
            except (DeviceError, DomainError) as failed:
                reading = failed  # the ship step raises it once it has claimed the request's key
        else:
            reading = None  # refused by the ship step: no weight and no scale to weigh on
        handover["handover_mode"] = handover.pop("handover")
        result = shipping.ship_order(actor, number, reading=reading, label_station=station, **handover)
        if result.label_job is not None:
            print_queue.deliver(result.label_job.station)
        return result


@blp.route("/orders/<string:number>/label")
class OrderLabel(MethodView):
    @blp.response(200, s.ShippingLabelDataSchema)
    def get(self, number):
        """Shipping label data: carrier, tracking number, weight, masked recipient."""
        return shipping.shipping_label(current_user(), number)


@blp.route("/orders/<string:number>/label/print")
class OrderLabelPrint(MethodView):
    @idempotent
    @blp.arguments(s.LabelPrintSchema)
    @blp.response(202, PrintJobSchema)
    def post(self, body, number):
        """Queue the parcel's label for a packing station's printer; it is sent after the commit."""
        job = shipping.print_shipping_label(current_user(), number, body["station"], body["copies"])
        print_queue.deliver(job.station)
        return job


# --- waves and tasks ------------------------------------------------------------------------


@blp.route("/waves")
class Waves(MethodView):
    @blp.arguments(s.WaveListArgsSchema, location="query")
    @blp.response(200, s.WaveSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Waves, newest first, by state and picker (``?status=released&status=picking&picker=li``)."""
        return one_page(pagination_parameters, shipping.list_waves, args)

    @idempotent
    @blp.arguments(s.WaveCreateSchema)
    @blp.response(201, s.WaveSchema)
    def post(self, data):
        """Group approved orders into a wave, optionally for one picker."""
        return shipping.create_wave(current_user(), data["orders"], data["picker"])


@blp.route("/waves/<string:number>")
class WaveResource(MethodView):
    @blp.response(200, s.WaveSchema)
    def get(self, number):
        """One wave: its state (released, picking, picked, cancelled), orders and picker."""
        return shipping.wave_view(current_user(), number)


@blp.route("/waves/<string:number>/cancel")
class WaveCancel(MethodView):
    @idempotent
    @blp.response(200, s.WaveSchema)
    def post(self, number):
        """Call off a wave not yet picked; its orders leave it and may be waved again."""
        return shipping.cancel_wave(current_user(), number)


@blp.route("/waves/<string:number>/pick-list")
class WavePickList(MethodView):
    @blp.response(200, s.PickTaskSchema(many=True))
    def get(self, number):
        """Open pick tasks of a wave in walking order of the bins."""
        return shipping.pick_list(current_user(), wave_number=number)


@blp.route("/tasks/<int:task_id>/count")
class TaskCount(MethodView):
    @idempotent
    @blp.arguments(s.PickCountSchema)
    @blp.response(200, s.PickCountResultSchema)
    def post(self, count, task_id):
        """Step 1 (S2): scan bin then item, confirm the quantity there; a difference opens an exception."""
        return shipping.confirm_count(current_user(), task_id, **count)


@blp.route("/tasks/<int:task_id>/check")
class TaskScanCheck(MethodView):
    @blp.arguments(s.ScanCheckArgsSchema, location="query")
    @blp.response(200, s.ScanCheckSchema)
    def get(self, args, task_id):
        """Step 1 (S2) before the count: are the scans so far the task's bin, item and lot? Writes nothing."""
        return shipping.check_scans(current_user(), task_id, **args)


@blp.route("/cycle-counts")
class CycleCounts(MethodView):
    @blp.arguments(c.CycleCountListArgsSchema, location="query")
    @blp.response(200, c.CycleCountSchema(many=True))
    def get(self, args):
        """Cycle counts in a state (open by default), optionally of one bin; the book only for stock.adjust (R8)."""
        return shipping.list_cycle_counts(current_user(), args["status"], location=args["location"])

    @idempotent
    @blp.arguments(c.CycleCountCreateSchema)
    @blp.response(201, c.CycleCountSchema(many=True))
    def post(self, data):
        """R8: order a count of a bin, an item or a zone: one task per bin and item with stock (and empty bin)."""
        target = data.get({"bin": "location"}.get(data["scope"], data["scope"]))
        return counts.create_counts(current_user(), scope=data["scope"], target=target or "",
                                    reason=data["reason"], warehouse=data["warehouse"])


@blp.route("/cycle-counts/differences")
class CycleCountDifferences(MethodView):
    @blp.arguments(c.CountDifferencesArgsSchema, location="query")
    @blp.response(200, c.CycleCountDifferenceSchema(many=True))
    def get(self, args):
        """R8: the day's counts: book (on-hand), bin card (ledger), physical, difference and status."""
        return counts.list_count_differences(current_user(), args["date"], args["warehouse"])


@blp.route("/cycle-counts/<int:task_id>/start")
class CycleCountStart(MethodView):
    @idempotent
    @blp.arguments(c.CycleCountStartSchema)
    @blp.response(200, c.CycleCountSchema)
    def post(self, data, task_id):
        """R8: the counter is at the bin: picks of the item there wait until it is counted."""
        return shipping.start_cycle_count(current_user(), task_id, location=data["location"])


@blp.route("/cycle-counts/<int:task_id>/count")
class CycleCountCount(MethodView):
    @idempotent
    @blp.arguments(c.BlindCountSchema)
    @blp.response(200, c.BlindCountResultSchema)
    def post(self, count, task_id):
        """R8 blind count: scan the bin and the item, enter what is there; the book is never answered."""
        return shipping.count_cycle_count(current_user(), task_id, **count)


@blp.route("/cycle-counts/<int:task_id>/approve")
class CycleCountApprove(MethodView):
    @idempotent
    @blp.response(200, c.CycleCountSchema)
    def post(self, task_id):
        """R8: approve a confirmed difference above the threshold: it posts as a count_difference adjustment."""
        return shipping.approve_cycle_count(current_user(), task_id)


@blp.route("/cycle-counts/<int:task_id>/reject")
class CycleCountReject(MethodView):
    @idempotent
    @blp.response(200, c.CycleCountSchema)
    def post(self, task_id):
        """R8: reject a difference: nothing posts, the book stands, the count is closed."""
        return shipping.reject_cycle_count(current_user(), task_id)


@blp.route("/cycle-counts/<int:task_id>/complete")
class CycleCountComplete(MethodView):
    @idempotent
    @blp.response(200, c.CycleCountSchema)
    def post(self, task_id):
        """Close a cycle count after the bin was counted and adjusted."""
        return shipping.complete_cycle_count(current_user(), task_id)


# --- holds and releases (S4) ------------------------------------------------------------------


@blp.route("/holds")
class Holds(MethodView):
    @blp.arguments(s.HoldListArgsSchema, location="query")
    @blp.response(200, s.HoldSchema(many=True))
    def get(self, args):
        """Hold notices (active ones by default) with the open orders each stops."""
        return shipping_holds.list_holds(current_user(), active_only=args["active_only"])

    @idempotent
    @blp.arguments(s.HoldCreateSchema)
    @blp.response(201, s.HoldSchema)
    def post(self, data):
        """Issue a numbered hold notice; from now on nothing in its scope ships."""
        return shipping_holds.issue_hold(
            current_user(), scope=data["scope"], reason=data["reason"], order_number=data["order_number"],
            customer_code=data["customer_code"], item_code=data["item"],
        )


@blp.route("/holds/mine")
class MyHolds(MethodView):
    @blp.arguments(s.MyHoldsArgsSchema, location="query")
    @blp.response(200, s.HoldSchema(many=True))
    def get(self, args):
        """Active holds that stop orders in the caller's pick tasks (so the PDA says why)."""
        return shipping_holds.holds_for_picker(current_user(), args["wave"])


@blp.route("/releases")
class Releases(MethodView):
    @idempotent
    @blp.arguments(s.ReleaseCreateSchema)
    @blp.response(201, s.ReleaseSchema)
    def post(self, data):
        """Write a release notice for one hold; it takes effect when confirmed."""
        return shipping_holds.write_release(current_user(), hold_number=data["hold"], reason=data["reason"])


@blp.route("/releases/<string:number>/confirm")
class ReleaseConfirm(MethodView):
    @idempotent
    @blp.response(200, s.ReleaseSchema)
    def post(self, number):
        """Confirm a release notice: the hold it references is lifted."""
        return shipping_holds.confirm_release(current_user(), number)


# --- exchanges (S6) and the day's open documents (S7) -------------------------------------------


@blp.route("/exchange-notices")
class ExchangeNotices(MethodView):
    @idempotent
    @blp.arguments(s.ExchangeCreateSchema)
    @blp.response(201, s.ExchangeNoticeSchema)
    def post(self, data):
        """Issue an exchange notice for a shipped order, with its exchange shipping document."""
        return shipping_exchange.issue_exchange_notice(
            current_user(), original_order=data["original_order"], reason=data["reason"], lines=data["lines"]
        )


@blp.route("/exchange-notices/<string:number>")
class ExchangeNotice(MethodView):
    @blp.response(200, s.ExchangeNoticeSchema)
    def get(self, number):
        """One exchange notice with its original and exchange documents."""
        return shipping_exchange.exchange_notice_view(current_user(), number)


@blp.route("/exchange-notices/<string:number>/cancel")
class ExchangeNoticeCancel(MethodView):
    @idempotent
    @blp.arguments(s.OrderCancelSchema)
    @blp.response(200, s.ExchangeNoticeSchema)
    def post(self, data, number):
        """Withdraw an exchange notice; its exchange document can no longer ship."""
        return shipping_exchange.cancel_exchange_notice(current_user(), number, data["reason"])


@blp.route("/open-documents")
class OpenDocuments(MethodView):
    @blp.arguments(s.OpenDocumentsArgsSchema, location="query")
    @blp.response(200, s.OpenDocumentSchema(many=True))
    def get(self, args):
        """Rule S7: shipping documents of the day still open, for the end-of-day report."""
        return shipping.open_shipping_documents(current_user(), args["day"] or shipping.warehouse_today())


# --- the parcel's weight check and handover manifests (交接单) ---------------------------


@blp.route("/orders/<string:number>/weight-override")
class OrderWeightOverride(MethodView):
    @idempotent
    @blp.arguments(s.WeightOverrideSchema)
    @blp.response(201, s.WeightOverrideViewSchema)
    def post(self, data, number):
        """A supervisor accepts the measured weight at this order's next ship step, saying why."""
        return parcel_weight.override_weight(current_user(), number, data["reason"])


@blp.route("/manifests")
class Manifests(MethodView):
    @idempotent
    @blp.arguments(s.ManifestCreateSchema)
    @blp.response(201, s.ManifestSchema)
    def post(self, data):
        """Open a handover manifest (MF-000001) for a courier's pickup."""
        return shipping_manifests.open_manifest(current_user(), data["courier"])


@blp.route("/manifests/<string:number>")
class ManifestResource(MethodView):
    @blp.response(200, s.ManifestSchema)
    def get(self, number):
        """One manifest with its parcels (recipients masked)."""
        return shipping_manifests.manifest_view(current_user(), number)


@blp.route("/manifests/<string:number>/parcels")
class ManifestParcels(MethodView):
    @idempotent
    @blp.arguments(s.ManifestParcelAddSchema)
    @blp.response(200, s.ManifestSchema)
    def post(self, data, number):
        """Put a shipped parcel of the manifest's courier on it, by tracking number."""
        return shipping_manifests.add_parcel(current_user(), number, data["tracking_number"])


@blp.route("/manifests/<string:number>/close")
class ManifestClose(MethodView):
    @idempotent
    @blp.arguments(s.ManifestCloseSchema)
    @blp.response(200, s.ManifestSchema)
    def post(self, data, number):
        """The driver takes the batch: driver and shipper sign once for all its parcels."""
        return shipping_manifests.close_manifest(current_user(), number, **data)


@blp.route("/manifests/<string:number>/export")
class ManifestExport(MethodView):
    @blp.arguments(s.ManifestExportArgsSchema, location="query")
    @blp.doc(responses={"200": {"description": "The manifest as CSV (UTF-8 with BOM) or XLSX, personal "
                                               "data masked", "content": {
        "text/csv": {"schema": {"type": "string"}},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}}}}})
    def get(self, args, number):
        """The manifest as a file (``?format=csv|xlsx``), recipients masked."""
        body, media_type, filename = shipping_manifests.export_manifest(current_user(), number, args["format"])
        return Response(body, status=200, content_type=media_type,
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/manifests/<string:number>/print")
class ManifestPrint(MethodView):
    @idempotent
    @blp.arguments(s.ManifestPrintSchema)
    @blp.response(202, PrintJobSchema)
    def post(self, data, number):
        """Queue the manifest's list for a station's printer; it is sent after the commit."""
        job = shipping_manifests.print_manifest(current_user(), number, data["station"])
        print_queue.deliver(job.station)
        return job


@blp.route("/packaging-types")
class PackagingTypes(MethodView):
    @blp.response(200, s.PackagingTypeSchema(many=True))
    def get(self):
        """The packaging types a station chooses at the ship step (code, name, tare)."""
        return parcel_weight.packaging_types(current_user())


@blp.route("/orders/<string:number>/expected-weight")
class OrderExpectedWeight(MethodView):
    @blp.arguments(s.ExpectedWeightArgsSchema, location="query")
    @blp.response(200, s.ExpectedWeightSchema)
    def get(self, args, number):
        """What the parcel should weigh with a packaging (or the warehouse's default tare), and within what."""
        return parcel_weight.expected_weight(current_user(), number, args["packaging"])
