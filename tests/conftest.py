"""Fixtures: a real database per test (SQLite file, or PostgreSQL when asked), app, clients.

Set ``WMS_TEST_DATABASE_URL`` to a PostgreSQL URL to run the same tests on PostgreSQL;
a throw-away database is created on that server for the session and dropped after.
"""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
import sqlalchemy as sa

from wms import create_app
from wms.extensions import db

TEST_DATABASE_URL = os.environ.get("WMS_TEST_DATABASE_URL", "").strip()
ON_POSTGRES = TEST_DATABASE_URL.startswith(("postgres", "postgresql"))


def pytest_report_header(config):
    return f"database: {'PostgreSQL' if ON_POSTGRES else 'SQLite'}"


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    if not ON_POSTGRES:
        yield None
        return
    from wms.config import normalise_database_url

    server_url = sa.make_url(normalise_database_url(TEST_DATABASE_URL))
    name = f"wms_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = server_url.set(database=name)
    schema_app = create_app({"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
                             "SECRET_KEY": "test", "TESTING": True})
    with schema_app.app_context():
        db.create_all()
        db.engine.dispose()
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _empty_postgres_tables() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        # Triggers off for this cleanup only: the ledger refuses TRUNCATE otherwise (L1).
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory, postgres_url):
    """A SQLite file with the current schema (tables, indexes, the ledger's triggers), made
    once per session: each test copies it instead of creating the schema again."""
    if postgres_url:
        return None
    path = tmp_path_factory.mktemp("schema") / "schema.db"
    schema_app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "test",
                             "TESTING": True})
    with schema_app.app_context():
        db.create_all()
        db.engine.dispose()
    return path


@pytest.fixture
def database_url(tmp_path, postgres_url, sqlite_schema):
    """The URL of an empty database with the current schema."""
    if postgres_url:
        return postgres_url
    path = tmp_path / "wms.db"
    shutil.copyfile(sqlite_schema, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url, tmp_path):
    """The service on a real, empty database."""
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        # Throttling and retries are exercised by their own tests.
        "LOGIN_MAX_FAILURES": 5,
        # Fast hashing keeps fixtures quick; the production default is scrypt.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    })
    if ON_POSTGRES:
        with app.app_context():
            _empty_postgres_tables()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context for service-level tests."""
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def world(app):
    """A small warehouse with users of every role, bins, items and own/consignor owners."""
    from tests.factories import build_world

    with app.app_context():
        built = build_world()
    return built


@pytest.fixture
def api(client, world):
    """An API caller that logs in per role: ``api.as_("picker").post(...)``."""
    from tests.factories import ApiCaller

    return ApiCaller(client, world)
