"""Stations (CRUD), their scale, label printer and health; camera images decoded."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView

from devices.errors import DeviceError
from devices.scanners.images import read_header
from wms.api.base import Blueprint
from wms.api.devices import schemas as s
from wms.api.devices.errors import device_error_response
from wms.api.idempotency import idempotent
from wms.api.schemas import one_page
from wms.api.security import current_user
from wms.domain.permissions import Permission, require
from wms.errors import ImageTooLarge
from wms.services import print_queue, stations

blp = Blueprint("devices", __name__, url_prefix="/api/v1",
                description="Packing and receiving stations: scales, label printers, scanners")

#: Bytes a multipart envelope may add around the image itself.
MULTIPART_OVERHEAD = 64 * 1024

#: The upload as OpenAPI describes it: an image as the body, or a multipart ``file``.
IMAGE_BODY = {"required": True, "content": {
    "image/*": {"schema": {"type": "string", "format": "binary"}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}},
}}

# Registered on the app: a DeviceError raised by any area's use case gets the one format.
blp.app_errorhandler(DeviceError)(device_error_response)


@blp.route("/stations")
class Stations(MethodView):
    @blp.arguments(s.StationListArgsSchema, location="query")
    @blp.response(200, s.StationSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List stations, by kind, warehouse or active flag."""
        return one_page(pagination_parameters, stations.list_stations, args)

    @idempotent
    @blp.arguments(s.StationSchema)
    @blp.response(201, s.StationSchema)
    def post(self, data):
        """Configure a station; its devices are checked against the devices registry."""
        return stations.create_station(current_user(), data)


@blp.route("/stations/<string:code>")
class Station(MethodView):
    @blp.response(200, s.StationSchema)
    def get(self, code):
        """One station and its devices."""
        return stations.read_station(current_user(), code)

    @idempotent
    @blp.arguments(s.StationPatchSchema(partial=True))
    @blp.response(200, s.StationSchema)
    def patch(self, changes, code):
        """Change a station; its devices are checked again as a whole."""
        return stations.update_station(current_user(), code, changes)

    @idempotent
    @blp.response(204)
    def delete(self, code):
        """Remove a station's configuration."""
        stations.delete_station(current_user(), code)


@blp.route("/stations/<string:code>/scale")
class StationScale(MethodView):
    @blp.arguments(s.ScaleArgsSchema, location="query")
    @blp.response(200, s.ScaleReadingSchema)
    def get(self, args, code):
        """Read the station's scale; ``stable=true`` waits (bounded) for a stable weight."""
        return stations.read_scale(current_user(), code, stable=args["stable"], timeout=args["timeout"])


@blp.route("/stations/<string:code>/labels")
class StationLabels(MethodView):
    @idempotent
    @blp.arguments(s.LabelRequestSchema)
    @blp.response(202, s.PrintJobSchema)
    def post(self, job, code):
        """Queue a lot, bin or shipping label for the station's printer; it is sent after the commit."""
        queued = stations.print_label(current_user(), code, job["label"], job["data"], copies=job["copies"])
        print_queue.deliver(queued.station)
        return queued


@blp.route("/stations/<string:code>/print-jobs")
class StationPrintJobs(MethodView):
    @blp.arguments(s.PrintJobListArgsSchema, location="query")
    @blp.response(200, s.PrintJobSchema(many=True))
    def get(self, args, code):
        """The station's print queue, newest first: queued, printed, failed with the printer's error."""
        return print_queue.list_jobs(current_user(), code, args["state"])


@blp.route("/print-jobs/<int:job_id>")
class PrintJob(MethodView):
    @blp.response(200, s.PrintJobSchema)
    def get(self, job_id):
        """One print job and its state."""
        return print_queue.read_job(current_user(), job_id)


@blp.route("/print-jobs/<int:job_id>/retry")
class PrintJobRetry(MethodView):
    @idempotent
    @blp.response(202, s.PrintJobSchema)
    def post(self, job_id):
        """Send a failed job again (with the station's other pending jobs, oldest first).

        Answers the job as it is after the resend: printed, or failed with the printer's error.
        """
        actor = current_user()
        job = print_queue.retry_job(actor, job_id)
        print_queue.deliver(job.station)
        return print_queue.read_job(actor, job_id)


@blp.route("/stations/<string:code>/health")
class StationHealth(MethodView):
    @blp.arguments(s.HealthArgsSchema, location="query")
    @blp.response(200, s.StationHealthSchema)
    def get(self, args, code):
        """Ask each device of the station once; a typed status per device."""
        return stations.check_health(current_user(), code, timeout=args["timeout"])


@blp.route("/devices/decode")
class Decode(MethodView):
    @idempotent
    @blp.arguments(s.DecodeArgsSchema, location="query")
    @blp.response(200, s.DecodeResultSchema)
    @blp.doc(requestBody=IMAGE_BODY)
    def post(self, args):
        """Decode the barcodes in a camera image (multipart ``file`` or the raw body)."""
        actor = current_user()
        require(actor.role, Permission.DEVICE_USE)
        image = _uploaded_image()
        if image:  # an empty upload is the use case's invalid_input
            # Every format's header, before any decoder allocates its pixels.
            max_pixels = current_app.config.get("DECODE_MAX_PIXELS", stations.MAX_IMAGE_PIXELS)
            read_header(image, int(max_pixels))
        return stations.decode_upload(actor, image, args["engine"])


@blp.before_request
def _bound_uploads() -> None:
    """Refuse an oversized image before anything reads the body (the idempotency hash does)."""
    if request.endpoint != "devices.Decode":
        return
    limit = stations.upload_limit() + MULTIPART_OVERHEAD
    if request.content_length is not None and request.content_length > limit:
        raise ImageTooLarge(max_bytes=stations.upload_limit())
    # A chunked upload has no length: werkzeug stops reading past this many bytes (413).
    request.max_content_length = limit


def _uploaded_image() -> bytes:
    limit = stations.upload_limit()
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        return upload.stream.read(limit + 1) if upload is not None else b""
    return request.get_data(cache=True)  # bounded by max_content_length above
