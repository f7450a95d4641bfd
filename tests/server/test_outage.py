"""The database goes away and comes back: 503 with Retry-After meanwhile, nothing poisoned after.

On PostgreSQL the server reaches its database through a TCP relay that the test cuts
(every connection dropped, new ones refused) as a restart or a network loss would, and
then restores. On SQLite another process holds the write lock longer than the busy
timeout. Either way a request meanwhile is answered 503 ``database_unavailable`` with
``Retry-After`` in the error format, changes nothing, and once the database is back
every worker answers again: no request inherits a failed transaction or a dead
connection.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import ON_POSTGRES
from tests.server.conftest import new_database, start_server, stop_server, wait_for
from wms.config import Defaults

pytestmark = pytest.mark.slow


class TcpRelay:
    """Relays 127.0.0.1:port to the database server; ``cut`` and ``restore`` it."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, []
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread; close alone would not
            except OSError:
                pass
            listener.close()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class Outage:
    """Takes the served database away and brings it back."""

    def __init__(self, database_url: str) -> None:
        self.url = sa.make_url(database_url)
        self.relay = None
        self._held = None
        if ON_POSTGRES:
            self.relay = TcpRelay(self.url.host or "127.0.0.1", self.url.port or 5432)
            self.server_url = self.url.set(host="127.0.0.1", port=self.relay.port).render_as_string(
                hide_password=False)
        else:
            self.server_url = database_url

    def begin(self) -> None:
        if self.relay is not None:
            self.relay.cut()
        else:
            self._held = sqlite3.connect(self.url.database, isolation_level=None, timeout=30)
            self._held.execute("BEGIN EXCLUSIVE")

    def end(self) -> None:
        if self.relay is not None:
            self.relay.restore()
        else:
            self._held.execute("ROLLBACK")
            self._held.close()


@pytest.fixture(scope="module")
def outage_server(tmp_path_factory):
    tmp_dir = tmp_path_factory.mktemp("outage")
    database = new_database(tmp_dir)
    outage = Outage(database.url)
    # A short busy timeout, so that SQLite's held lock is an outage and not a wait.
    server = start_server(tmp_dir, outage.server_url, {"WMS_SQLITE_BUSY_TIMEOUT_MS": "200"})
    try:
        yield server, outage
    finally:
        stop_server(server)
        database.drop()


def test_while_the_database_is_away_requests_get_503_and_after_it_every_worker_serves(outage_server):
    from tests.server.test_black_box import movable_stock, scan, storage_bins

    served, outage = outage_server
    row = movable_stock(served, 1)[0]
    target = next(b for b in storage_bins(served) if b != row["location_code"])
    picker = served.as_("picker")
    before = served.as_("supervisor").get("/api/v1/ledger/verify").json()["entries"]

    outage.begin()
    try:
        # One scan only, so that some worker sees nothing of the outage: its pooled
        # connection died unseen, and its next request after the outage must not fail.
        key = f"outage-{uuid.uuid4()}"
        answer = picker.post("/api/v1/stock/moves", json=scan(row, target), headers={"Idempotency-Key": key})
        assert answer.status_code == 503, answer.text
        body = answer.json()
        assert (body["code"], body["status"]) == ("database_unavailable", 503), body
        assert set(body) == {"code", "status", "message", "errors"}
        assert int(answer.headers["Retry-After"]) > 0
        if ON_POSTGRES:  # reads too: the database cannot be reached at all
            assert served.call("GET", "/api/v1/health").status_code == 503
        # A restart or a network cut takes longer than a pooled connection may lie idle
        # unchecked; after it, an idle connection is pinged as it is taken.
        time.sleep(Defaults.POOL_PING_AFTER_IDLE_SECONDS + 0.5)
    finally:
        outage.end()

    def serving():
        try:
            return picker.get("/api/v1/auth/me").status_code == 200
        except OSError:
            return False

    wait_for(serving, 30, "the server to reach its database again")
    answers = served.on_every_worker(
        lambda p: picker.get("/api/v1/stock", params={"item": row["sku"]}, probe=p), "after-outage")
    assert {a.status_code for a in answers} == {200}
    # Nothing of the refused scans was written; the same key now runs once.
    assert served.as_("supervisor").get("/api/v1/ledger/verify").json()["entries"] == before
    moved = picker.post("/api/v1/stock/moves", json=scan(row, target), headers={"Idempotency-Key": key})
    assert moved.status_code == 201, moved.text
    verified = served.as_("supervisor").get("/api/v1/ledger/verify").json()
    assert verified["ok"] is True and verified["entries"] == before + 2
