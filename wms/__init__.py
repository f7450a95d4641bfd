"""WMS for handhelds: the Flask service. ``create_app`` builds it."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, jsonify

from wms.config import Defaults, load_environment, normalise_database_url

#: Alembic scripts live beside the package in the source tree.
MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the service: defaults, then the environment, then ``config`` (tests)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Defaults)
    app.config.update(load_environment())
    if config:
        app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)
    _database_url(app)
    _secret_key(app)
    ZoneInfo(app.config["WAREHOUSE_TIMEZONE"])  # a wrong zone fails at start, not at day's end

    from mobile_ui import register_ui
    from wms import models  # noqa: F401 - registers the tables
    from wms.api import register_api
    from wms.api.guards import BoundedIntConverter, register_database_errors, route_and_text_first
    from wms.api.headers import register_security_headers
    from wms.api.security import CookieSessionInterface, authenticate_request
    from wms.cli import register_cli
    from wms.database import configure_engine
    from wms.errors import DomainError
    from wms.extensions import db, migrate
    from wms.i18n import init_app as init_i18n

    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    db.init_app(app)
    init_i18n(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    with app.app_context():
        configure_engine(app)

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        response = jsonify(error.to_dict())
        response.status_code = error.status
        if error.status == 429 and "retry_after_seconds" in error.details:
            response.headers["Retry-After"] = str(error.details["retry_after_seconds"])
        return response

    app.session_interface = CookieSessionInterface()
    register_database_errors(app)
    app.before_request(_refuse_a_shared_context)
    app.before_request(route_and_text_first)
    app.before_request(authenticate_request)
    register_api(app)
    register_ui(app)
    register_security_headers(app)
    register_cli(app)
    return app


def _refuse_a_shared_context() -> None:
    """before_request, first: refuse a request that found its application context in use.

    Flask pushes a fresh application context per request unless one of the same app is
    already pushed, and then reuses it: ``g`` (the caller) and the database session
    would outlive the request and leak into the next caller's. A server started inside
    an application context does that to every request; it answers 500 and says so in
    the log instead of serving as the wrong user. Flask's test client may share the
    test's context on purpose (``TESTING``).
    """
    from flask import current_app, g

    if g.get("wms_request_seen") and not current_app.testing:
        from wms.errors import ServerMisconfigured

        current_app.logger.error("a request reused another request's application context; "
                                 "start the server with `wms serve` or gunicorn 'wms:create_app()'")
        raise ServerMisconfigured()
    g.wms_request_seen = True


def _database_url(app: Flask) -> None:
    url = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        url = "sqlite:///" + os.path.join(app.instance_path, "wms.db")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)


def _secret_key(app: Flask) -> None:
    # A fresh install gets a random key kept in the instance folder, never in the code.
    if app.config.get("SECRET_KEY"):
        return
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()
