"""Logging in, bearer tokens and login throttling."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from wms.errors import AuthenticationRequired, InvalidCredentials, LoginRateLimited, TokenExpired
from wms.extensions import db
from wms.models.types import utcnow
from wms.models.users import LoginAttempt, User
from wms.services.uow import transaction

TOKEN_SALT = "wms-api-token"
_dummy_hash: str | None = None


def _spend_hash_time(password: str) -> None:
    """Hash anyway when the user is unknown, so timing does not reveal user names."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = generate_password_hash("unknown-user")
    check_password_hash(_dummy_hash, password)


@dataclass(frozen=True)
class IssuedToken:
    """A bearer token and when it stops working."""

    token: str
    expires_at: datetime


def _serializer() -> URLSafeTimedSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


@functools.lru_cache(maxsize=4)
def _serializer_for(secret_key: str) -> URLSafeTimedSerializer:
    # Built once per key: every API call checks a token, and building one costs more than checking.
    return URLSafeTimedSerializer(secret_key, salt=TOKEN_SALT)


def log_in(username: str, password: str, remote_addr: str) -> User:
    """Check a user name and password, throttled per user name and per address."""
    username = (username or "").strip()
    window_start = utcnow() - timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    max_failures = current_app.config["LOGIN_MAX_FAILURES"]
    with transaction():
        if db.session.get_bind().dialect.name == "postgresql":
            # Count and record one attempt at a time per user name, or parallel guesses
            # would all read the same low count (SQLite runs writers one at a time).
            db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext("login:" + username))))
        by_user, by_addr = db.session.execute(
            sa.select(
                sa.func.count().filter(LoginAttempt.username == username),
                sa.func.count().filter(LoginAttempt.remote_addr == remote_addr),
            ).where(
                LoginAttempt.at >= window_start,
                LoginAttempt.succeeded.is_(False),
                sa.or_(LoginAttempt.username == username, LoginAttempt.remote_addr == remote_addr),
            )
        ).one()
        if by_user >= max_failures or by_addr >= 4 * max_failures:
            raise LoginRateLimited(retry_after_seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
        user = db.session.execute(
            sa.select(User).where(User.username == username)
        ).scalar_one_or_none()
        if user is None:
            _spend_hash_time(password or "")
            ok = False
        else:
            # Hash first: a fast answer must not reveal that an account is switched off.
            ok = user.check_password(password or "") and user.active
        db.session.add(LoginAttempt(username=username[:64], remote_addr=remote_addr[:64], succeeded=ok))
        if ok:
            # Old attempts are only needed for the throttling window.
            db.session.execute(
                sa.delete(LoginAttempt).where(LoginAttempt.at < utcnow() - timedelta(days=1))
            )
    # The failed attempt is committed above before refusing, so it counts.
    if not ok:
        raise InvalidCredentials()
    return user


def issue_token(user: User) -> IssuedToken:
    """A signed, expiring bearer token for the API and devices."""
    max_age = current_app.config["TOKEN_MAX_AGE"]
    token = _serializer().dumps({"u": user.id, "v": user.token_version})
    return IssuedToken(token, utcnow() + timedelta(seconds=max_age))


def token_claims(token: str) -> tuple[int, int]:
    """The user id and token version a bearer token carries, if its signature and age are good.

    Says nothing about the user: ``user_from_session`` (or the scan's fast path) checks
    that the account is still active and the version still current.
    """
    try:
        user_id, token_version, signed_at = _verified(current_app.config["SECRET_KEY"], token)
    except BadSignature as exc:
        raise AuthenticationRequired("The token is not valid.") from exc
    age = int(time.time()) - signed_at
    if not 0 <= age <= current_app.config["TOKEN_MAX_AGE"]:
        raise TokenExpired()
    return user_id, token_version


@functools.lru_cache(maxsize=4096)
def _verified(secret_key: str, token: str) -> tuple[int, int, int]:
    """A token's claims and signing time, its signature checked once per worker.

    A signature that was good stays good, so a handheld's token (sent with every scan
    for hours) is checked by HMAC the first time only; its age is checked every time.
    Refusals raise and are not cached.
    """
    payload, signed_at = _serializer_for(secret_key).loads(token, return_timestamp=True)
    user_id, token_version = (payload.get("u"), payload.get("v")) if isinstance(payload, dict) else (None, None)
    if not isinstance(user_id, int) or not isinstance(token_version, int):
        raise BadSignature("The login is not valid.")
    return user_id, token_version, int(signed_at.timestamp())


_users = User.__table__
_USER_BY_ID = sa.select(*(c for c in _users.c if c.name != "password_hash")).where(
    _users.c.id == sa.bindparam("user_id")
)


def user_from_session(user_id, token_version) -> User:
    """The active user of a login whose token version is still current."""
    if not isinstance(user_id, int) or not isinstance(token_version, int):
        raise AuthenticationRequired("The login is not valid.")
    row = db.session.connection().execute(_USER_BY_ID, {"user_id": user_id}).first()
    if row is None or not row.active or row.token_version != token_version:
        raise AuthenticationRequired("The login was revoked; log in again.")
    # Read with Core on every request; the caller is a detached User that services use
    # for its id and role only (they load a User themselves to change one).
    return User(**row._asdict())


def revoke_tokens(user: User) -> None:
    """Log the user out everywhere: every token and session issued so far stops working."""
    with transaction():
        db.session.execute(
            sa.update(User).where(User.id == user.id).values(token_version=User.token_version + 1)
        )
