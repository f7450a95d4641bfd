"""The real server, started the way the README starts it, driven over HTTP.

``served`` runs what ``make run`` runs (``wms db upgrade``, ``wms demo``, ``wms serve``
with two workers on a free port) against a database of its own: a SQLite file, or a
fresh PostgreSQL database when ``WMS_TEST_DATABASE_URL`` points at a server. gunicorn's
access log names the worker (its pid) of every request; a test sends a unique
User-Agent to find out which worker answered it.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL

pytestmark = pytest.mark.slow

#: The demo's logins, as the README lists them.
DEMO_PASSWORDS = {role: f"{role}-demo" for role in
                  ("admin", "supervisor", "receiver", "picker", "shipper", "clerk")}
WMS = str(Path(sys.executable).with_name("wms"))
WORKERS = 2


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str):
    """Poll ``predicate`` until it is truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Database:
    """A database of the suite's own: its URL, and a way to drop it."""

    url: str
    drop: callable = lambda: None


def new_database(tmp_dir: Path) -> Database:
    """An empty database for one served instance."""
    if not ON_POSTGRES:
        return Database(f"sqlite:///{tmp_dir / 'wms.db'}")
    from wms.config import normalise_database_url

    server_url = sa.make_url(normalise_database_url(TEST_DATABASE_URL))
    name = f"wms_served_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop():
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return Database(server_url.set(database=name).render_as_string(hide_password=False), drop)


@dataclass
class Served:
    """A running ``wms serve`` and an HTTP caller for it."""

    base: str
    database_url: str
    env: dict
    log: Path
    process: subprocess.Popen
    tokens: dict = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base + path

    def wms(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run the ``wms`` command against the served database."""
        done = subprocess.run([WMS, *args], env=self.env, capture_output=True, text=True, timeout=300)
        if check and done.returncode != 0:
            raise AssertionError(f"wms {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def login(self, username: str, password: str | None = None) -> str:
        """A fresh bearer token for ``username`` (a demo user unless a password is given)."""
        deadline = time.monotonic() + 120
        while True:  # as a handheld does: a throttled login waits as long as Retry-After says
            answer = requests.post(self.url("/api/v1/auth/token"), timeout=30, json={
                "username": username, "password": password or DEMO_PASSWORDS[username]})
            if answer.status_code != 429 or time.monotonic() > deadline:
                break
            time.sleep(float(answer.headers.get("Retry-After", "1")))
        assert answer.status_code == 201, answer.text
        return answer.json()["token"]

    def token(self, username: str) -> str:
        """A demo user's token, logged in once per suite."""
        if username not in self.tokens:
            self.tokens[username] = self.login(username)
        return self.tokens[username]

    def call(self, method: str, path: str, token: str | None = None, probe: str | None = None,
             **kwargs) -> requests.Response:
        """One request; ``probe`` is sent as the User-Agent to find its worker in the log."""
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if probe:
            headers["User-Agent"] = probe
        return requests.request(method, self.url(path), headers=headers, timeout=60, **kwargs)

    def as_(self, username: str):
        """Calls as a demo user: ``served.as_("picker").post(path, json=...)``."""
        return _Caller(self, self.token(username))

    def workers_of(self, probes: list[str]) -> dict[str, str]:
        """The pid of the worker that answered each probe (read from the access log)."""
        wanted = set(probes)

        def found():
            seen = {}
            for line in self.log.read_text(errors="replace").splitlines():
                match = re.search(r' <(\d+)> .*"([^"]*)"$', line)
                if match and match.group(2) in wanted:
                    seen[match.group(2)] = match.group(1)
            return seen if len(seen) == len(wanted) else None

        return wait_for(found, 10, "the access log to name every probe's worker")

    def on_every_worker(self, send, name: str, rounds: int = 20) -> list:
        """Call ``send(probe)`` in concurrent batches until every worker has answered one.

        gunicorn may hand a quiet client's requests to one worker; busy batches reach all.
        Returns every response, to assert on."""
        from concurrent.futures import ThreadPoolExecutor

        answers, probes = [], []
        for round_no in range(rounds):
            batch = [f"probe-{name}-{round_no}-{i}-{uuid.uuid4().hex[:6]}" for i in range(2 * WORKERS)]
            with ThreadPoolExecutor(max_workers=2 * WORKERS) as pool:
                answers += list(pool.map(send, batch))
            probes += batch
            if set(self.workers_of(probes).values()) >= self.worker_pids():
                return answers
        raise AssertionError(f"{name}: not every worker answered in {rounds} rounds")

    def worker_pids(self) -> set[str]:
        """The pids of the server's workers, as gunicorn logged their start."""
        return set(re.findall(r"Booting worker with pid: (\d+)", self.log.read_text(errors="replace")))


@dataclass
class _Caller:
    served: Served
    token: str

    def __getattr__(self, method: str):
        def send(path: str, **kwargs) -> requests.Response:
            return self.served.call(method.upper(), path, token=self.token, **kwargs)

        return send


def start_server(tmp_dir: Path, database_url: str, extra_env: dict | None = None,
                 load_demo: bool = True, extra_args: tuple[str, ...] = ()) -> Served:
    """Migrate, load the demo and start ``wms serve`` as ``make run`` does.

    ``extra_args`` go to ``wms serve`` after the rest (``("--simulators",)`` as ``make run``)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WMS_", "FLASK_"))}
    env.update({"DATABASE_URL": database_url, "WMS_SECRET_KEY": "served-test-secret",
                "WMS_SESSION_COOKIE_SECURE": "0", **(extra_env or {})})
    log = tmp_dir / f"serve-{port}.log"
    for step in (["db", "upgrade"], ["demo"] if load_demo else None):
        if step:
            done = subprocess.run([WMS, *step], env=env, capture_output=True, text=True, timeout=300,
                                  cwd=tmp_dir)
            assert done.returncode == 0, f"wms {' '.join(step)}:\n{done.stdout}\n{done.stderr}"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [WMS, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS),
             *extra_args],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp_dir, start_new_session=True)
    served = Served(f"http://127.0.0.1:{port}", database_url, env, log, process)

    def up():
        if process.poll() is not None:
            raise AssertionError(f"wms serve exited:\n{log.read_text()}")
        try:
            return requests.get(served.url("/api/v1/health"), timeout=5).status_code in (200, 503)
        except requests.RequestException:  # not listening yet, or a worker still booting
            return False

    try:
        wait_for(up, 60, "wms serve to answer")
        wait_for(lambda: len(served.worker_pids()) >= WORKERS, 30, "every worker to boot")
    except BaseException:
        stop_server(served)
        raise
    return served


def stop_server(served: Served) -> None:
    """Stop gunicorn (its master and workers) and wait for it."""
    if served.process.poll() is None:
        os.killpg(served.process.pid, signal.SIGTERM)
        try:
            served.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(served.process.pid, signal.SIGKILL)
            served.process.wait(timeout=10)


@pytest.fixture(scope="session")
def served(tmp_path_factory) -> Iterator[Served]:
    """The demo warehouse served by ``wms serve`` with two workers (SQLite or PostgreSQL)."""
    tmp_dir = tmp_path_factory.mktemp("served")
    database = new_database(tmp_dir)
    server = start_server(tmp_dir, database.url)
    try:
        yield server
        stop_server(server)
        # Whatever the suite did, on-hand still equals the ledger (L1).
        verified = server.wms("ledger", "verify", check=False)
        assert verified.returncode == 0, verified.stdout + verified.stderr
    finally:
        stop_server(server)
        database.drop()
