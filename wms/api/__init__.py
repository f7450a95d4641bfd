"""The JSON API under /api/v1, its OpenAPI document and the offline docs page."""

from __future__ import annotations

from flask import Flask, send_from_directory

from wms.api.base import WmsApi
from wms.api.error_codes import document_errors


def register_api(app: Flask) -> None:
    """Register every API blueprint and the docs page's static files."""
    from wms.api.audit.routes import blp as audit_blp
    from wms.api.auth.routes import blp as auth_blp
    from wms.api.couriers.routes import blp as couriers_blp
    from wms.api.days.routes import blp as days_blp
    from wms.api.devices.routes import blp as devices_blp
    from wms.api.ledger.routes import blp as ledger_blp
    from wms.api.masterdata.routes import blp as masterdata_blp
    from wms.api.receiving.routes import blp as receiving_blp
    from wms.api.reconciliation.other_routes import blp as reconcile_blp
    from wms.api.reconciliation.routes import blp as reconciliation_blp
    from wms.api.reports.routes import blp as reports_blp
    from wms.api.shipping.routes import blp as shipping_blp
    from wms.api.stock.routes import blp as stock_blp
    from wms.api.system.routes import blp as system_blp
    from wms.api.users.routes import blp as users_blp

    api = WmsApi(app)
    blueprints = [system_blp, auth_blp, users_blp, masterdata_blp, stock_blp, ledger_blp, receiving_blp,
                  devices_blp, shipping_blp, couriers_blp, audit_blp, reports_blp]
    blueprints.append(reconciliation_blp)
    blueprints.append(reconcile_blp)  # returns, outbound and payments, beside the courier bills
    blueprints.append(days_blp)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    api.after_document(lambda spec: document_errors(app, spec))
    _serve_swagger_ui_assets(app)


def _serve_swagger_ui_assets(app: Flask) -> None:
    # The docs page must work in a warehouse with no internet: serve Swagger UI locally.
    import swagger_ui_bundle

    @app.route("/api/docs/static/<path:filename>", endpoint="swagger_ui_static")
    def swagger_ui_static(filename: str):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)
