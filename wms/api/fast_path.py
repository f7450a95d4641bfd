"""A fast path in front of a view, with the view itself as the fallback.

``@with_fast_path(attempt)`` marks a view whose caller is checked by ``attempt``'s own
first statement instead of a separate read before the view (``checks_caller_itself``):
the bearer token's signature and age are still checked before anything runs. On
PostgreSQL ``attempt`` runs first; it returns a response for the plain case or None,
and then the view runs exactly as it would without the fast path, the caller checked
first. SQLite, session logins and every refusal take the view.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Response, g

from wms.api.security import current_user
from wms.extensions import db


def with_fast_path(attempt: Callable[[int, int], Response | None]):
    """Decorate a view with ``attempt(user_id, token_version)``, tried first on PostgreSQL."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            claims = g.get("caller_claims")
            if claims is not None and db.engine.dialect.name == "postgresql":
                response = attempt(*claims)
                if response is not None:
                    return response
            current_user()  # the general path: the caller is checked before anything else
            return view(*args, **kwargs)

        wrapper.checks_caller_itself = True
        return wrapper

    return decorator
