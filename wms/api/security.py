"""Who is calling: bearer tokens for PDAs and devices, the session cookie for the UI.

Every endpoint under /api requires a login except the few listed in PUBLIC_ENDPOINTS.
"""

from __future__ import annotations

import hmac
import secrets

from flask import g, request, session
from flask.sessions import SecureCookieSessionInterface

from wms.errors import AuthenticationRequired, CsrfFailed
from wms.models.users import User
from wms.services.auth import token_claims, user_from_session

#: The only endpoints reachable without logging in.
PUBLIC_ENDPOINTS = frozenset({
    "auth.Token", "auth.Session", "system.Health", "system.Catalogue",
    "api-docs.openapi_json", "api-docs.openapi_swagger_ui", "swagger_ui_static",
})
MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


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
        g.user = user_from_session(*token_claims(header[len("Bearer "):].strip()))
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
    """The authenticated user of this request."""
    user = g.get("user")
    if user is None:
        raise AuthenticationRequired()
    return user


class CookieSessionInterface(SecureCookieSessionInterface):
    """The UI's signed cookie session; a call without the cookie (a bearer token) skips reading it."""

    def open_session(self, app, request):
        """An empty session when no session cookie came, else the signed cookie's."""
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)
