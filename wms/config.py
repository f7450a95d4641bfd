"""Configuration defaults; the environment is read in ``create_app``, never at import."""

from __future__ import annotations

import os
from typing import Any

#: Variables read from the environment by ``load_environment`` and the key they set.
ENVIRONMENT_KEYS = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "WMS_SECRET_KEY": "SECRET_KEY",
    "WMS_TOKEN_MAX_AGE": "TOKEN_MAX_AGE",
    "WMS_LOGIN_MAX_FAILURES": "LOGIN_MAX_FAILURES",
    "WMS_LOGIN_WINDOW_SECONDS": "LOGIN_WINDOW_SECONDS",
    "WMS_SQLITE_SYNCHRONOUS": "SQLITE_SYNCHRONOUS",
    "WMS_SQLITE_BUSY_TIMEOUT_MS": "SQLITE_BUSY_TIMEOUT_MS",
    "WMS_WAREHOUSE_TIMEZONE": "WAREHOUSE_TIMEZONE",
    "WMS_SESSION_COOKIE_SECURE": "SESSION_COOKIE_SECURE",
    "WMS_KDNIAO_URL": "KDNIAO_URL",
    "WMS_KDNIAO_EBUSINESS_ID": "KDNIAO_EBUSINESS_ID",
    "WMS_KDNIAO_APP_KEY": "KDNIAO_APP_KEY",
    "WMS_WAYBILL_TIMEOUT_SECONDS": "WAYBILL_TIMEOUT_SECONDS",
    "WMS_PRINT_QUEUE_WATCH_SECONDS": "PRINT_QUEUE_WATCH_SECONDS",
    "WMS_RECONCILE_WEIGHT_TOLERANCE_KG": "RECONCILE_WEIGHT_TOLERANCE_KG",
    "WMS_RECONCILE_WEIGHT_TOLERANCE_PERCENT": "RECONCILE_WEIGHT_TOLERANCE_PERCENT",
}

INTEGER_KEYS = {"TOKEN_MAX_AGE", "LOGIN_MAX_FAILURES", "LOGIN_WINDOW_SECONDS", "SQLITE_BUSY_TIMEOUT_MS",
                "WAYBILL_TIMEOUT_SECONDS"}
BOOLEAN_KEYS = {"SESSION_COOKIE_SECURE"}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class Defaults:
    """Settings a fresh install runs with: embedded SQLite in the instance folder."""

    SQLALCHEMY_DATABASE_URI = None  # filled by create_app: sqlite in the instance folder
    # No pre-ping on every request (a round trip each): a pooled connection that lay idle
    # longer than POOL_PING_AFTER_IDLE_SECONDS is tested as it is taken
    # (wms.database.ping_idle_connections), so that after a database restart or a
    # network cut every worker's next request gets a new connection instead of a 503 on
    # the dead one. Connections are also recycled hourly.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_recycle": 3600}
    POOL_PING_AFTER_IDLE_SECONDS = 1.0
    SECRET_KEY = None  # generated into the instance folder on first start when unset
    # Bearer tokens last one shift; a PDA logs in again at the start of the next.
    TOKEN_MAX_AGE = 12 * 3600
    # Login throttling (wms.services.auth): wrong passwords for one user name from one
    # address before each further try waits, doubling from a second up to the window;
    # the window is also how far back the looser per-name, per-address and overall
    # counts look. Nothing locks: a wait ends, and a user's usual place is never held up
    # by failures elsewhere.
    LOGIN_MAX_FAILURES = 5
    LOGIN_WINDOW_SECONDS = 300
    # A user's successful login from an address makes it a known place for this long.
    LOGIN_KNOWN_PLACE_DAYS = 30
    PASSWORD_HASH_METHOD = "scrypt"
    # The warehouse's day for same-day clearing (R8, S7) and the end-of-day report.
    WAREHOUSE_TIMEZONE = "Asia/Shanghai"
    # S4: a release notice lifts its hold only when confirmed by a user other than the
    # one who wrote it (four eyes); False lets the writer confirm their own.
    HOLD_RELEASE_SECOND_PERSON = True
    # Cycle counts (R8, docs/counts.md). A confirmed count difference posts itself when
    # it is within every limit set: at most UNITS units and at most PERCENT percent of the
    # book (None: no such limit); with both None, or UNITS 0, every difference waits for
    # the supervisor's approval.
    COUNT_DIFFERENCE_APPROVAL_UNITS: int | None = 0
    COUNT_DIFFERENCE_APPROVAL_PERCENT: float | None = None
    # A recount is made by someone other than the first counter while another may count.
    COUNT_RECOUNT_OTHER_PERSON = True
    # The night plan (`wms counts plan`): "abc" (ABC by movement), "bins" (every bin every
    # COUNT_BIN_INTERVAL_DAYS) or "off"; at most COUNT_PLAN_MAX_TASKS tasks a night. ABC:
    # items ranked by ledger movements over COUNT_ABC_WINDOW_DAYS, the first SHARES["A"]
    # percent A, the next SHARES["B"] percent B, the rest C, counted every INTERVAL days.
    COUNT_PLAN_RULE = "abc"
    COUNT_PLAN_MAX_TASKS = 200
    COUNT_BIN_INTERVAL_DAYS = 30
    COUNT_ABC_WINDOW_DAYS = 90
    COUNT_ABC_SHARES: dict[str, float] = {"A": 20, "B": 30}
    COUNT_ABC_INTERVAL_DAYS: dict[str, int] = {"A": 7, "B": 30, "C": 90}
    # synchronous=FULL survives power loss without losing committed scans (SQLite: WAL
    # with synchronous=NORMAL may lose the last transactions on power loss).
    SQLITE_SYNCHRONOUS = "FULL"
    SQLITE_BUSY_TIMEOUT_MS = 10_000
    # The print watch (wms.services.print_watch) of each `wms serve` worker: how often it
    # looks for failed label jobs, and how long it waits before asking a silent printer
    # again (doubling from the first wait up to the longest). 0 seconds: no watch.
    PRINT_QUEUE_WATCH_SECONDS = 1.0
    PRINT_QUEUE_RETRY_FIRST_SECONDS = 1.0
    PRINT_QUEUE_RETRY_MAX_SECONDS = 8.0
    PRINT_QUEUE_STALE_QUEUED_SECONDS = 10.0
    # Retries of a whole use case on serialization failure or deadlock (PostgreSQL).
    TRANSACTION_RETRIES = 5
    IDEMPOTENCY_KEY_MAX_LENGTH = 255
    # File imports (wms.services.import_files): what a hostile file may cost before it
    # is refused. An upload over IMPORT_MAX_BYTES gets 413 before anything reads it; an
    # xlsx may unpack to IMPORT_MAX_UNPACKED_BYTES (a 50,000-row shop export of twenty
    # columns is about 40 MB). Rows are counted below the header, blank ones included.
    IMPORT_MAX_BYTES = 16 * 1024 * 1024
    IMPORT_MAX_UNPACKED_BYTES = 64 * 1024 * 1024
    IMPORT_MAX_COLUMNS = 256
    IMPORT_MAX_FIELD_CHARS = 32_767  # Excel's own limit for a cell
    PURCHASE_ORDER_IMPORT_MAX_ROWS = 20_000
    SALES_ORDER_IMPORT_MAX_ROWS = 50_000
    # Courier bill reconciliation (L3, wms.services.reconciliation): a bill's rows; a billed
    # weight above our scale's weight (rounded up as the courier rounds) by more than
    # max(KG, our weight * PERCENT / 100) is weight_over; a fee off the rate table's by more
    # than FEE_TOLERANCE yuan is fee_mismatch. Shipments up to MARGIN_DAYS before and after
    # the cycle are matched too (a bill holds parcels shipped just before it).
    COURIER_BILL_IMPORT_MAX_ROWS = 200_000
    RECONCILE_WEIGHT_TOLERANCE_KG = 0.1
    RECONCILE_WEIGHT_TOLERANCE_PERCENT = 0.0
    RECONCILE_FEE_TOLERANCE = 0.01
    RECONCILE_SHIPMENT_MARGIN_DAYS = 15
    # Returns, outbound and payment reconciliation (L3, docs/reconciliation.md): the rows a
    # courier's return records, a shop's order export or a settlement statement may have,
    # and the days after shipping by which a platform should have settled an order.
    RECONCILE_FILE_MAX_ROWS = 200_000
    RECONCILE_SETTLE_DAYS = 15
    # Request sizes: any body (uploads and imports raise it for their own routes), a
    # JSON body, and how deep a JSON body may nest (a PDA's scan is three levels).
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    JSON_MAX_BYTES = 1024 * 1024
    JSON_MAX_DEPTH = 32
    # Retry-After of a 503 while the database is unreachable or busy.
    RETRY_AFTER_SECONDS = 5
    # Electronic waybills (wms.services.waybills): how long a provider may take to answer,
    # the Retry-After when it did not, and the Kdniao account (EBusinessID, AppKey).
    WAYBILL_TIMEOUT_SECONDS = 10
    WAYBILL_RETRY_AFTER_SECONDS = 30
    KDNIAO_URL = "https://api.kdniao.com/api/EOrderService"
    KDNIAO_EBUSINESS_ID = None
    KDNIAO_APP_KEY = None

    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    # Sent over HTTPS only; browsers also send it to http://localhost and 127.0.0.1.
    # WMS_SESSION_COOKIE_SECURE=0 for a browser on another machine over plain HTTP.
    SESSION_COOKIE_SECURE = True
    # The web UI's login lasts one shift from logging in, like a bearer token: the
    # cookie is not renewed by each request (load_environment keeps the two equal).
    PERMANENT_SESSION_LIFETIME = TOKEN_MAX_AGE
    SESSION_REFRESH_EACH_REQUEST = False
    JSON_SORT_KEYS = False

    API_TITLE = "WMS handheld API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    # Served from the swagger-ui-bundle package so the docs work without internet.
    OPENAPI_SWAGGER_UI_URL = "/api/docs/static/"
    API_SPEC_OPTIONS = {
        "info": {
            "description": "Task-oriented API for receivers, pickers, shippers and "
            "ledger clerks. Every mutating call accepts an Idempotency-Key header.",
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"},
            }
        },
        "security": [{"bearerAuth": []}, {"cookieAuth": []}],
    }


def load_environment(environ: os._Environ | dict[str, str] | None = None) -> dict[str, Any]:
    """Settings found in the environment, keyed by their config names."""
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for variable, key in ENVIRONMENT_KEYS.items():
        if variable in environ and environ[variable] != "":
            value: Any = environ[variable]
            if key in INTEGER_KEYS:
                value = int(value)
            elif key in BOOLEAN_KEYS:
                value = _boolean(variable, value)
            found[key] = value
    if "TOKEN_MAX_AGE" in found:
        found["PERMANENT_SESSION_LIFETIME"] = found["TOKEN_MAX_AGE"]
    return found


def _boolean(variable: str, value: str) -> bool:
    # A typo must fail at start, not quietly pick one (a Secure cookie or none).
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ValueError(f"{variable} must be 1 or 0 (true/false, yes/no, on/off), not {value!r}")


def normalise_database_url(url: str) -> str:
    """Accept the common ``postgres://`` spellings and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
