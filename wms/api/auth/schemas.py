"""Schemas of the login endpoints."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wms.domain.permissions import permissions_of
from wms.i18n import LANGUAGES


class CredentialsSchema(Schema):
    username = fields.Str(required=True, validate=validate.Length(min=1, max=64))
    password = fields.Str(required=True, load_only=True, validate=validate.Length(min=1, max=256))


class UserSchema(Schema):
    id = fields.Int(dump_only=True)
    username = fields.Str()
    display_name = fields.Str()
    role = fields.Str()
    active = fields.Bool()
    language = fields.Str(allow_none=True, validate=validate.OneOf(LANGUAGES), metadata={
        "description": "The language of the API's messages for this user; null: the device's Accept-Language"})
    permissions = fields.Method("get_permissions", dump_only=True)

    def get_permissions(self, user) -> list[str]:
        return sorted(p.value for p in permissions_of(user.role))


class OwnSettingsSchema(Schema):
    """What a user may change of their own record."""

    display_name = fields.Str(validate=validate.Length(min=1, max=100))
    language = fields.Str(allow_none=True, validate=validate.OneOf(LANGUAGES), metadata={
        "description": "zh-CN or en; null: follow the device's Accept-Language"})


class TokenSchema(Schema):
    token = fields.Str()
    token_type = fields.Str()
    expires_at = fields.DateTime()
    user = fields.Nested(UserSchema)


class SessionSchema(Schema):
    csrf_token = fields.Str()
    user = fields.Nested(UserSchema)
