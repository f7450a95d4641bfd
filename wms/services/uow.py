"""Units of work: one use case, one transaction, retried on serialization failure.

A use case run by ``run_in_transaction`` during a mutating API call also claims the
call's Idempotency-Key in its transaction and stores the response it renders before
the commit (``wms.services.idempotency``): the view's code before and after the
service call runs outside any transaction.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app

from wms.database import WRITE_OPTION
from wms.extensions import db
from wms.services import idempotency

T = TypeVar("T")

# PostgreSQL: serialization failure and deadlock; both are safe to retry whole.
RETRYABLE_SQLSTATES = {"40001", "40P01"}


class UnrecordedUseCase(Exception):
    """A mutating call's use case opened ``transaction()`` itself, where its result cannot
    be recorded: the API runs the whole view in one transaction instead (nothing was done)."""


def in_transaction() -> bool:
    """True inside a ``transaction()`` block."""
    return db.session.registry.has() and db.session.info.get("uow_depth", 0) > 0


@contextmanager
def transaction() -> Iterator[None]:
    """Commit on success, roll back on any error; nested blocks join the outer one."""
    session = db.session
    depth = session.info.get("uow_depth", 0)
    if depth == 0:
        if idempotency.pending_call() is not None:
            raise UnrecordedUseCase()
        _begin_for_writing(session)
    session.info["uow_depth"] = depth + 1
    try:
        yield
        if depth == 0:
            try:
                session.commit()
            except sa.exc.DBAPIError as exc:
                exc.during_commit = True  # see is_retryable
                raise
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info["uow_depth"] = depth


def _begin_for_writing(session) -> None:
    """Start the unit of work's transaction; on SQLite one that holds the write lock."""
    if session.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL writers are made safe by guarded updates and row locks
    if session().in_transaction():
        # Lookups before the use case (e.g. the login) opened a read transaction;
        # end it so the use case starts with BEGIN IMMEDIATE, not a lock upgrade.
        session.commit()
    session.connection(execution_options={WRITE_OPTION: True})


class RetryUseCase(Exception):
    """Raised inside a use case that saw a race it cannot finish: run it again from the start."""


def is_retryable(exc: BaseException) -> bool:
    """True for errors after which running the whole use case again is correct."""
    if isinstance(exc, (RetryUseCase, idempotency.RecordWrittenMeanwhile)):
        return True
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        # The server dropped the connection: run again on a new one, unless it dropped
        # during COMMIT, when nobody knows whether the effect was kept. The client's
        # Idempotency-Key retry is the safe way out of that case.
        return not getattr(exc, "during_commit", False)
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(exc.orig)


def run_in_transaction(use_case: Callable[[], T]) -> T:
    """Run ``use_case`` in one transaction, retrying a bounded number of times with jitter.

    During a mutating API call the transaction also records the rendered result before
    the commit, claiming the call's key with that insert; a key found used sends the
    use case round again, claiming first, and a call made before then raises
    ``idempotency.Replayed`` with its recorded response.
    """
    if in_transaction():
        return use_case()
    call = idempotency.pending_call()
    retries = current_app.config.get("TRANSACTION_RETRIES", 5)
    for attempt in range(retries + 1):
        try:
            with _recorded_transaction(call):
                if call is None:
                    return use_case()
                if attempt:
                    idempotency.claim(call)  # sent round again: the key may be used or in use
                result = use_case()
                idempotency.record_result(call, result, claimed=attempt > 0)
            call.recorded = True
            return result
        except (sa.exc.DBAPIError, RetryUseCase, idempotency.RecordWrittenMeanwhile) as exc:
            if attempt == retries or not is_retryable(exc):
                raise
            time.sleep(random.uniform(0.005, 0.02) * (2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def _recorded_transaction(call: idempotency.CallRecord | None) -> Iterator[None]:
    """``transaction()`` for a use case whose call (if any) this unit of work records."""
    if call is None:
        with transaction():
            yield
        return
    with idempotency.recording(None):  # the call is claimed here, not by an inner transaction()
        with transaction():
            yield
