"""Who is calling: bearer tokens for PDAs and devices, the session cookie for the UI.

Every endpoint under /api requires a login except the few listed in PUBLIC_ENDPOINTS.
A bearer token's user is read and checked (active, token version) on every request:
before the view, or, for the views in CALLER_READ_BY_VIEW, by the view's first
statement together with what the view reads (``Login``); whatever else asks for the
caller first (``current_user``) reads it then, so no answer but the view's own
success is given to a caller that was not checked.
"""

from __future__ import annotations

import hmac
import secrets

from flask import g, request, session
from flask.sessions import SecureCookieSessionInterface

from wms.errors import AuthenticationRequired, CsrfFailed
from wms.models.users import User
from wms.services.auth import Login, token_claims, user_from_session, user_of_login

#: The only endpoints reachable without logging in.
PUBLIC_ENDPOINTS = frozenset({
    "auth.Token", "auth.Session", "system.Health", "system.Catalogue",
    "api-docs.openapi_json", "api-docs.openapi_swagger_ui", "swagger_ui_static",
})
MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: (endpoint, method) of views that read their bearer caller in their own first statement.
CALLER_READ_BY_VIEW = frozenset({("stock.StockMoves", "POST")})


def authenticate_request() -> None:
    """before_request: attach the calling user to ``g.user`` or refuse with 401."""
    if not request.path.startswith("/api/"):
        return
    if request.endpoint in PUBLIC_ENDPOINTS and not (
        request.endpoint == "auth.Session" and request.method == "DELETE"
    ):
        return
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        claims = token_claims(header[len("Bearer "):].strip())
        if (request.endpoint, request.method) in CALLER_READ_BY_VIEW:
            g.login = Login(*claims)
        else:
            g.user = user_from_session(*claims)
        return
    if "user_id" in session:
        g.user = user_from_session(session.get("user_id"), session.get("token_version"))
        if request.method in MUTATING_METHODS:
            _check_csrf()
        return
    raise AuthenticationRequired()


def _check_csrf() -> None:
    # Cookies are sent by the browser on its own; a header is not (SameSite is a second line).
    sent = request.headers.get("X-CSRF-Token", "")
    expected = session.get("csrf_token", "")
    if not expected or not hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode()):
        raise CsrfFailed()


def start_session(user: User) -> str:
    """Log the browser in; returns the CSRF token the UI must send with changes."""
    session.clear()
    session["user_id"] = user.id
    session["token_version"] = user.token_version
    session["csrf_token"] = secrets.token_urlsafe(24)
    session.permanent = True
    return session["csrf_token"]


def current_user() -> User:
    """The authenticated user of this request (a login not checked yet is checked now)."""
    user = g.get("user")
    if user is None and g.get("login") is not None:
        user = g.user = user_of_login(g.login)
    if user is None:
        raise AuthenticationRequired()
    return user


def current_caller() -> User | Login:
    """The caller as the services take it: a checked user, or a login the service's first read checks."""
    return g.get("user") or g.get("login") or current_user()


def current_user_id() -> int:
    """The caller's user id, checked or about to be (``current_caller``)."""
    caller = current_caller()
    return caller.id if isinstance(caller, User) else caller.user_id


class CookieSessionInterface(SecureCookieSessionInterface):
    """The UI's signed cookie session; a call without the cookie (a bearer token) skips reading it."""

    def open_session(self, app, request):
        """An empty session when no session cookie came, else the signed cookie's."""
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)
