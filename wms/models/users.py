"""Users, their roles, and the record of login attempts used for throttling."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from wms.domain.permissions import Role
from wms.extensions import db
from wms.i18n import LANGUAGES
from wms.models.types import BigIntPK, UTCDateTime, utcnow


class User(db.Model):
    """A person who logs in on a PDA, a station or the office UI."""

    __tablename__ = "user"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(100))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[str] = so.mapped_column(sa.String(16))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    # Bumped on logout-everywhere or password change: every older token stops working.
    token_version: so.Mapped[int] = so.mapped_column(default=1)
    # The language of the API's messages for this user (BCP 47); None: the device's Accept-Language.
    language: so.Mapped[str | None] = so.mapped_column(sa.String(8), default=None)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("role IN (" + ", ".join(f"'{r.value}'" for r in Role) + ")", name="role"),
        sa.CheckConstraint("language IS NULL OR language IN ("
                           + ", ".join(f"'{tag}'" for tag in LANGUAGES) + ")", name="language"),
    )

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password, never the password."""
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)


class LoginAttempt(db.Model):
    """One login try; recent failures throttle further tries across all workers."""

    __tablename__ = "login_attempt"
    id: so.Mapped[int] = so.mapped_column(BigIntPK, primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64))
    remote_addr: so.Mapped[str] = so.mapped_column(sa.String(64))
    succeeded: so.Mapped[bool]
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.Index("ix_login_attempt_username_at", "username", "at"),
        sa.Index("ix_login_attempt_addr_at", "remote_addr", "at"),
    )
