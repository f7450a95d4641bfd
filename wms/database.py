"""Engine settings per backend: SQLite made safe for concurrent writers.

SQLite (its locking and WAL documentation, SQLAlchemy's pysqlite notes): the driver's
implicit transactions are switched off; a unit of work (``wms.services.uow.transaction``) starts
with ``BEGIN IMMEDIATE`` so the read-then-write of a use case cannot interleave with
another writer, while plain reads start a deferred ``BEGIN`` and never hold the write
lock; WAL lets readers run beside the writer; a busy timeout waits for the lock
instead of failing.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Flask

from wms.extensions import db

#: Execution option a unit of work sets so SQLite takes the write lock at BEGIN.
WRITE_OPTION = "wms_write_transaction"


def configure_engine(app: Flask) -> None:
    """Attach per-connection settings to the app's engine."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, app.config["SQLITE_SYNCHRONOUS"], app.config["SQLITE_BUSY_TIMEOUT_MS"])
    else:
        ping_idle_connections(engine, float(app.config["POOL_PING_AFTER_IDLE_SECONDS"]))


def ping_idle_connections(engine: sa.Engine, idle_seconds: float) -> None:
    """Test a pooled connection as it is taken if it lay idle longer than ``idle_seconds``.

    A database restart or a network cut kills the pool's connections unseen; the next
    request on each would fail (503) although the database is back. SQLAlchemy's
    ``pool_pre_ping`` tests every connection on every checkout, one round trip per
    request; under load a connection is back in use within milliseconds and a dead one
    is found by the request that meets it (the pool is then renewed), so only a
    connection that lay idle is worth a ping. A failed ping makes the pool open a new
    connection (``DisconnectionError``, SQLAlchemy's pessimistic disconnect handling).
    """

    @sa.event.listens_for(engine, "checkin")
    def _returned(dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _taken(dbapi_connection, record, proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since <= idle_seconds:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()  # the ping's own implicit transaction
        except Exception as exc:  # the driver's own error class: any failure means dead
            raise sa.exc.DisconnectionError(f"pooled connection failed its ping: {exc}") from exc


def _configure_sqlite(engine: sa.Engine, synchronous: str, busy_timeout_ms: int) -> None:
    if synchronous.upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
    in_memory = engine.url.database in (None, "", ":memory:")

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        if connection.get_execution_options().get(WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")
