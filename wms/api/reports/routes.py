"""GET /reports/day, /reports/day/entries, /reports/day/export: the end-of-day report (rule L2)."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from wms.api.base import Blueprint
from wms.api.reports import schemas as s
from wms.api.security import current_user
from wms.i18n import current_locale
from wms.services.reports import day_report as reports
from wms.services.reports import entries
from wms.services.reports.exports import export_report

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports", description="The end-of-day report (L2)")


@blp.route("/day")
class DayReport(MethodView):
    @blp.arguments(s.DayArgsSchema, location="query")
    @blp.response(200, s.DayReportSchema)
    def get(self, args):
        """A warehouse's day: stock per item and owner, movements by hour, documents, what is not
        cleared, inspections, holds, count differences and reconciliation (clerk, supervisor)."""
        return reports.day_report_for(current_user(), args["warehouse"], args["date"])


@blp.route("/day/entries")
class DayEntries(MethodView):
    @blp.arguments(s.EntriesArgsSchema, location="query")
    @blp.response(200, s.DayEntriesSchema)
    def get(self, args):
        """The ledger entries behind a figure of the day's stock section, with their total."""
        return entries.day_entries_for(
            current_user(), args["warehouse"], args["date"], item=args["item"], owner=args["owner"],
            direction=args["direction"], hour=args["hour"], limit=args["limit"], offset=args["offset"])


@blp.route("/day/export")
class DayExport(MethodView):
    @blp.arguments(s.ExportArgsSchema, location="query")
    @blp.doc(responses={"200": {"description": "The report as PDF, XLSX (a sheet per section) or CSV (one "
                                               "section, UTF-8 with BOM); personal data masked", "content": {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}},
        "text/csv": {"schema": {"type": "string"}}}}})
    def get(self, args):
        """The day's report as a file (``?format=pdf|xlsx|csv&lang=zh-CN|en&section=...``)."""
        report = reports.day_report_for(current_user(), args["warehouse"], args["date"])
        body, media_type, filename = export_report(report, args["format"], args["lang"] or current_locale(),
                                                   args["section"])
        return Response(body, status=200, content_type=media_type,
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
