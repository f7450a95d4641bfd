"""What every request passes before a view runs, so that hostile input gets a typed 4xx.

- routing first: an unknown path is 404 and an unsupported method 405, before the caller
  is asked to log in;
- the path and the query hold no NUL (PostgreSQL cannot store or compare it, SQLite
  would keep it as is: refused alike on both);
- ids in URLs fit the database's integer (a bigger one matches no route: 404);
- a JSON body is at most ``JSON_MAX_BYTES``, nested at most ``JSON_MAX_DEPTH`` deep and
  its strings are real text without NUL;
- every request schema's integers fit a 32-bit column, its decimals are at most 10**9
  and its lists are bounded, unless the field says otherwise.

Database refusals that slip past all of that still get the error format: a value out
of range or too long is 422, a unique key taken by a racing request 409, an unreachable
or busy database 503 with Retry-After (``register_database_errors``).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.routing import IntegerConverter

from wms.errors import (
    AlreadyExists,
    DatabaseUnavailable,
    DomainError,
    InvalidReference,
    InvalidText,
    RequestTooComplex,
    ValueOutOfRange,
)

#: The largest id or quantity a column holds (PostgreSQL integer; SQLite takes 64 bits).
INT_MAX = 2**31 - 1
INT_MIN = -(2**31)


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` in a route, up to INT_MAX: a larger id is no record, so no route (404)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", INT_MAX)
        super().__init__(url_map, *args, **kwargs)


def route_and_text_first() -> None:
    """before_request, ahead of authentication: routing errors, then NUL in the URL."""
    if request.routing_exception is not None:
        raise request.routing_exception
    if "\x00" in request.path:
        raise InvalidText("The address holds a NUL character.", location="path")
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise InvalidText("A query parameter holds a NUL character.", location="query", field=name[:64])


def check_json_value(data, max_depth: int) -> None:
    """Refuse JSON nested deeper than ``max_depth`` or holding a string that is not text.

    Walks iteratively: a deep document must not exhaust the stack while being checked.
    Raises ValueError (a UnicodeDecodeError for a lone surrogate, as if undecodable).
    """
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, dict | list):
            if depth > max_depth:
                raise RequestTooComplex(max_depth=max_depth)
            if isinstance(value, dict):
                for key, item in value.items():
                    _check_text(key)
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)


def _check_text(value: str) -> None:
    if "\x00" in value:
        raise InvalidText("A text in the body holds a NUL character.", location="json")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # JSON may escape half of a surrogate pair ("\ud800"), which no database can store.
        raise UnicodeDecodeError("utf-8", b"", 0, 1, "a string in the body holds a lone surrogate") from None


# --- request schemas: integers that fit, lists that end --------------------------------

#: Items a list in a request may hold unless its field sets its own bound.
LIST_MAX = 1000
#: The largest magnitude of a decimal or float in a request unless its field sets its own range.
NUMBER_MAX = 10**9


def magnitude_at_most(limit: int):
    """A validator for decimals and floats: at most ``limit`` either way. (A marshmallow
    Range on a Decimal field would be documented with string bounds, which OpenAPI refuses.)"""

    def check(value) -> None:
        if abs(value) > limit:
            raise ValidationError(f"Must be between -{limit} and {limit}.")

    return check


def bound_schema(schema: Schema) -> Schema:
    """Give every unbounded Integer a 32-bit range and every unbounded List a length, in place.

    The schema instance is the one the view parses with (built once), so its copies of
    the fields are changed, not the class's; the OpenAPI document shows the bounds.
    """
    for field in schema.fields.values():
        _bound_field(field)
    return schema


def _bound_field(field: fields.Field) -> None:
    unranged = not any(isinstance(v, validate.Range) for v in field.validators)
    if isinstance(field, fields.Integer) and unranged:
        field.validators.append(validate.Range(min=INT_MIN, max=INT_MAX))
    elif isinstance(field, fields.Float | fields.Decimal) and unranged:
        # A weight of 4e235 kg is no weight: it overflows the grams it is stored in.
        field.validators.append(magnitude_at_most(NUMBER_MAX))
    elif isinstance(field, fields.List):
        if not any(isinstance(v, validate.Length) for v in field.validators):
            field.validators.append(validate.Length(max=LIST_MAX))
        _bound_field(field.inner)
    elif isinstance(field, fields.Nested) and isinstance(field.schema, Schema):
        bound_schema(field.schema)


# --- database refusals in the error format -------------------------------------------

#: SQLSTATE classes and codes a bad value causes (PostgreSQL): data exception, 22xxx.
_VALUE_SQLSTATES = {"22001": "too long for its field", "22003": "out of range",
                    "22P05": "not representable", "22021": "not valid text"}


def _sqlstate(error: sa.exc.DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None)


def _answer(error: DomainError, retry_after: int | None = None):
    response = jsonify(error.to_dict())
    response.status_code = error.status
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def register_database_errors(app: Flask) -> None:
    """Answer database refusals in the error format instead of a 500."""

    @app.errorhandler(sa.exc.DataError)
    def _bad_value(error: sa.exc.DataError):
        reason = _VALUE_SQLSTATES.get(_sqlstate(error) or "", "not accepted by the database")
        return _answer(ValueOutOfRange(f"A value is {reason}.", reason=reason))

    @app.errorhandler(OverflowError)
    def _overflow(error: OverflowError):  # SQLite's driver: a Python int beyond 64 bits
        return _answer(ValueOutOfRange("A number is out of range.", reason="out of range"))

    @app.errorhandler(sa.exc.IntegrityError)
    def _conflict(error: sa.exc.IntegrityError):
        # The services check keys and references first; what reaches the database is a
        # race (a key taken by a request that committed first) or a check they missed.
        current_app.logger.warning("integrity error answered in the error format: %s", error.orig)
        state, text = _sqlstate(error) or "", str(error.orig)
        if state == "23505" or "UNIQUE constraint failed" in text:
            return _answer(AlreadyExists("A record with these values was just created."))
        if state == "23503" or "FOREIGN KEY constraint failed" in text:
            return _answer(InvalidReference())
        return _answer(ValueOutOfRange("A value breaks a rule of the database.", reason="constraint"))

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.InterfaceError)
    @app.errorhandler(sa.exc.TimeoutError)
    def _unavailable(error: Exception):
        current_app.logger.error("database unavailable: %s", error)
        busy = "database is locked" in str(getattr(error, "orig", error))
        return _answer(DatabaseUnavailable(busy=busy), retry_after=current_app.config["RETRY_AFTER_SECONDS"])
