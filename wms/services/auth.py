"""Logging in, bearer tokens and login throttling."""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from wms.errors import AuthenticationRequired, InvalidCredentials, LoginRateLimited, TokenExpired
from wms.extensions import db
from wms.models.types import utcnow
from wms.models.users import LoginAttempt, User
from wms.services import audit as audit_trail
from wms.services.audit import CallAudit
from wms.services.uow import run_in_transaction, transaction

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
    """A bearer token, when it stops working, and whose it is."""

    token: str
    expires_at: datetime
    user: User
    token_type: str = "Bearer"


@dataclass(frozen=True)
class BrowserSession:
    """A web UI login: the CSRF token the UI sends back with changes, and whose it is."""

    csrf_token: str
    user: User


def _serializer() -> URLSafeTimedSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


@functools.lru_cache(maxsize=4)
def _serializer_for(secret_key: str) -> URLSafeTimedSerializer:
    # Built once per key: every API call checks a token, and building one costs more than checking.
    return URLSafeTimedSerializer(secret_key, salt=TOKEN_SALT)


@dataclass(frozen=True)
class LoginPlace:
    """A user name and the address a login for it comes from."""

    username: str
    remote_addr: str


#: The looser limits, as multiples of LOGIN_MAX_FAILURES in the window: failures for one
#: user name from every address, from one address for every name, and of the whole service.
USER_NAME_FACTOR = 4
ADDRESS_FACTOR = 4
SERVICE_FACTOR = 20
#: Failures for a user name at an address count this long, or until a login there succeeds.
FAILURE_MEMORY = timedelta(days=1)
_LOGIN_LOCK_KEY = "wms:login"


def log_in(username: str, password: str, remote_addr: str, audit: CallAudit | None = None) -> User:
    """Check a user name and password; throttled by backoff (``_wait_before_login``), never locked.

    A success is on the audit trail (``audit``: the login call's facts, its device), written
    in the transaction that marks the attempt a success; a failure only in ``login_attempt``.
    """
    username = (username or "").strip()
    place = LoginPlace(username[:64], (remote_addr or "unknown")[:64])
    attempt_id = _admit_attempt(place)
    user = db.session.execute(
        sa.select(User).where(User.username == username)
    ).scalar_one_or_none()
    if user is None:
        _spend_hash_time(password or "")
        ok = False
    else:
        # Hash first: a fast answer must not reveal that an account is switched off.
        ok = user.check_password(password or "") and user.active
    if not ok:
        # The attempt was counted as a failure when admitted; it stays one.
        db.session.rollback()
        raise InvalidCredentials()
    _record_success(attempt_id, place, user.id, audit)
    return user


def _admit_attempt(place: LoginPlace) -> int:
    """Refuse a login that must wait, or record it as a failure until its password is right.

    Recorded before the (slow) hash and under one lock, so parallel guesses each see the
    ones before them; the lock is held for a few small queries only.
    """
    with transaction():
        if db.session.get_bind().dialect.name == "postgresql":
            # SQLite's unit of work already holds the database's one write lock.
            db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(_LOGIN_LOCK_KEY))))
        now = utcnow()
        wait = _wait_before_login(place, now)
        if wait:
            # Not recorded: a refused try must not lengthen anybody's wait.
            raise LoginRateLimited(retry_after_seconds=wait)
        attempt = LoginAttempt(username=place.username, remote_addr=place.remote_addr, succeeded=False, at=now)
        db.session.add(attempt)
        db.session.flush()
        return attempt.id


def _wait_before_login(place: LoginPlace, now: datetime) -> int:
    """Seconds this login must wait; 0 when it may be tried now.

    Guessing is bounded without giving anyone a button that locks a user out:

    - the user name at this address gets LOGIN_MAX_FAILURES free failures (forgotten
      after a success there, or a day); each further try waits, doubling from one
      second up to the window. Only this pair's own failures slow it;
    - a *known place* (the user logged in from this address lately) is held by that
      alone, whatever happens elsewhere: a warehouse's people log in as usual behind
      its one NAT address while someone guesses from it or from the internet;
    - elsewhere, too many failures in the window for the user name across addresses
      slow the addresses that have failed for it (one with no recent failure for it
      still gets its try at once); too many from this address slow its tries for
      names not known there (real or not alike, so a wait tells nothing about which
      names exist); too many in the whole service slow every try from an unknown place.
    """
    config = current_app.config
    free, window = config["LOGIN_MAX_FAILURES"], config["LOGIN_WINDOW_SECONDS"]
    window_start = now - timedelta(seconds=window)
    attempts = LoginAttempt
    at_place = sa.and_(attempts.username == place.username, attempts.remote_addr == place.remote_addr)
    last_success = db.session.execute(
        sa.select(sa.func.max(attempts.at)).where(at_place, attempts.succeeded.is_(True))
    ).scalar()
    since = now - FAILURE_MEMORY if last_success is None else max(now - FAILURE_MEMORY, last_success)
    here, here_last = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(attempts.at)).where(
            at_place, attempts.succeeded.is_(False), attempts.at >= since
        )
    ).one()
    ready = [_backoff_end(here_last, here - free, window)]
    known_place = last_success is not None and last_success >= now - timedelta(days=config["LOGIN_KNOWN_PLACE_DAYS"])
    if not known_place:
        # Waited for from this pair's own last failure: an address that has not failed
        # for the name lately (no failure, or one older than the longest wait) goes ahead.
        by_name, _ = _recent_failures(attempts.username == place.username, window_start)
        ready.append(_backoff_end(here_last, by_name - USER_NAME_FACTOR * free, window))
        by_addr, addr_last = _recent_failures(attempts.remote_addr == place.remote_addr, window_start)
        ready.append(_backoff_end(addr_last, by_addr - ADDRESS_FACTOR * free, window))
        overall, overall_last = _latest_failures(SERVICE_FACTOR * free, window_start)
        ready.append(_backoff_end(overall_last, overall - SERVICE_FACTOR * free, window))
    until = max((end for end in ready if end is not None), default=now)
    return max(0, math.ceil((until - now).total_seconds()))


def _backoff_end(last_failure: datetime | None, excess: int, longest: int) -> datetime | None:
    """When the wait after ``last_failure`` ends: 1 s for the first failure past a limit, doubling."""
    if last_failure is None or excess < 0:
        return None
    return last_failure + timedelta(seconds=min(2 ** min(excess, 32), longest))


def _recent_failures(where: sa.ColumnElement[bool], window_start: datetime) -> tuple[int, datetime | None]:
    count, last = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(LoginAttempt.at)).where(
            where, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= window_start
        )
    ).one()
    return count, last


def _latest_failures(limit: int, window_start: datetime) -> tuple[int, datetime | None]:
    # Read newest first by key and stop past the limit (and enough for the longest wait):
    # an index walk of a few rows, where counting the window would read the whole table.
    rows = db.session.execute(
        sa.select(LoginAttempt.at).where(LoginAttempt.succeeded.is_(False))
        .order_by(LoginAttempt.id.desc()).limit(limit + 16)
    ).scalars().all()
    recent = [at for at in rows if at >= window_start]
    return len(recent), max(recent, default=None)


def _record_success(attempt_id: int, place: LoginPlace, user_id: int, audit: CallAudit | None) -> None:
    """Mark the admitted attempt as a success: the address becomes a known place for the user."""
    now = utcnow()
    known_for = timedelta(days=current_app.config["LOGIN_KNOWN_PLACE_DAYS"])
    attempts = LoginAttempt
    with transaction():
        db.session.execute(sa.update(attempts).where(attempts.id == attempt_id).values(succeeded=True))
        # The latest success at a place is all that is needed of it; older attempts
        # only as long as the throttling looks back.
        db.session.execute(sa.delete(attempts).where(
            attempts.username == place.username, attempts.remote_addr == place.remote_addr,
            attempts.succeeded.is_(True), attempts.id != attempt_id,
        ))
        db.session.execute(sa.delete(attempts).where(sa.or_(
            sa.and_(attempts.succeeded.is_(False), attempts.at < now - FAILURE_MEMORY),
            sa.and_(attempts.succeeded.is_(True), attempts.at < now - known_for),
        )))
        if audit is not None:
            audit_trail.write(audit, user_id, 201, "")  # the answer holds the token: not kept


def issue_token(user: User) -> IssuedToken:
    """A signed, expiring bearer token for the API and devices."""
    max_age = current_app.config["TOKEN_MAX_AGE"]
    token = _serializer().dumps({"u": user.id, "v": user.token_version})
    return IssuedToken(token, utcnow() + timedelta(seconds=max_age), user)


def token_claims(token: str) -> tuple[int, int]:
    """The user id and token version a bearer token carries, if its signature and age are good.

    Says nothing about the user: ``user_from_session`` (or the scan's own read, ``accept_login``) checks
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
#: The caller's columns read on every request (never the password's hash).
CALLER_COLUMNS = tuple(c for c in _users.c if c.name != "password_hash")
_USER_BY_ID = sa.select(*CALLER_COLUMNS).where(_users.c.id == sa.bindparam("user_id"))


@dataclass(eq=False)
class Login:
    """A bearer token's claims whose user the request's first statement reads and checks.

    The scan reads its caller with its lookup in one round trip; ``row`` is the user's
    row once ``accept_login`` has checked it, ``user`` the User made of it when asked for.
    """

    user_id: int
    token_version: int
    row: Any = None
    user: User | None = None


def accept_login(login: Login, row) -> None:
    """Check the login's user row (``checked_user``) and keep it for ``user_of_login``."""
    _check(row, login.token_version)
    login.row = row


def _check(row, token_version: int) -> None:
    if row is None or not row.active or row.token_version != token_version:
        raise AuthenticationRequired("The login was revoked; log in again.")


def checked_user(row, token_version: int) -> User:
    """The caller of a login from its user row: refused unless active and its token version current."""
    _check(row, token_version)
    # Read with Core on every request; the caller is a detached User that services use
    # for its id and role only (they load a User themselves to change one).
    return User(**{c.name: getattr(row, c.name) for c in CALLER_COLUMNS})


def user_from_session(user_id, token_version) -> User:
    """The active user of a login whose token version is still current."""
    if not isinstance(user_id, int) or not isinstance(token_version, int):
        raise AuthenticationRequired("The login is not valid.")
    return checked_user(db.session.connection().execute(_USER_BY_ID, {"user_id": user_id}).first(), token_version)


def user_of_login(login: Login) -> User:
    """The login's user: the one its first statement checked, else read and checked now."""
    if login.user is None:
        login.user = (user_from_session(login.user_id, login.token_version) if login.row is None
                      else checked_user(login.row, login.token_version))
    return login.user


def revoke_tokens(user: User) -> None:
    """Log the user out everywhere: every token and session issued so far stops working."""

    def use_case() -> None:
        db.session.execute(
            sa.update(User).where(User.id == user.id).values(token_version=User.token_version + 1)
        )

    run_in_transaction(use_case)
