"""GET/POST /users, GET/PATCH /users/<id>."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from wms.api.auth.schemas import UserSchema
from wms.api.base import Blueprint
from wms.api.idempotency import idempotent
from wms.api.schemas import one_page
from wms.api.security import current_user
from wms.domain.permissions import Role
from wms.i18n import LANGUAGES
from wms.services import users

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Users and roles")

ROLES = [r.value for r in Role]


class NewUserSchema(Schema):
    username = fields.Str(required=True, validate=validate.Length(min=1, max=64))
    password = fields.Str(required=True, load_only=True, validate=validate.Length(min=8, max=256))
    role = fields.Str(required=True, validate=validate.OneOf(ROLES))
    display_name = fields.Str(load_default=None, validate=validate.Length(max=100))
    language = fields.Str(load_default=None, allow_none=True, validate=validate.OneOf(LANGUAGES))


class UserChangeSchema(Schema):
    password = fields.Str(load_only=True, validate=validate.Length(min=8, max=256))
    role = fields.Str(validate=validate.OneOf(ROLES))
    display_name = fields.Str(validate=validate.Length(min=1, max=100))
    language = fields.Str(allow_none=True, validate=validate.OneOf(LANGUAGES))
    active = fields.Bool()


@blp.route("")
class Users(MethodView):
    @blp.response(200, UserSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """All users."""
        return one_page(pagination_parameters, users.list_users)

    @idempotent
    @blp.arguments(NewUserSchema)
    @blp.response(201, UserSchema)
    def post(self, data):
        """Create a user with a role."""
        return users.create_user(current_user(), **data)


@blp.route("/<int:user_id>")
class UserResource(MethodView):
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """One user."""
        return users.get_user(current_user(), user_id)

    @idempotent
    @blp.arguments(UserChangeSchema)
    @blp.response(200, UserSchema)
    def patch(self, changes, user_id):
        """Change a user's role, name, language, password or access."""
        return users.update_user(current_user(), user_id, changes)
