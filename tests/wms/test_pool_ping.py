"""A pooled connection that lay idle is tested as it is taken: a dead one is replaced unseen.

After a database restart or a network cut the pool's connections are dead although the
database is back. ``wms.database.ping_idle_connections`` pings a connection that lay
idle longer than the threshold, so the next request gets a live one; a connection back
in use within the threshold is not pinged (no round trip under load). PostgreSQL only:
an embedded SQLite has no connection to lose.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL
from tests.server.test_outage import TcpRelay
from wms.config import normalise_database_url
from wms.database import ping_idle_connections

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL: a connection to lose")


def engine_through(relay: TcpRelay, *, ping_after: float | None) -> sa.Engine:
    url = sa.make_url(normalise_database_url(TEST_DATABASE_URL)).set(host="127.0.0.1", port=relay.port)
    engine = sa.create_engine(url, pool_size=1, max_overflow=0)
    if ping_after is not None:
        ping_idle_connections(engine, ping_after)
    return engine


def cut_and_restore(relay: TcpRelay, engine: sa.Engine) -> None:
    with engine.connect() as conn:  # a connection into the pool, then the network goes
        assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    relay.cut()
    time.sleep(0.1)
    relay.restore()


def test_an_idle_connection_killed_by_an_outage_is_replaced_before_use():
    relay = TcpRelay(*_server())
    engine = engine_through(relay, ping_after=0.2)
    try:
        cut_and_restore(relay, engine)
        time.sleep(0.3)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 2")).scalar() == 2
    finally:
        engine.dispose()
        relay.cut()


def test_without_the_ping_the_first_statement_meets_the_dead_connection():
    """The control: what the ping prevents."""
    relay = TcpRelay(*_server())
    engine = engine_through(relay, ping_after=None)
    try:
        cut_and_restore(relay, engine)
        with pytest.raises(sa.exc.DBAPIError) as failed, engine.connect() as conn:
            conn.execute(sa.text("SELECT 2"))
        assert failed.value.connection_invalidated
    finally:
        engine.dispose()
        relay.cut()


def test_a_connection_back_in_use_within_the_threshold_is_not_pinged():
    """No round trip under load: a connection idle for less than the threshold is used as is
    (seen here by the outage it did not detect; the pool renews itself on that failure)."""
    relay = TcpRelay(*_server())
    engine = engine_through(relay, ping_after=60.0)
    try:
        cut_and_restore(relay, engine)
        with pytest.raises(sa.exc.DBAPIError) as failed, engine.connect() as conn:
            conn.execute(sa.text("SELECT 2"))
        assert failed.value.connection_invalidated
        with engine.connect() as conn:  # the pool was renewed by that failure
            assert conn.execute(sa.text("SELECT 3")).scalar() == 3
    finally:
        engine.dispose()
        relay.cut()


def _server() -> tuple[str, int]:
    url = sa.make_url(normalise_database_url(TEST_DATABASE_URL))
    return url.host or "127.0.0.1", url.port or 5432
