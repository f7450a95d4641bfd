"""POST /auth/token, POST|DELETE /auth/session, POST /auth/revoke, GET|PATCH /auth/me."""

from __future__ import annotations

from flask import request, session
from flask.views import MethodView

from wms.api.audit.calls import call_audit
from wms.api.auth.schemas import CredentialsSchema, OwnSettingsSchema, SessionSchema, TokenSchema, UserSchema
from wms.api.base import Blueprint
from wms.api.idempotency import idempotent
from wms.api.security import current_user, start_session
from wms.services import auth, users

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Login and tokens")


def _remote_addr() -> str:
    return request.remote_addr or "unknown"


@blp.route("/token")
class Token(MethodView):
    @blp.arguments(CredentialsSchema)
    @blp.response(201, TokenSchema)
    @blp.doc(security=[])
    def post(self, credentials):
        """Log in and get a bearer token for the API (PDAs, stations, scripts)."""
        user = auth.log_in(credentials["username"], credentials["password"], _remote_addr(), call_audit())
        return auth.issue_token(user)


@blp.route("/session")
class Session(MethodView):
    @blp.arguments(CredentialsSchema)
    @blp.response(201, SessionSchema)
    @blp.doc(security=[])
    def post(self, credentials):
        """Log the web UI in with a session cookie; returns the CSRF token to send back."""
        user = auth.log_in(credentials["username"], credentials["password"], _remote_addr(), call_audit())
        return auth.BrowserSession(start_session(user), user)

    @idempotent
    @blp.response(204)
    def delete(self):
        """Log the web UI out."""
        current_user()
        session.clear()


@blp.route("/revoke")
class Revoke(MethodView):
    @idempotent
    @blp.response(204)
    def post(self):
        """Log out everywhere: every token and session of this user stops working."""
        auth.revoke_tokens(current_user())
        session.clear()


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserSchema)
    def get(self):
        """Who is logged in, with the permissions of their role and their language."""
        return current_user()

    @idempotent
    @blp.arguments(OwnSettingsSchema)
    @blp.response(200, UserSchema)
    def patch(self, changes):
        """Change one's own display name or language (zh-CN, en; null: the device's Accept-Language)."""
        return users.update_own_settings(current_user(), changes)
