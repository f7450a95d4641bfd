"""Flask extensions, created unbound and initialised by the app factory."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(so.DeclarativeBase):
    """Declarative base of every model."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


# Objects stay readable after a commit without another query (and, on SQLite, without
# opening another transaction); every use case re-reads what it changes under a lock.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
