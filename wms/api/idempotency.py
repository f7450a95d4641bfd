"""The Idempotency-Key header: a PDA on flaky Wi-Fi may send the same request twice.

- a retry after completion gets the first response again (success or refusal);
- the same key with another payload is refused with 422 ``idempotency_key_reused``;
- a retry while the first is still running gets 409 ``idempotency_in_flight``.

``@idempotent`` only reads the request: it checks the key, computes the request's
fingerprint and knows how the view renders a result (its response schema and status).
The services record the call (``wms.services.idempotency``): the use case's own
transaction claims the key, and stores the response with the effect, so a crash can
never separate them; the view's code before and after the service call runs outside
any transaction. Every mutating call is recorded, with a key or without, and so is
its audit row (``wms.services.audit``: action, document, device from the request's
``X-Device-Id``/``X-Device-Name``, checked here before anything runs); a refusal without
a key, which has no record, gets its audit row in a transaction of its own.

A view whose service still opens ``transaction()`` itself (not through
``run_in_transaction``) is run whole inside one transaction that claims and records,
as before: its code before the service call then runs twice (a read, at most).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, current_app, jsonify, make_response, request

from wms.api.audit.calls import call_audit
from wms.api.security import current_user, current_user_id
from wms.errors import (
    AuthenticationRequired,
    DomainError,
    IdempotencyInFlight,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
)
from wms.services import audit as audit_trail
from wms.services import idempotency
from wms.services.idempotency import CallRecord, Replayed
from wms.services.uow import UnrecordedUseCase, run_in_transaction

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"


def request_fingerprint() -> str:
    """A hash of what makes two requests the same: method, path, query and body."""
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string.decode("latin-1")):
        digest.update(part.encode() + b"\0")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def valid_key(key: str) -> bool:
    """A key is 1 to IDEMPOTENCY_KEY_MAX_LENGTH printable characters."""
    return 0 < len(key) <= current_app.config.get("IDEMPOTENCY_KEY_MAX_LENGTH", 255) and key.isprintable()


def response_renderer(view) -> Callable[[Any], tuple[int, str]] | None:
    """How the view's ``@blp.response`` turns a result into its body: (status, JSON text)."""
    doc = getattr(view, "_apidoc", {})
    statuses = doc.get("success_status_codes") or []
    if len(statuses) != 1:
        return None
    status = int(statuses[0])
    schema = doc["response"]["responses"][statuses[0]][0].get("schema")

    def render(result: Any) -> tuple[int, str]:
        dumped = result if schema is None else schema.dump(result)
        return status, jsonify(dumped).get_data(as_text=True)

    return render


def _replay(replayed: Replayed) -> Response:
    response = Response(replayed.body, status=replayed.status, mimetype="application/json")
    response.headers[REPLAY_HEADER] = "true"
    return response


def _remember(call: CallRecord, status: int, body: str) -> Response | None:
    """Record an answer given without a recorded use case; the first one's if it came meanwhile."""
    current_user()  # a caller its view did not check yet is checked before anything is written
    try:
        run_in_transaction(lambda: idempotency.remember_refusal(call, status, body))
    except Replayed as replayed:
        return _replay(replayed)
    return None


def _run_whole_view_recorded(view, args, kwargs, call: CallRecord) -> Response:
    """The view inside one transaction that claims the key and records its response."""

    def whole_view() -> Response:
        idempotency.claim(call)
        response = make_response(view(*args, **kwargs))
        if response.status_code < 500:
            idempotency.store(call, response.status_code, response.get_data(as_text=True))
        return response

    return run_in_transaction(whole_view)


def idempotent(view):
    """Decorate a mutating view: recorded by its use case, replayable by Idempotency-Key."""
    render = response_renderer(view)

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return _answer(view, render, args, kwargs)
        except AuthenticationRequired:
            raise
        except Exception:
            # A view that reads its caller itself (``security.CALLER_READ_BY_VIEW``) may stop
            # before it did: a refusal goes to a checked caller only (a revoked login: 401).
            current_user()
            raise

    wrapper.idempotent = True
    return wrapper


def _answer(view, render, args, kwargs) -> Response:
    """The view's answer, recorded by its use case or, for a refusal, here."""
    key = request.headers.get(HEADER)
    if key is not None and not valid_key(key):
        raise IdempotencyKeyInvalid(max_length=current_app.config.get("IDEMPOTENCY_KEY_MAX_LENGTH", 255))
    audit = call_audit()
    call = CallRecord(current_user_id(), key, request_fingerprint(), request.method, request.path[:400],
                      render, audit=audit)
    try:
        if render is None:
            raise UnrecordedUseCase()
        with idempotency.recording(call):
            response = make_response(view(*args, **kwargs))
        if not call.recorded and response.status_code < 500:
            # Nothing was written (no use case ran): the answer is still on record.
            replay = _remember(call, response.status_code, response.get_data(as_text=True))
            return response if replay is None else replay
        return response
    except Replayed as replayed:
        return _replay(replayed)
    except UnrecordedUseCase:
        try:
            return _run_whole_view_recorded(view, args, kwargs, call)
        except Replayed as replayed:
            return _replay(replayed)
        except (IdempotencyKeyReused, IdempotencyInFlight):
            raise
        except DomainError as refusal:
            return _refused(call, refusal)
    except (IdempotencyKeyReused, IdempotencyInFlight, AuthenticationRequired):
        raise  # not recorded: a 401 is for a login not checked, whose call is nobody's
    except DomainError as refusal:
        if call.recorded:
            raise  # refused after its use case committed: the effect stands, on record
        return _refused(call, refusal)


def _refused(call: CallRecord, refusal: DomainError) -> Response:
    """A keyed refusal is remembered (its effect was rolled back), so a retry sees it again;
    one without a key is only audited."""
    body = jsonify(refusal.to_dict()).get_data(as_text=True)
    if call.key is None:
        if call.audit is not None:
            current_user()  # a refusal goes on record for a checked caller only
            run_in_transaction(lambda: audit_trail.write(call.audit, call.user_id, refusal.status, body))
        raise refusal
    replay = _remember(call, refusal.status, body)
    if replay is not None:
        return replay
    raise refusal
